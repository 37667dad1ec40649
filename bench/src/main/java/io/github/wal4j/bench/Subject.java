package io.github.wal4j.bench;

import java.util.Map;

/**
 * One implementation under test, opened on a fresh directory for one run: something that appends a
 * record durably. {@link #append} returns only once the record would survive a power loss (an
 * fdatasync or the implementation's equivalent covered it) and is called from many threads at once.
 *
 * <p>Adding an implementation is one small class (or lambda) and one line in {@link Subjects}.
 */
public interface Subject extends AutoCloseable {

    /** Appends one record; returns when it is durable. Thread-safe. The array is not modified. */
    void append(byte[] record) throws Exception;

    /**
     * Cumulative counters (for example group-commit batches); the harness takes their difference over
     * the measured window. Empty by default.
     */
    default Map<String, Long> counters() {
        return Map.of();
    }

    /**
     * A note on the measured window for the run's line in the report, from the change of
     * {@link #counters()} over it (for example how the log's rotations in it went). Empty by default.
     */
    default String windowNote(Map<String, Long> window) {
        return "";
    }

    @Override
    void close() throws Exception;
}
