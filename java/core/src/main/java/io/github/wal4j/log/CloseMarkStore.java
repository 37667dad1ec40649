package io.github.wal4j.log;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Reads and atomically replaces the {@code CLOSE_MARK} file of a WAL directory ({@link CloseMark}). */
final class CloseMarkStore {
    private final Storage storage;
    private final Path path;

    CloseMarkStore(Storage storage, Path dir) {
        this.storage = storage;
        this.path = dir.resolve(LogFiles.CLOSE_MARK);
    }

    /**
     * The mark of the last clean close, or null if the log was never closed cleanly (or by a wal4j
     * that wrote none).
     *
     * @throws WalCorruptedException if the file is damaged (it is replaced atomically: not a torn write)
     */
    CloseMark read() throws IOException {
        if (!storage.exists(path)) {
            return null;
        }
        try (StorageFile file = storage.openRead(path)) {
            long size = file.size();
            ByteBuffer b = file.readFully(ByteBuffer.allocate((int) Math.min(size, CloseMark.SIZE + 1)), 0);
            String[] problem = new String[1];
            CloseMark mark = size > CloseMark.SIZE ? null : CloseMark.decode(b.flip(), problem);
            if (mark == null) {
                throw new WalCorruptedException(path, 0, (problem[0] != null ? problem[0]
                        : "clean-close mark holds " + size + " bytes, " + CloseMark.SIZE + " expected")
                        + "; it says where the log ended at its last clean close, and without it a truncated log"
                        + " cannot be told from a torn tail; if the segments are known to be"
                        + " whole, delete it to open without that check");
            }
            return mark;
        }
    }

    /** Makes {@code mark} the one in force; durable when this returns. */
    void write(CloseMark mark) throws IOException {
        FileReplacement.commit(storage, FileReplacement.prepare(storage, path, mark.encode()), path);
    }
}
