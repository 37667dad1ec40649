package io.github.wal4j.io.nativeio;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.github.wal4j.spi.DirectIoAlignment;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A file opened with O_DIRECT, bypassing the page cache. Open one with
 * {@link NativeStorage#createDirect}, {@link NativeStorage#openDirectWrite} or
 * {@link NativeStorage#openDirectRead}; check first with {@link NativeStorage#probeDirectIo}
 * whether the directory's file system supports direct I/O at all.
 *
 * <p>Every {@link #read} and {@link #write} needs a position and a length ({@code remaining()})
 * that are multiples of {@link #alignment()}, and throws {@link IllegalArgumentException}
 * otherwise. The buffer itself may be anything: a direct buffer whose address is aligned to
 * {@link #memoryAlignment()} goes to the kernel as is, any other one is copied through an aligned
 * native buffer of this file. A read at the end of the file may return fewer bytes than asked (the
 * unaligned tail). Direct I/O still needs {@link #sync()} for durability: it skips the page cache,
 * not the device's cache nor the file system's metadata.
 */
public final class DirectIoFile extends FdFile {

    private static final int BOUNCE_SIZE = 256 * 1024;

    private final int alignment;
    private final int memoryAlignment;
    private final boolean fromStatx;
    private final Pointer bounce;
    private final ByteBuffer bounceBuffer;
    private final ReentrantLock bounceLock = new ReentrantLock();

    private DirectIoFile(Path path, int fd, Alignment align, Pointer bounce, int bounceSize) {
        super(path, fd, bounce);
        this.alignment = align.offset;
        this.memoryAlignment = align.memory;
        this.fromStatx = align.fromStatx;
        this.bounce = bounce;
        this.bounceBuffer = bounce.getByteBuffer(0, bounceSize);
    }

    /** The direct-I/O alignment of a descriptor (wal4j_dio_alignment). */
    static final class Alignment {
        final int memory;
        final int offset;
        final boolean fromStatx;

        private Alignment(int memory, int offset, boolean fromStatx) {
            this.memory = memory;
            this.offset = offset;
            this.fromStatx = fromStatx;
        }

        /** Whether the file system said that this file cannot do direct I/O. */
        boolean unsupported() {
            return memory <= 0 || offset <= 0;
        }

        static Alignment of(int fd, String name) throws NativeIoException {
            int[] memory = new int[1];
            int[] offset = new int[1];
            int rc = LibWal4j.wal4j_dio_alignment(fd, memory, offset);
            if (rc < 0) {
                throw new NativeIoException("statx", name, rc);
            }
            return new Alignment(memory[0], offset[0], rc == 1);
        }
    }

    /** Allocates aligned native memory ({@code posix_memalign}); free it with {@code wal4j_aligned_free}. */
    static Pointer allocateAligned(long alignment, long size, String name) throws NativeIoException {
        Memory slot = new Memory(Native.POINTER_SIZE);
        int rc = LibWal4j.wal4j_aligned_alloc(slot, alignment, size);
        if (rc < 0) {
            throw new NativeIoException("posix_memalign", name, rc);
        }
        return slot.getPointer(0);
    }

    /**
     * Opens {@code path} with {@code flags} and O_DIRECT (and O_NOFOLLOW, mode 0600 if created), as
     * {@link FileDescriptors#open}; the descriptor is closed again if the file cannot be used.
     */
    static DirectIoFile open(Path path, int flags) throws IOException {
        int fd = FileDescriptors.open(path, flags | NativeIo.O_DIRECT);
        try {
            return wrap(path, fd);
        } catch (IOException | RuntimeException | Error e) {
            LibWal4j.wal4j_close(fd);
            throw e;
        }
    }

    /** Wraps a descriptor opened with O_DIRECT; closes nothing on failure (the caller does). */
    private static DirectIoFile wrap(Path path, int fd) throws IOException {
        String name = String.valueOf(path.getFileName());
        Alignment align = Alignment.of(fd, name);
        if (align.unsupported()) {
            throw new IOException("direct I/O is not supported on " + name + " (statx reports no O_DIRECT alignment)");
        }
        int bounceSize = Math.max(BOUNCE_SIZE, align.offset); // both powers of two: a multiple of the alignment
        long bufferAlign = Math.max(4096, Math.max(align.memory, align.offset));
        Pointer bounce = allocateAligned(bufferAlign, bounceSize, name);
        return new DirectIoFile(path, fd, align, bounce, bounceSize);
    }

    /** The alignment, in bytes, that positions and lengths of reads and writes must have. */
    public int alignment() {
        return alignment;
    }

    /** The alignment, in bytes, of buffer addresses the kernel takes without a copy. */
    public int memoryAlignment() {
        return memoryAlignment;
    }

    /** Whether the alignment came from statx(STATX_DIOALIGN), rather than from st_blksize. */
    public boolean alignmentFromStatx() {
        return fromStatx;
    }

    @Override
    public DirectIoAlignment directIoAlignment() {
        return new DirectIoAlignment(alignment, memoryAlignment, fromStatx);
    }

    private void checkAligned(long position, int length) {
        checkPosition(position);
        if (position % alignment != 0 || length % alignment != 0) {
            throw new IllegalArgumentException("direct I/O on " + name + " needs a position and a length that are multiples of "
                    + alignment + ", got position " + position + " and length " + length);
        }
    }

    /** Whether {@code buffer} can be handed to the kernel without a copy. */
    private boolean passThrough(ByteBuffer buffer) {
        if (!buffer.isDirect() || buffer.remaining() % memoryAlignment != 0) {
            return false;
        }
        long address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer)) + buffer.position();
        return address % memoryAlignment == 0;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only buffer");
        }
        checkAligned(position, dst.remaining());
        if (!dst.hasRemaining()) {
            return 0;
        }
        int fd = begin();
        try {
            if (passThrough(dst)) {
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
            bounceLock.lock();
            try {
                int total = 0;
                while (dst.hasRemaining()) {
                    int chunk = Math.min(dst.remaining(), bounceBuffer.capacity());
                    long n = LibWal4j.wal4j_pread(fd, bounce, chunk, position + total);
                    if (n < 0) {
                        throw failure("pread", n);
                    }
                    if (n == 0) {
                        break;
                    }
                    bounceBuffer.clear().limit((int) n);
                    dst.put(bounceBuffer);
                    total += (int) n;
                    if (n < chunk) {
                        break;
                    }
                }
                return total == 0 ? -1 : total;
            } finally {
                bounceLock.unlock();
            }
        } finally {
            end();
        }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        checkAligned(position, src.remaining());
        if (!src.hasRemaining()) {
            return;
        }
        int fd = begin();
        try {
            if (passThrough(src)) {
                long at = position;
                while (src.hasRemaining()) {
                    long n = LibWal4j.wal4j_pwrite(fd, addressOf(src), src.remaining(), at);
                    Reference.reachabilityFence(src);
                    at += advance(src, n, at);
                }
                return;
            }
            bounceLock.lock();
            try {
                long at = position;
                while (src.hasRemaining()) {
                    int chunk = Math.min(src.remaining(), bounceBuffer.capacity());
                    bounceBuffer.clear();
                    bounceBuffer.put(0, src, src.position(), chunk);
                    int done = 0;
                    while (done < chunk) {
                        long n = LibWal4j.wal4j_pwrite(fd, done == 0 ? bounce : bounce.share(done), chunk - done, at);
                        long step = advance(src, n, at);
                        done += (int) step;
                        at += step;
                    }
                }
            } finally {
                bounceLock.unlock();
            }
        } finally {
            end();
        }
    }

    /** Checks one pwrite result and moves {@code src} past the written bytes. */
    private long advance(ByteBuffer src, long n, long at) throws IOException {
        if (n < 0) {
            throw failure("pwrite", n);
        }
        if (n == 0) {
            throw new IOException("pwrite wrote no bytes on " + name + " at offset " + at);
        }
        src.position(src.position() + (int) n);
        return n;
    }
}
