package io.github.wal4j.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One measured run of one implementation in one cell.
 *
 * @param subject the implementation's name
 * @param cell the cell
 * @param rep the repetition (1-based)
 * @param records appends counted (started inside the window and acknowledged)
 * @param seconds the window's start to the last counted acknowledgement
 * @param latency nanoseconds per append (for the C ceiling: per batch)
 * @param counters the subject's counters' change over the window (for wal4j: appends, batches, fsyncs)
 * @param allocatedBytes bytes allocated by every JVM thread over the window, or -1 (not measured)
 * @param deviceBytes bytes the device holding the bench directory wrote over the window, by every
 *     writer on the machine ({@link DeviceWrites}), or -1 (not measured)
 * @param note free text (the C ceiling's batch size and wraps, ...)
 */
public record Result(String subject, Cell cell, int rep, long records, double seconds, Histogram latency,
        Map<String, Long> counters, long allocatedBytes, long deviceBytes, String note) {

    double recordsPerSecond() {
        return records / seconds;
    }

    double megabytesPerSecond() {
        return records * (double) cell.size() / seconds / 1e6;
    }

    /** Records per group-commit batch over the window, or NaN if the subject does not count batches. */
    double recordsPerBatch() {
        Long appends = counters.get("appends");
        Long batches = counters.get("batches");
        return appends == null || batches == null || batches == 0 ? Double.NaN : (double) appends / batches;
    }

    double allocatedPerRecord() {
        return allocatedBytes < 0 || records == 0 ? Double.NaN : (double) allocatedBytes / records;
    }

    /** Device bytes written per byte of payload over the window, or NaN if not measured. */
    double deviceBytesPerPayloadByte() {
        return deviceBytes < 0 || records == 0 ? Double.NaN : deviceBytes / (records * (double) cell.size());
    }

    /** Latency percentile in microseconds. */
    double micros(double percentile) {
        return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1e3;
    }
}
