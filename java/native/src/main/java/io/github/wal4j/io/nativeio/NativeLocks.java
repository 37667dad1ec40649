package io.github.wal4j.io.nativeio;

import io.github.wal4j.io.FileKeys;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * The directory locks of {@link NativeStorage}: two locks on one descriptor of the lock file, both
 * owned by its open file description, so a second open of the same lock file conflicts even inside
 * this JVM: {@code flock(LOCK_EX | LOCK_NB)}, then an open-file-description record lock
 * ({@code fcntl(F_OFD_SETLK)}, write lock on the whole file). The second one conflicts with the
 * classic POSIX lock that the pure-Java layer takes, so a native and a java layer never both hold
 * one directory (flock alone does not interact with fcntl locks). Needs Linux 3.15 or later.
 *
 * <p>A descriptor whose attempt failed is never closed: closing any descriptor of a file drops
 * every classic fcntl lock this process holds on it, so closing it would silently release a
 * pure-Java lock held by this JVM. It is kept, one per lock file ({@link FileKeys identity}) and
 * JVM, and the next attempt on that file uses it again.
 *
 * <p>Thread-safe: one monitor, per JVM, guards every attempt.
 */
final class NativeLocks {

    /** Lock-file descriptors kept after failed lock attempts, by file key. */
    private static final Map<Object, Integer> SPARE_LOCK_FDS = new HashMap<>();

    private NativeLocks() {
    }

    /**
     * Takes both locks on one descriptor of {@code lockFile} (created with mode 0600 if missing);
     * the lock is held only when both are.
     *
     * @return the held lock, released by {@link Closeable#close()}, which closes the descriptor;
     *     {@code null} when either lock is held elsewhere: by another open of the lock file (any
     *     process, this JVM included), or, for the second, by a classic fcntl lock
     * @throws NativeIoException if a lock call failed for another reason
     */
    static Closeable tryLock(Path lockFile) throws IOException {
        String name = FileDescriptors.fileName(lockFile);
        synchronized (SPARE_LOCK_FDS) {
            Object key = FileKeys.of(lockFile);
            Integer spare = key == null ? null : SPARE_LOCK_FDS.remove(key);
            int fd = spare != null ? spare : FileDescriptors.open(lockFile, NativeIo.O_RDWR | NativeIo.O_CREAT);
            String call = "flock";
            int rc = LibWal4j.wal4j_flock_exclusive_nb(fd);
            if (rc == 0) {
                call = "fcntl(F_OFD_SETLK)";
                rc = LibWal4j.wal4j_ofd_lock_exclusive_nb(fd);
                if (rc == 0) {
                    return new LockHandle(fd, name);
                }
                LibWal4j.wal4j_flock_unlock(fd); // a kept descriptor must not block other processes
            }
            keep(lockFile, spare != null ? key : null, fd);
            if (rc == -Errno.EWOULDBLOCK || rc == -Errno.EACCES) {
                return null;
            }
            throw new NativeIoException(call, name, rc);
        }
    }

    /** The number of lock-file descriptors kept after failed attempts. */
    static int spareDescriptors() {
        synchronized (SPARE_LOCK_FDS) {
            return SPARE_LOCK_FDS.size();
        }
    }

    /**
     * Keeps a descriptor of {@code lockFile} open for the next attempt instead of closing it, under
     * the identity of the file it is open on: {@code key} when known, else read from the descriptor
     * (the path may lead to another file by now). A kept descriptor holds its inode, so the key
     * cannot go to another file while it is kept.
     */
    private static void keep(Path lockFile, Object key, int fd) {
        Object fileKey = key;
        if (fileKey == null) {
            try {
                fileKey = descriptorKey(fd, lockFile);
            } catch (IOException e) {
                fileKey = null;
            }
        }
        if (fileKey != null) {
            SPARE_LOCK_FDS.putIfAbsent(fileKey, fd);
        }
        // else, or when one is kept already: left open and forgotten, which is safe, unlike closing it
    }

    /**
     * The identity of the file open on {@code fd}: fstat through {@code /proc/self/fd}, or, where
     * /proc is not mounted, that of the file at {@code path}.
     */
    private static Object descriptorKey(int fd, Path path) throws IOException {
        try {
            return Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return FileKeys.of(path);
        }
    }

    /** A held flock and OFD lock on one descriptor: closing it closes the descriptor, once. */
    private static final class LockHandle implements Closeable {
        private final int fd;
        private final String name;
        private boolean closed;

        LockHandle(int fd, String name) {
            this.fd = fd;
            this.name = name;
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            // Closing the only descriptor of the open file description releases both locks at once.
            // No unlock first: between an OFD unlock and the close, another thread could take a
            // classic fcntl lock (the pure-Java layer's) on the file, and the close would drop it.
            int rc = LibWal4j.wal4j_close(fd);
            if (rc < 0) {
                throw new NativeIoException("close", name, rc);
            }
        }

        @Override
        public String toString() {
            return "flock+ofd[" + name + "]";
        }
    }
}
