package io.github.wal4j.log;

import io.github.wal4j.WalStats;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * The commit path's counters and latency histograms. The {@link SegmentWriter} records, one caller
 * at a time (the commit lock serializes the writer thread and self-committing appenders, so
 * {@link SingleWriterRecorder}s need no lock on the hot path); {@link #snapshot} may run on any thread.
 */
final class CommitStats {
    private static final long MAX_MICROS = 3_600_000_000L;

    private final AtomicLong appends = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong fsyncs = new AtomicLong();
    private final SingleWriterRecorder batchSizes = new SingleWriterRecorder(1, Integer.MAX_VALUE, 2);
    private final SingleWriterRecorder appendMicros = new SingleWriterRecorder(1, MAX_MICROS, 2);
    private final SingleWriterRecorder fsyncMicros = new SingleWriterRecorder(1, MAX_MICROS, 2);
    private final Histogram batchTotal = new Histogram(1, Integer.MAX_VALUE, 2);
    private final Histogram appendTotal = new Histogram(1, MAX_MICROS, 2);
    private final Histogram fsyncTotal = new Histogram(1, MAX_MICROS, 2);

    void batch(int records, long payloadBytes) {
        batches.incrementAndGet();
        appends.addAndGet(records);
        bytes.addAndGet(payloadBytes);
        batchSizes.recordValue(Math.max(1, records));
    }

    /** {@code records} records (one append, or a group's) were acknowledged {@code latencyNanos} after they were queued. */
    void acknowledged(long latencyNanos, int records) {
        appendMicros.recordValueWithCount(clamp(latencyNanos / 1000), records);
    }

    void fsync(long latencyNanos) {
        fsyncs.incrementAndGet();
        fsyncMicros.recordValue(clamp(latencyNanos / 1000));
    }

    private static long clamp(long micros) {
        return Math.max(1, Math.min(MAX_MICROS, micros));
    }

    synchronized WalStats snapshot(String ioLayer, boolean failed) {
        batchTotal.add(batchSizes.getIntervalHistogram());
        appendTotal.add(appendMicros.getIntervalHistogram());
        fsyncTotal.add(fsyncMicros.getIntervalHistogram());
        return new WalStats(ioLayer, appends.get(), bytes.get(), batches.get(), fsyncs.get(),
                batchTotal.getValueAtPercentile(50), batchTotal.getMaxValue(),
                appendTotal.getValueAtPercentile(50), appendTotal.getValueAtPercentile(99),
                appendTotal.getValueAtPercentile(99.9), appendTotal.getMaxValue(),
                fsyncTotal.getValueAtPercentile(50), fsyncTotal.getValueAtPercentile(99), fsyncTotal.getMaxValue(),
                failed ? 1 : 0);
    }
}
