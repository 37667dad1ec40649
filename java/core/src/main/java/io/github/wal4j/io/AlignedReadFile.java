package io.github.wal4j.io;

import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Unaligned reads over a file that takes only aligned ones (a file opened with {@code O_DIRECT}):
 * each read covers the aligned range around what was asked into a buffer of its own, then copies
 * the part asked for. Read-only: the device-read files of {@link Storage#openDeviceRead} are for
 * checking what the disk holds, never for writing. Not thread-safe (one bounce buffer).
 */
public final class AlignedReadFile implements StorageFile {
    private static final int CHUNK = 1 << 20;

    private final StorageFile file;
    private final long alignment;
    private final ByteBuffer bounce;

    /**
     * @param file a file whose reads need positions, lengths and buffer addresses aligned to
     *     {@code alignment}
     * @param alignment a power of two
     */
    public AlignedReadFile(StorageFile file, int alignment) {
        this.file = file;
        this.alignment = alignment;
        int size = Math.max(CHUNK, alignment);
        this.bounce = ByteBuffer.allocateDirect(size + alignment).alignedSlice(alignment);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        long start = position - position % alignment;
        long want = Math.min(dst.remaining(), bounce.capacity() - (position - start));
        long end = position + want;
        long alignedEnd = (end + alignment - 1) / alignment * alignment;
        bounce.clear().limit((int) (alignedEnd - start));
        int n = file.read(bounce, start);
        if (n <= position - start) {
            return -1;
        }
        int from = (int) (position - start);
        int count = (int) Math.min(want, n - from);
        dst.put(bounce.limit(from + count).position(from));
        return count;
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        throw new IOException("a device-read file is read-only");
    }

    @Override
    public void sync() {
        // Nothing is ever written through it.
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public void truncate(long size) throws IOException {
        throw new IOException("a device-read file is read-only");
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
