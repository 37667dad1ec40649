package io.github.wal4j.spi;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The file-system operations the log needs, and nothing more.
 *
 * <p>Every operation whose effect on disk matters goes through this interface, directory operations
 * included, so that a second (native) and a third (fault-injecting, for tests) implementation can
 * stand in for the pure-Java one. Implementations report failures as {@link IOException}s that name
 * the operation and the file; they never retry a failed {@link StorageFile#sync() sync}.
 *
 * <p>Durability rules the callers rely on:
 * <ul>
 *   <li>{@link #create}, {@link #rename} and {@link #delete} change a directory entry, which is
 *       durable only after {@link #syncDirectory} of the parent directory returns;</li>
 *   <li>bytes written through {@link StorageFile#write} are durable only after
 *       {@link StorageFile#sync()} returns.</li>
 * </ul>
 *
 * <p>Implementations are thread-safe.
 */
public interface Storage {

    /** A short name of the layer, for reports: {@code "java"}, {@code "native"}, .... */
    String name();

    /** The regular-file names (not paths) directly inside {@code dir}, in no particular order. */
    List<String> list(Path dir) throws IOException;

    /** Whether {@code path} exists (without following a final symbolic link). */
    boolean exists(Path path) throws IOException;

    /**
     * Creates a new, empty file readable and writable only by its owner; fails if it exists. The
     * directory entry is durable only after {@link #syncDirectory}.
     */
    StorageFile create(Path path) throws IOException;

    /** Opens an existing file for reading and writing, not following symbolic links. */
    StorageFile openWrite(Path path) throws IOException;

    /** Opens an existing file for reading only, not following symbolic links. */
    StorageFile openRead(Path path) throws IOException;

    /** Atomically replaces {@code target} by {@code source} (rename(2)). Needs {@link #syncDirectory}. */
    void rename(Path source, Path target) throws IOException;

    /** Deletes a file if it exists. Needs {@link #syncDirectory} to be durable. */
    void delete(Path path) throws IOException;

    /** Makes every earlier create, rename and delete in {@code dir} durable (fsync of the directory). */
    void syncDirectory(Path dir) throws IOException;

    /**
     * Takes an exclusive advisory lock on {@code lockFile} (created if missing), without waiting.
     *
     * @return the held lock, released by {@link Closeable#close()}; {@code null} if another holder
     *     (another process, or another open WAL in this process) has it
     */
    Closeable tryLock(Path lockFile) throws IOException;

    /**
     * The block alignment that direct I/O (O_DIRECT) needs for files in {@code dir}, found by trying
     * it there; 0 if this layer or that file system cannot do direct I/O (tmpfs before Linux 6.6
     * answers EINVAL). The default: 0.
     */
    default int directIoAlignment(Path dir) throws IOException {
        return 0;
    }

    /**
     * Opens an existing file for writing with direct I/O: every write's position and length must be
     * multiples of {@link #directIoAlignment}. Only called when that returned a positive alignment.
     */
    default StorageFile openDirectWrite(Path path) throws IOException {
        throw new UnsupportedOperationException(name() + " I/O layer has no direct I/O");
    }

    /**
     * Opens an existing file for reading with direct I/O: every read's position and length must be
     * multiples of the file's {@link StorageFile#directIoAlignment()} (see {@link #openDeviceRead}
     * for reads without that rule). For tools that report what the file system can do.
     *
     * @throws IOException naming the file and the reason if the file system refuses direct I/O
     * @throws UnsupportedOperationException if this layer has no direct I/O (the default)
     */
    default StorageFile openDirectRead(Path path) throws IOException {
        throw new UnsupportedOperationException(name() + " I/O layer has no direct I/O");
    }

    /**
     * Creates a new file (owner-only, failing if it exists) and opens it for reading and writing
     * with direct I/O; the directory entry is durable only after {@link #syncDirectory}.
     *
     * @throws UnsupportedOperationException if this layer has no direct I/O (the default)
     */
    default StorageFile createDirect(Path path) throws IOException {
        throw new UnsupportedOperationException(name() + " I/O layer has no direct I/O");
    }

    /**
     * Whether files in {@code dir} can be written and read with direct I/O, found by writing and
     * reading one block of a hidden probe file there, which is deleted again. {@code false} when the
     * kernel or the file system refuses; other failures throw. The default:
     * {@code directIoAlignment(dir) > 0}.
     */
    default boolean probeDirectIo(Path dir) throws IOException {
        return directIoAlignment(dir) > 0;
    }

    /**
     * Opens an existing file for reads of what the device holds, bypassing the page cache
     * ({@code O_DIRECT}); positions and lengths need no alignment (the file handles it). Recovery
     * reads the tail of the newest segment through it: after a failed fdatasync Linux marks the
     * pages clean although their data never reached the disk, and a buffered read still returns
     * them, so only a device read tells bytes that are on the disk from bytes that only seem to be.
     * (Before such a read the kernel writes dirty pages of the range back, so bytes a killed process
     * wrote but never synced are read as written.)
     *
     * @return the file, or {@code null} if this layer or the file system cannot read past the page
     *     cache (tmpfs before Linux 6.6, some FUSE file systems); the default
     */
    default StorageFile openDeviceRead(Path path) throws IOException {
        return null;
    }

    /**
     * The unit in which a write to a file in {@code dir} can tear bytes beside it: the larger of the
     * page-cache page, the file system block and the device's physical sector, as far as this layer
     * can tell. The page cache writes back whole pages and a 512e drive rewrites a whole 4 KiB
     * physical sector, so a write that is lost or torn can take earlier, synced bytes in the same
     * block with it. Batches are aligned to at least this. The default: 4096.
     */
    default int blockSize(Path dir) throws IOException {
        return 4096;
    }

    /**
     * Whether an interrupt of the calling thread leaves this layer's files usable. A
     * {@code FileChannel} closes itself when a thread blocked in it is interrupted, so a layer built
     * on one must say no: the log then does its I/O only on threads of its own. The default: false.
     */
    default boolean interruptSafe() {
        return false;
    }

    /**
     * Where the log runs file work it does ahead of need on this layer (today: writing the next
     * segment's blocks before it is needed, {@code WalOptions.withSegmentPreparation}); {@code null}
     * (the default): on a daemon thread of the log's own, beside the writer. A layer whose file
     * operations must come in one reproducible order returns an executor that runs the work at
     * once on the calling thread ({@code Runnable::run}): the work then runs on the log's writer,
     * after the sync of the batch that made it due, and nowhere else. The test kit's simulated disk
     * does, so that a power cut at the n-th operation replays from its seed; so do the fault layers
     * that fail the n-th write. The work never blocks on the log, so a direct executor cannot
     * deadlock it.
     */
    default Executor backgroundExecutor() {
        return null;
    }
}
