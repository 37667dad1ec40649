package io.github.wal4j.log;

import io.github.wal4j.format.Checksums;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * An {@link OutputStream} that appends to a {@link StorageFile} through a buffer and keeps the
 * CRC32C and length of what it wrote (a snapshot's, which {@link SnapshotCheck} checks the same
 * way when it reads it back). Closing it does not close the file: the owner syncs it.
 */
final class StorageOutputStream extends OutputStream {
    private final StorageFile file;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
    private final Checksums crc = new Checksums();
    private long written;

    StorageOutputStream(StorageFile file) {
        this.file = file;
        crc.plainStart();
    }

    @Override
    public void write(int b) throws IOException {
        if (!buffer.hasRemaining()) {
            drain();
        }
        buffer.put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (!buffer.hasRemaining()) {
                drain();
            }
            int n = Math.min(len, buffer.remaining());
            buffer.put(b, off, n);
            off += n;
            len -= n;
        }
    }

    @Override
    public void flush() throws IOException {
        drain();
    }

    private void drain() throws IOException {
        buffer.flip();
        crc.plainUpdate(buffer.duplicate());
        int n = buffer.remaining();
        file.write(buffer, written);
        written += n;
        buffer.clear();
    }

    /** Bytes written so far (after {@link #flush()}). */
    long length() {
        return written;
    }

    /** CRC32C of the bytes written so far (after {@link #flush()}). */
    int crc() {
        return crc.plainValue();
    }

    @Override
    public void close() throws IOException {
        drain();
    }

}
