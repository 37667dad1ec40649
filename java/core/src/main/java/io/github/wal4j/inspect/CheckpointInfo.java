package io.github.wal4j.inspect;

import java.nio.file.Path;

/**
 * The checkpoint in force, as {@code CHECKPOINT} records it (an authenticated one verified).
 *
 * @param upToSequence every record up to this sequence is covered (0: none)
 * @param generation the checkpoint's generation
 * @param snapshot the snapshot it names, or {@code null}
 * @param snapshotLength the snapshot's recorded length in bytes (0 without one)
 * @param snapshotCrc the snapshot's recorded CRC32C (0 without one)
 * @param snapshotTemporary the name the snapshot has until its rename completes, or {@code null}
 * @param filePresent whether a {@code CHECKPOINT} file exists (one may cover nothing)
 */
public record CheckpointInfo(long upToSequence, long generation, Path snapshot, long snapshotLength, int snapshotCrc,
        Path snapshotTemporary, boolean filePresent) {
}
