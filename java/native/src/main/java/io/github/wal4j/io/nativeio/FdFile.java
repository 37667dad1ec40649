package io.github.wal4j.io.nativeio;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The part of a native {@link StorageFile} that does not depend on how bytes move: the descriptor,
 * its safe closing, sync, size, truncate and preallocate.
 *
 * <p>Every call on the descriptor holds a read lock and {@link #close()} takes the write lock, so a
 * descriptor number is never used after it was closed (and possibly reused by another open). A
 * file nobody closed is closed by a {@link Cleaner} once unreachable, as the JDK does for its
 * channels.
 */
abstract class FdFile implements StorageFile {

    private static final Cleaner CLEANER = Cleaner.create();

    private static final System.Logger LOG = System.getLogger("io.github.wal4j.io");

    /**
     * The errno values of a preallocation that cannot be had, as opposed to one that failed: no
     * space (ENOSPC), no quota (EDQUOT), not supported (EOPNOTSUPP).
     */
    static final Set<Integer> REFUSED = Set.of(Errno.ENOSPC, Errno.EDQUOT, Errno.EOPNOTSUPP);

    /** Directories whose last preallocation was refused: each was warned about once. */
    private static final Set<Path> REFUSING_DIRECTORIES = ConcurrentHashMap.newKeySet();

    /** The file's name for messages ({@code "00000003.wal"}). */
    final String name;
    final Path path;
    private final Resources resources;
    private final Cleaner.Cleanable cleanable;
    private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();
    private boolean closed; // guarded by guard
    /** See {@link #addressOf}; any thread may replace it. */
    private volatile BufferAddress lastBuffer;

    /**
     * Takes ownership of {@code fd} and of {@code block} (aligned memory, may be {@code null}): both
     * are released by {@link #close()}.
     */
    FdFile(Path path, int fd, Pointer block) {
        this.path = path;
        Path fileName = path.getFileName();
        this.name = fileName != null ? fileName.toString() : path.toString();
        this.resources = new Resources(fd, block);
        this.cleanable = CLEANER.register(this, resources);
    }

    /** What the cleaner releases; must not refer to the file object. */
    private static final class Resources implements Runnable {
        final int fd;
        final Pointer block;
        volatile int closeResult;

        Resources(int fd, Pointer block) {
            this.fd = fd;
            this.block = block;
        }

        @Override
        public void run() {
            closeResult = LibWal4j.wal4j_close(fd);
            if (block != null) {
                LibWal4j.wal4j_aligned_free(block);
            }
        }
    }

    /** Starts a call on the descriptor: returns it, or throws if the file is closed. Pair with {@link #end()}. */
    final int begin() throws ClosedChannelException {
        guard.readLock().lock();
        if (closed) {
            guard.readLock().unlock();
            throw new ClosedChannelException();
        }
        return resources.fd;
    }

    /** Ends a call started by {@link #begin()}. */
    final void end() {
        guard.readLock().unlock();
        Reference.reachabilityFence(this);
    }

    final NativeIoException failure(String call, long result) {
        return new NativeIoException(call, name, (int) result);
    }

    /**
     * The address of {@code buffer}'s position; the buffer must be direct and stay reachable during
     * the call. The base address of the last buffer seen is kept, so that I/O that reuses one buffer
     * (the writer's batch buffer, a reader's window) allocates no {@link Pointer} per call.
     */
    final Pointer addressOf(ByteBuffer buffer) {
        BufferAddress last = lastBuffer;
        if (last == null || last.buffer != buffer) {
            last = new BufferAddress(buffer, Native.getDirectBufferPointer(buffer));
            lastBuffer = last;
        }
        return buffer.position() == 0 ? last.base : last.base.share(buffer.position());
    }

    /**
     * A direct buffer and its base address. Immutable, so a racing reader of {@link #lastBuffer}
     * sees a matching pair; the file holds its last buffer until it is closed and dropped.
     */
    private record BufferAddress(ByteBuffer buffer, Pointer base) {
    }

    static void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position: " + position);
        }
    }

    @Override
    public void sync() throws IOException {
        int fd = begin();
        int rc;
        try {
            rc = LibWal4j.wal4j_fdatasync(fd);
        } finally {
            end();
        }
        if (rc < 0) {
            throw failure("fdatasync", rc);
        }
    }

    @Override
    public long size() throws IOException {
        int fd = begin();
        long size;
        try {
            size = LibWal4j.wal4j_file_size(fd);
        } finally {
            end();
        }
        if (size < 0) {
            throw failure("fstat", size);
        }
        return size;
    }

    @Override
    public void truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size: " + size);
        }
        int fd = begin();
        int rc;
        try {
            rc = LibWal4j.wal4j_ftruncate(fd, size);
        } finally {
            end();
        }
        if (rc < 0) {
            throw failure("ftruncate", rc);
        }
    }

    /**
     * fallocate(fd, 0, 0, size): reserves the blocks and makes the file at least {@code size} bytes
     * long (the new bytes read as zeros); written bytes are unchanged. Where the file system does
     * not support fallocate (EOPNOTSUPP: NFSv3, many FUSE file systems) there is no fallback to
     * posix_fallocate: glibc emulates it by writing every block of the range in the caller's thread,
     * 16,384 writes for a 64 MiB segment, which stalled the append that rotated for seconds.
     *
     * <p>Preallocation is an optimisation: where the space cannot be had ({@link #REFUSED}: the disk
     * or the quota is full, or fallocate is not supported) this returns {@code false} and the file is
     * cut back to its size before the call, so a partial allocation (ext4 keeps the blocks a failed
     * fallocate got, and grows the file to them) holds no disk space; the file then grows as it is
     * written. The first refusal in a directory is logged at WARNING, once until a preallocation
     * there succeeds again. Must not run concurrently with writes past the file's current size.
     */
    @Override
    public boolean preallocate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size: " + size);
        }
        if (size == 0) {
            return true;
        }
        int fd = begin();
        int rc;
        String call = "fstat";
        try {
            long before = LibWal4j.wal4j_file_size(fd);
            if (before < 0) {
                throw failure(call, before);
            }
            call = "fallocate";
            rc = LibWal4j.wal4j_fallocate(fd, 0, size);
            if (REFUSED.contains(-rc)) {
                int cut = LibWal4j.wal4j_ftruncate(fd, before);
                if (cut < 0) {
                    throw failure("ftruncate", cut);
                }
            }
        } finally {
            end();
        }
        Path dir = path.toAbsolutePath().getParent();
        if (REFUSED.contains(-rc)) {
            if (REFUSING_DIRECTORIES.add(dir)) {
                String why = NativeIoException.message(call, name, -rc);
                LOG.log(System.Logger.Level.WARNING, () -> "wal4j: cannot preallocate " + size + " bytes for "
                        + name + " in " + dir + " (" + why + "); files there grow as they are written, as on the"
                        + " java layer (each fdatasync then also commits the new file size), until a preallocation"
                        + " there succeeds again. When the disk is full, the append that meets it fails the log"
                        + " (WalFailedException) and nothing acknowledged is lost: free space there, or give the WAL"
                        + " a larger file system");
            }
            return false;
        }
        if (rc < 0) {
            throw failure(call, rc);
        }
        REFUSING_DIRECTORIES.remove(dir);
        return true;
    }

    /** Closes the descriptor once; later calls do nothing, calls on the file throw {@link ClosedChannelException}. */
    @Override
    public void close() throws IOException {
        guard.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            cleanable.clean();
        } finally {
            guard.writeLock().unlock();
        }
        int rc = resources.closeResult;
        if (rc < 0) {
            throw failure("close", rc);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + path + "]";
    }
}
