package io.github.wal4j.log;

import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalKeyException;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Reads and atomically replaces the {@code CHECKPOINT} file of a WAL directory. */
public final class CheckpointStore {
    private static final int MAX_SIZE = 1 << 17;
    private final Storage storage;
    private final Path dir;
    private final SegmentKeys keys;

    /** A store of a plain log (an authenticated checkpoint then needs keys: {@link WalKeyException}). */
    public CheckpointStore(Storage storage, Path dir) {
        this(storage, dir, SegmentKeys.NONE);
    }

    /** A store that writes checkpoints authenticated when {@code keys} protects, and verifies them on read. */
    public CheckpointStore(Storage storage, Path dir, SegmentKeys keys) {
        this.storage = storage;
        this.dir = dir;
        this.keys = keys;
    }

    /**
     * The checkpoint in force, {@link Checkpoint#NONE} if there is none; an authenticated one is
     * verified.
     *
     * @throws WalCorruptedException the file is damaged or fails authentication
     * @throws WalKeyException it is authenticated under a key this store does not have
     */
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
            ByteBuffer b = file.readFully(ByteBuffer.allocate((int) size), 0); // a short file fails the decode below
            String[] problem = new String[1];
            Checkpoint checkpoint = Checkpoint.decode(b.flip(), problem);
            if (checkpoint == null) {
                // The file is replaced atomically after an fdatasync, so a damaged one is not a torn write.
                throw new WalCorruptedException(path, 0, problem[0]);
            }
            keys.verify(checkpoint, path);
            return checkpoint;
        }
    }

    /** Makes {@code checkpoint} the one in force: {@link #prepare} then {@link #commit}; durable when it returns. */
    public void write(Checkpoint checkpoint) throws IOException {
        commit(prepare(checkpoint));
    }

    /**
     * Writes {@code checkpoint} under a temporary name and fdatasyncs it. A failure here changes
     * nothing that matters: the temporary file is removed (or left for recovery to remove) and the
     * checkpoint in force stays.
     *
     * @return the temporary file, to hand to {@link #commit(Path)}
     */
    public Path prepare(Checkpoint checkpoint) throws IOException {
        return FileReplacement.prepare(storage, dir.resolve(LogFiles.CHECKPOINT), keys.sign(checkpoint).encode());
    }

    /**
     * Renames a prepared checkpoint over {@code CHECKPOINT} and fsyncs the directory: durable when
     * this returns. If it throws, whether the new checkpoint is in force is unknown until the next
     * open, so the caller must stop the log.
     */
    public void commit(Path prepared) throws IOException {
        FileReplacement.commit(storage, prepared, dir.resolve(LogFiles.CHECKPOINT));
    }
}
