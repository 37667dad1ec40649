package io.github.wal4j.io.nativeio;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A file of {@link NativeStorage} opened without O_DIRECT: pread/pwrite through the page cache.
 *
 * <p>Direct buffers go to the kernel as they are; heap buffers are copied through a per-thread
 * direct buffer of {@value #SCRATCH_SIZE} bytes, chunk by chunk. Safe for concurrent use.
 */
final class NativeFile extends FdFile {

    static final int SCRATCH_SIZE = 128 * 1024;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A direct buffer and its address, reused for heap-buffer I/O on one thread. */
    private static final class Scratch {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(SCRATCH_SIZE);
        final Pointer pointer = Native.getDirectBufferPointer(buffer);
    }

    NativeFile(Path path, int fd) {
        super(path, fd, null);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        checkPosition(position);
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only buffer");
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        int fd = begin();
        try {
            if (dst.isDirect()) {
                long n = LibWal4j.wal4j_pread(fd, addressOf(dst), dst.remaining(), position);
                Reference.reachabilityFence(dst);
                if (n < 0) {
                    throw failure("pread", n);
                }
                if (n == 0) {
                    return -1;
                }
                dst.position(dst.position() + (int) n);
                return (int) n;
            }
            Scratch scratch = SCRATCH.get();
            int total = 0;
            while (dst.hasRemaining()) {
                int chunk = Math.min(dst.remaining(), SCRATCH_SIZE);
                long n = LibWal4j.wal4j_pread(fd, scratch.pointer, chunk, position + total);
                if (n < 0) {
                    throw failure("pread", n);
                }
                if (n == 0) {
                    break;
                }
                scratch.buffer.clear().limit((int) n);
                dst.put(scratch.buffer);
                total += (int) n;
                if (n < chunk) {
                    break; // end of file: do not ask again
                }
            }
            return total == 0 ? -1 : total;
        } finally {
            end();
        }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        checkPosition(position);
        if (!src.hasRemaining()) {
            return;
        }
        int fd = begin();
        try {
            long at = position;
            Scratch scratch = src.isDirect() ? null : SCRATCH.get();
            while (src.hasRemaining()) {
                long n;
                if (scratch == null) {
                    n = LibWal4j.wal4j_pwrite(fd, addressOf(src), src.remaining(), at);
                    Reference.reachabilityFence(src);
                } else {
                    int chunk = Math.min(src.remaining(), SCRATCH_SIZE);
                    scratch.buffer.clear();
                    scratch.buffer.put(0, src, src.position(), chunk);
                    n = LibWal4j.wal4j_pwrite(fd, scratch.pointer, chunk, at);
                }
                if (n < 0) {
                    throw failure("pwrite", n);
                }
                if (n == 0) {
                    throw new IOException("pwrite wrote no bytes on " + name + " at offset " + at);
                }
                src.position(src.position() + (int) n);
                at += n;
            }
        } finally {
            end();
        }
    }
}
