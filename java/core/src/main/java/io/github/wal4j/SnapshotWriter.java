package io.github.wal4j;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes the caller's compacted state during {@link WriteAheadLog#checkpoint(java.nio.file.Path, SnapshotWriter)}.
 * The stream goes to a temporary file that wal4j syncs and renames into place; the writer must not
 * close it. Throwing aborts the checkpoint and leaves the previous snapshot and the log untouched.
 */
@FunctionalInterface
public interface SnapshotWriter {
    void write(OutputStream out) throws IOException;
}
