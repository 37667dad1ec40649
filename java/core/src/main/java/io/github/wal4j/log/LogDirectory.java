package io.github.wal4j.log;

import io.github.wal4j.WalException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalLockedException;
import io.github.wal4j.WalUnsafeDirectoryException;
import io.github.wal4j.format.Alignment;
import io.github.wal4j.io.SymbolicLinks;
import io.github.wal4j.spi.Storage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory of an open log: made safe to use and locked at {@link #open}, and the one place the
 * engine asks about the file system around its files.
 *
 * <p>Files are listed, created, renamed and deleted through the {@link Storage} layer this holds,
 * so that the native and the fault-injecting layers see every such call. {@code Storage} models
 * the files inside a directory, not the directories themselves: whether a path is a directory or a
 * symbolic link, creating a directory with a mode, its owner and permissions, whether two paths
 * are one file. Those questions go to {@code java.nio.file} here (and in {@link FileSafety} and
 * {@link LogFiles}, whose checks the command-line tool shares), nowhere else in the engine.
 *
 * <p>{@link #open} returns with the directory durable (each directory it created is in its
 * parent's synced entries) and the lock held; {@link #close} releases the lock. Thread-safe: the
 * state is final and {@code Storage} is thread-safe.
 */
final class LogDirectory implements Closeable {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j");
    /** How long a lock attempt waits before it tries again, while the lock timeout lasts. */
    private static final long LOCK_RETRY_MILLIS = 10;

    private final Path path;
    private final Storage storage;
    private final Closeable lock;

    private LogDirectory(Path path, Storage storage, Closeable lock) {
        this.path = path;
        this.storage = storage;
        this.lock = lock;
    }

    /**
     * Creates the directory if it is missing ({@link #prepare}), checks it, and takes its lock,
     * waiting up to {@link LogConfig#lockTimeout()} for another holder to let go. Every file the
     * returned directory's {@link #storage()} creates gets {@link LogConfig#filePermissions()}.
     *
     * @throws WalFormatException if the path is not a directory, is a link that leads nowhere, or the
     *     directory holds files that are not the log's or a symbolic link; nothing was changed
     * @throws WalUnsafeDirectoryException if other users could change it and that is not allowed
     * @throws WalException if it cannot be created or written to
     * @throws WalLockedException if another holder keeps the lock past the timeout, or the waiting
     *     thread is interrupted (its interrupt status is set again)
     */
    static LogDirectory open(Path requested, LogConfig options, Storage layer) throws IOException {
        Storage storage = LinkRefusal.around(FileSafety.withFilePermissions(layer, options.filePermissions()));
        Path dir = prepare(storage, requested, options);
        return new LogDirectory(dir, storage, lock(storage, dir, options.lockTimeout()));
    }

    /** The real path of the directory, which every file of the log is resolved against. */
    Path path() {
        return path;
    }

    /** The file layer every operation on the log's files goes through. */
    Storage storage() {
        return storage;
    }

    /** The file {@code name} of this directory. */
    Path resolve(String name) {
        return path.resolve(name);
    }

    /** The regular-file names in the directory, in no particular order ({@link Storage#list}). */
    List<String> list() throws IOException {
        return storage.list(path);
    }

    /**
     * Deletes {@code files} of this directory, then fsyncs it once if there were any: the deletions
     * are durable when this returns. A failure leaves the files not yet deleted in place.
     */
    void deleteAll(List<Path> files) throws IOException {
        for (Path file : files) {
            storage.delete(file);
        }
        if (!files.isEmpty()) {
            storage.syncDirectory(path);
        }
    }

    /**
     * The direct-I/O alignment to write segments with, or 0 for buffered writes: direct I/O is used
     * only when {@code asked} and the layer and file system can do it (probed here by the layer, in
     * this directory); otherwise the log says once why it falls back to buffered writes +
     * fdatasync.
     */
    int directIoAlignment(boolean asked) throws IOException {
        if (!asked) {
            return 0;
        }
        int alignment = storage.directIoAlignment(path);
        if (alignment > 0 && alignment <= Alignment.MAX) {
            int used = Math.max(alignment, Alignment.BLOCK);
            LOG.log(System.Logger.Level.INFO, () -> "wal4j: direct I/O (O_DIRECT) in " + path + ", " + used
                    + "-byte blocks");
            return used;
        }
        LOG.log(System.Logger.Level.INFO, () -> "wal4j: direct I/O asked for, but the " + storage.name()
                + " I/O layer cannot do it in " + path + (alignment > Alignment.MAX ? " (alignment " + alignment
                        + " too large)" : "") + "; using buffered writes + fdatasync");
        return 0;
    }

    /**
     * Refuses {@code snapshot} (absolute and normalized) as the target of a snapshot: its directory
     * must exist, the path must not be a symbolic link (the rename at commit would replace the link,
     * not write through it, so a link planted there is reported instead of silently dropped), and
     * it must lie outside this directory, which holds only the log's own files. Changes nothing.
     *
     * @throws WalException if its directory does not exist
     * @throws WalFormatException if it is a symbolic link
     * @throws IllegalArgumentException if it is in this directory
     */
    void checkSnapshotTarget(Path snapshot) throws IOException {
        Path parent = snapshot.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new WalException("snapshot directory " + parent + " does not exist");
        }
        if (Files.isSymbolicLink(snapshot)) {
            throw new WalFormatException(SymbolicLinks.describe(snapshot) + ": wal4j never writes a snapshot"
                    + " through or over a symbolic link; give the real path");
        }
        if (Files.isSameFile(parent, path)) {
            throw new IllegalArgumentException("keep snapshots outside the WAL directory " + path
                    + ": it holds only the log's own files");
        }
    }

    /**
     * The regular-file names in {@code other}, a directory outside the log (a snapshot's), through
     * {@link Storage#list}; empty if it is not a directory, which {@code Storage} cannot tell.
     */
    List<String> listOther(Path other) throws IOException {
        if (other == null || !Files.isDirectory(other)) {
            return List.of();
        }
        return storage.list(other);
    }

    /** Releases the lock. The directory's files stay as they are. */
    @Override
    public void close() throws IOException {
        lock.close();
    }

    /**
     * If the directory is missing, creates it and its missing parents (with
     * {@link LogConfig#directoryPermissions()}), each made durable (the directory holding it synced)
     * before this returns; then runs {@link FileSafety#checkLogDirectory} on it: only this user can
     * change it, this process can write to it, and it holds only this log's files, none of them a
     * symbolic link. Changes nothing on a refusal.
     *
     * @return the real path of the directory, which the log uses from then on
     */
    private static Path prepare(Storage storage, Path requested, LogConfig options) throws IOException {
        Path dir = FileSafety.resolve(requested);
        if (Files.isSymbolicLink(dir)) {
            throw new WalFormatException(SymbolicLinks.describe(dir) + " to a missing path: a WAL path that is a"
                    + " link is resolved once at open, and this one leads nowhere");
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new WalFormatException(dir + " is not a directory: a WAL is a directory of its own");
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> missing = missingDirectories(dir);
            try {
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(options.directoryPermissions()));
                    // The umask may have narrowed a configured wider mode. (createDirectories also
                    // accepts a directory someone else made meanwhile: the check below catches that.)
                    FileSafety.setPermissions(dir, options.directoryPermissions());
                } else {
                    Files.createDirectories(dir);
                }
            } catch (IOException e) {
                throw new WalException("cannot create WAL directory " + dir + ": " + e, e);
            }
            // Each created directory's entry is durable only once the directory holding it is synced.
            for (Path created : missing) {
                storage.syncDirectory(created.getParent());
            }
            dir = dir.toRealPath();
        }
        FileSafety.checkLogDirectory(dir, options.sharedDirectoryAllowed());
        return dir;
    }

    /**
     * {@code dir} and each of its ancestors that does not exist, deepest first: what
     * {@code Files.createDirectories} will create. Each has a parent (the root always exists).
     */
    private static List<Path> missingDirectories(Path dir) {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && p.getParent() != null && !Files.exists(p); p = p.getParent()) {
            missing.add(p);
        }
        return missing;
    }

    /**
     * Takes the lock of {@code dir}, trying again every {@value #LOCK_RETRY_MILLIS} ms while another
     * holder has it, until {@code timeout} has passed (at least one attempt is made).
     */
    private static Closeable lock(Storage storage, Path dir, Duration timeout) throws IOException {
        Path lockFile = dir.resolve(LogFiles.LOCK);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Closeable lock = storage.tryLock(lockFile);
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new WalLockedException(lockFile);
            }
            try {
                Thread.sleep(LOCK_RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WalLockedException(lockFile);
            }
        }
    }
}
