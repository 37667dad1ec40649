package io.github.wal4j.log;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.io.Storage;
import io.github.wal4j.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Reads and atomically replaces the {@code CHECKPOINT} file of a WAL directory. */
public final class CheckpointStore {
    private static final int MAX_SIZE = 1 << 17;
    private final Storage storage;
    private final Path dir;

    public CheckpointStore(Storage storage, Path dir) {
        this.storage = storage;
        this.dir = dir;
    }

    /** The checkpoint in force, {@link Checkpoint#NONE} if there is none. */
    public Checkpoint read() throws IOException {
        Path path = dir.resolve(LogFiles.CHECKPOINT);
        if (!storage.exists(path)) {
            return Checkpoint.NONE;
        }
        try (StorageFile file = storage.openRead(path)) {
            long size = file.size();
            if (size > MAX_SIZE) {
                throw new WalCorruptedException(path, 0, "checkpoint file holds " + size + " bytes, at most "
                        + MAX_SIZE + " expected");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && file.read(b, b.position()) >= 0) {
                // read until full; a short file fails the decode below
            }
            String[] problem = new String[1];
            Checkpoint checkpoint = Checkpoint.decode(b.flip(), problem);
            if (checkpoint == null) {
                // The file is replaced atomically after an fdatasync, so a damaged one is not a torn write.
                throw new WalCorruptedException(path, 0, problem[0]);
            }
            return checkpoint;
        }
    }

    /** Makes {@code checkpoint} the one in force: durable when this returns. */
    public void write(Checkpoint checkpoint) throws IOException {
        writeAtomically(storage, dir.resolve(LogFiles.CHECKPOINT), checkpoint.encode());
    }

    /**
     * Replaces {@code target} with {@code contents}: write a temporary file in the same directory,
     * fdatasync it, rename it over the target, fsync the directory. A crash at any point leaves
     * either the old file or the new one, and a stray temporary file that recovery removes.
     */
    static void writeAtomically(Storage storage, Path target, ByteBuffer contents) throws IOException {
        Path temporary = LogFiles.temporary(target);
        storage.delete(temporary);
        try (StorageFile file = storage.create(temporary)) {
            file.write(contents, 0);
            file.sync();
        }
        storage.rename(temporary, target);
        storage.syncDirectory(target.getParent());
    }
}
