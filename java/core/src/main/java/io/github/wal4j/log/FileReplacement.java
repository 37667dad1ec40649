package io.github.wal4j.log;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The atomic replacement of a small file of a WAL directory ({@code CHECKPOINT}, {@code CLOSE_MARK}):
 * the new content goes to {@code NAME.tmp}, is fdatasync'ed, renamed over {@code NAME}, and the
 * directory is fsync'ed. A crash at any point leaves the old file or the new one (and perhaps the
 * temporary, which recovery removes), so a damaged one is never a torn write.
 */
final class FileReplacement {
    private FileReplacement() {
    }

    /**
     * Writes {@code bytes} under the temporary name of {@code target} and fdatasyncs it. A failure
     * changes nothing that matters: the temporary file is removed (or left for recovery to remove).
     *
     * @return the temporary file, to hand to {@link #commit}
     */
    static Path prepare(Storage storage, Path target, ByteBuffer bytes) throws IOException {
        Path temporary = LogFiles.temporary(target);
        storage.delete(temporary);
        try (StorageFile file = storage.create(temporary)) {
            file.write(bytes, 0);
            file.sync();
        } catch (IOException | RuntimeException e) {
            try {
                storage.delete(temporary);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return temporary;
    }

    /** Renames a prepared file over {@code target} and fsyncs its directory: durable when this returns. */
    static void commit(Storage storage, Path prepared, Path target) throws IOException {
        storage.rename(prepared, target);
        storage.syncDirectory(target.getParent());
    }
}
