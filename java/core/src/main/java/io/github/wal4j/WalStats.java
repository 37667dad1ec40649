package io.github.wal4j;

/**
 * A snapshot of an open log's counters since it was opened, from {@link WriteAheadLog#stats()}.
 * Latencies are in microseconds; an append's latency runs from the call to its acknowledgement
 * (its future completing), so it includes queueing behind the batch being synced.
 *
 * @param ioLayer the active I/O layer ("java", "native", ...)
 * @param appends records acknowledged
 * @param bytes payload bytes acknowledged
 * @param batches group-commit batches written
 * @param fsyncs fdatasync calls that succeeded
 * @param batchSizeP50 median records per batch
 * @param batchSizeMax largest batch
 * @param appendP50Micros median append latency
 * @param appendP99Micros 99th percentile append latency
 * @param appendP999Micros 99.9th percentile append latency
 * @param appendMaxMicros largest append latency
 * @param fsyncP50Micros median fdatasync latency
 * @param fsyncP99Micros 99th percentile fdatasync latency
 * @param fsyncMaxMicros largest fdatasync latency
 * @param failures 1 if the log has failed (see {@link WalFailedException}), else 0
 */
public record WalStats(String ioLayer, long appends, long bytes, long batches, long fsyncs, long batchSizeP50,
        long batchSizeMax, long appendP50Micros, long appendP99Micros, long appendP999Micros, long appendMaxMicros,
        long fsyncP50Micros, long fsyncP99Micros, long fsyncMaxMicros, long failures) {

    /** Records per batch on average: how much group commit saves. */
    public double meanBatchSize() {
        return batches == 0 ? 0 : (double) appends / batches;
    }
}
