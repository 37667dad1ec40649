package io.github.wal4j.log;

import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Checks the snapshot a checkpoint names against what the checkpoint recorded: the file exists,
 * holds the recorded length, and its bytes have the recorded CRC32C (the plain CRC32C that
 * {@link StorageOutputStream} computes while the snapshot is written). Open runs it before it
 * changes anything, on the file it would use (the temporary name while a committed snapshot's
 * rename is pending); {@code wal4j verify} runs the same check. Changes nothing.
 *
 * <p>The CRC costs one read of the whole snapshot, streamed through a 64 KiB buffer: the time grows
 * with the snapshot's size, the memory does not.
 */
final class SnapshotCheck {
    private static final int BUFFER = 1 << 16;

    private SnapshotCheck() {
    }

    /**
     * The file holding the snapshot {@code checkpoint} names (which must name one): its temporary
     * name if it still exists (the checkpoint committed, the rename did not happen), else its name.
     */
    public static Path committedFile(Storage storage, Checkpoint checkpoint) throws IOException {
        Path temporary = checkpoint.snapshotTemporary();
        return storage.exists(temporary) ? temporary : checkpoint.snapshot();
    }

    /**
     * Checks {@code file} as the snapshot {@code checkpoint} names (which must name one).
     *
     * @throws WalCorruptedException naming {@code file} at offset 0 if it does not exist, holds
     *     another number of bytes than recorded, or its bytes have another CRC32C; the message
     *     gives both numbers
     */
    public static void check(Storage storage, Path file, Checkpoint checkpoint) throws IOException {
        if (!storage.exists(file)) {
            throw new WalCorruptedException(file, 0, "the checkpoint in force names this snapshot (covering "
                    + "records up to " + checkpoint.upToSequence() + "), but it does not exist");
        }
        try (StorageFile f = storage.openRead(file)) {
            long size = f.size();
            if (size != checkpoint.snapshotLength()) {
                throw new WalCorruptedException(file, 0, "snapshot holds " + size
                        + " bytes, the checkpoint in force recorded " + checkpoint.snapshotLength());
            }
            int actual = crc32c(file, f, size);
            if (actual != checkpoint.snapshotCrc()) {
                throw new WalCorruptedException(file, 0, "snapshot bytes have CRC32C " + hex(actual)
                        + ", the checkpoint in force (covering records up to " + checkpoint.upToSequence()
                        + ") recorded " + hex(checkpoint.snapshotCrc()) + " for its " + size + " bytes: they changed"
                        + " after the snapshot was written (its length did not); restore the snapshot from a backup");
            }
        }
    }

    /** The CRC32C of {@code file}'s first {@code length} bytes, read through one buffer. */
    private static int crc32c(Path path, StorageFile file, long length) throws IOException {
        Checksums crc = new Checksums();
        crc.plainStart();
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(BUFFER, Math.max(length, 1)));
        long position = 0;
        while (position < length) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
            int n = file.read(buffer, position);
            if (n < 0) {
                throw new WalCorruptedException(path, 0, "snapshot ended at byte " + position + " while it was read,"
                        + " the checkpoint in force recorded " + length + " bytes (is something else writing it?)");
            }
            position += n;
            crc.plainUpdate(buffer.flip());
        }
        return crc.plainValue();
    }

    private static String hex(int crc) {
        return String.format("0x%08x", crc);
    }
}
