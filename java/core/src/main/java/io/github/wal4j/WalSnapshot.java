package io.github.wal4j;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The snapshot the checkpoint in force names, as {@link WriteAheadLog#snapshot()} returns it: the
 * file to load the application's state from (after open, never before), and what the checkpoint
 * recorded about it. A value: it does not change when a later checkpoint puts another snapshot in
 * force; ask {@link WriteAheadLog#snapshot()} again.
 *
 * @param path the snapshot file (absolute); the state in it reflects every record up to
 *     {@code upToSequence}
 * @param upToSequence the last sequence the snapshot covers, equal to
 *     {@link WriteAheadLog#checkpointSequence()}: replay from {@code upToSequence + 1}
 * @param length the snapshot's size in bytes
 * @param crc32c the CRC32C of its bytes (open checks the snapshot in force against it, and against
 *     {@code length})
 */
public record WalSnapshot(Path path, long upToSequence, long length, int crc32c) {
    /**
     * Checks the values ({@link WriteAheadLog#snapshot()} makes these; tests and wrappers may too).
     *
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code upToSequence} or {@code length} is negative
     */
    public WalSnapshot {
        Objects.requireNonNull(path, "path");
        if (upToSequence < 0 || length < 0) {
            throw new IllegalArgumentException("a snapshot covers a sequence >= 0 and holds >= 0 bytes, not "
                    + upToSequence + " and " + length);
        }
    }
}
