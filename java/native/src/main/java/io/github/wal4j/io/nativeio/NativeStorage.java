package io.github.wal4j.io.nativeio;

import com.sun.jna.Pointer;
import io.github.wal4j.io.AlignedReadFile;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.io.SymbolicLinks;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The native layer: libwal4j through JNA, on Linux.
 *
 * <ul>
 *   <li>every open uses O_NOFOLLOW and O_CLOEXEC; {@link #create} makes files with mode 0600 (the
 *       umask never widens it); a symbolic link in place of a file fails the open (ELOOP) with a
 *       {@link io.github.wal4j.WalFormatException}, its target untouched ({@link SymbolicLinks});</li>
 *   <li>{@link StorageFile#sync()} is fdatasync, {@link StorageFile#preallocate} is fallocate
 *       (posix_fallocate where the file system lacks it); where the space cannot be had (ENOSPC,
 *       EDQUOT, EOPNOTSUPP) it returns {@code false}, gives back what a partial allocation took, and
 *       warns once per directory;</li>
 *   <li>{@link #tryLock} takes two locks on one descriptor of the lock file, both owned by its open
 *       file description, so a second open of the same lock file conflicts even inside this JVM:
 *       {@code flock(LOCK_EX | LOCK_NB)}, and an open-file-description record lock
 *       ({@code fcntl(F_OFD_SETLK)}, write lock on the whole file). The second one conflicts with the
 *       classic POSIX ({@code fcntl(F_SETLK)}) lock that {@link JavaStorage} takes through
 *       {@code FileChannel.tryLock}, in another process or in this one, so a native and a java
 *       layer never both hold one directory (flock alone does not interact with fcntl locks). Needs
 *       Linux 3.15 or later;</li>
 *   <li>{@link #syncDirectory} is open(O_DIRECTORY) + fsync + close;</li>
 *   <li>{@link #list}, {@link #exists}, {@link #rename} (atomic, replacing) and {@link #delete} are
 *       those of {@link JavaStorage}: java.nio.file does them with the same system calls.</li>
 * </ul>
 *
 * <p>Failed system calls throw {@link NativeIoException} ({@code "fdatasync failed on
 * 00000003.wal: EIO (5)"}, a {@link io.github.wal4j.WalException} carrying the errno), except that a missing file throws {@link NoSuchFileException} and an
 * existing one (for {@link #create}) {@link FileAlreadyExistsException}, as with
 * {@link JavaStorage}; both carry the {@link NativeIoException} as their cause.
 *
 * <p>Besides {@link Storage}, this class opens files with O_DIRECT ({@link DirectIoFile}). Thread-safe.
 */
public final class NativeStorage implements Storage {

    private static final AtomicLong PROBES = new AtomicLong();

    /** Lock-file descriptors kept after failed lock attempts, by file key; see {@link #tryLock}. */
    private static final Map<Object, Integer> SPARE_LOCK_FDS = new HashMap<>();

    private final JavaStorage names = new JavaStorage();

    /**
     * @throws IOException if libwal4j cannot be used here; the cause is
     *     {@link NativeIo#unavailabilityCause()}
     */
    public NativeStorage() throws IOException {
        NativeIo.ensureAvailable();
    }

    @Override
    public String name() {
        return "native";
    }

    /** System calls through JNA run to completion whatever the thread's interrupt status. */
    @Override
    public boolean interruptSafe() {
        return true;
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        return names.list(dir);
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return names.exists(path);
    }

    @Override
    public StorageFile create(Path path) throws IOException {
        return new NativeFile(path, open(path, NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_EXCL));
    }

    @Override
    public StorageFile openWrite(Path path) throws IOException {
        return new NativeFile(path, open(path, NativeIo.O_RDWR));
    }

    @Override
    public StorageFile openRead(Path path) throws IOException {
        return new NativeFile(path, open(path, NativeIo.O_RDONLY));
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        names.rename(source, target);
    }

    @Override
    public void delete(Path path) throws IOException {
        names.delete(path);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        int rc = LibWal4j.wal4j_fsync_dir(NativeIo.nativePath(dir));
        if (rc < 0) {
            throw failure("fsync", dir, dir.toString(), rc);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Takes {@code flock(LOCK_EX | LOCK_NB)} and then {@code fcntl(F_OFD_SETLK)} (write lock, whole
     * file) on one descriptor; the lock is held only when both are. Returns {@code null} when either
     * is held elsewhere: by another open of the lock file (any process, this JVM included), or, for
     * the second, by a classic fcntl lock such as {@link JavaStorage}'s.
     *
     * <p>A descriptor whose attempt failed is never closed: closing any descriptor of a file drops
     * every classic fcntl lock this process holds on it, so closing it would silently release a
     * {@link JavaStorage} lock held by this JVM. It is kept, one per lock file and JVM, and the
     * next attempt on that file uses it again.
     */
    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        String name = fileName(lockFile);
        synchronized (SPARE_LOCK_FDS) {
            Object key = fileKey(lockFile);
            Integer spare = key == null ? null : SPARE_LOCK_FDS.remove(key);
            int fd = spare != null ? spare : open(lockFile, NativeIo.O_RDWR | NativeIo.O_CREAT);
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

    /** The number of lock-file descriptors kept after failed attempts (see {@link #tryLock}). */
    static int spareLockDescriptors() {
        synchronized (SPARE_LOCK_FDS) {
            return SPARE_LOCK_FDS.size();
        }
    }

    /**
     * Keeps a descriptor of {@code lockFile} open for the next attempt instead of closing it, under
     * the identity of the file it is open on: {@code key} when known, else read from the descriptor
     * (the path may lead to another file by now).
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
            return fileKey(path);
        }
    }

    /**
     * The identity of the file (device and inode), or {@code null} if it does not exist. A kept
     * descriptor holds its inode, so the number cannot go to another file while it is kept.
     */
    private static Object fileKey(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Creates a new file (mode 0600, fails if it exists) opened for reading and writing with O_DIRECT. */
    @Override
    public DirectIoFile createDirect(Path path) throws IOException {
        return openDirect(path, NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_EXCL);
    }

    /**
     * The direct-I/O alignment for files in {@code dir}: 0 if {@link #probeDirectIo} says the file
     * system refuses O_DIRECT, else the alignment a probe file there reports.
     */
    @Override
    public int directIoAlignment(Path dir) throws IOException {
        if (!probeDirectIo(dir)) {
            return 0;
        }
        Path probe = dir.resolve(".wal4j-direct-probe-" + ProcessHandle.current().pid() + "-" + PROBES.incrementAndGet());
        try (DirectIoFile file = createDirect(probe)) {
            return Math.max(file.alignment(), file.memoryAlignment());
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    /** Opens an existing file for reading and writing with O_DIRECT. */
    @Override
    public DirectIoFile openDirectWrite(Path path) throws IOException {
        return openDirect(path, NativeIo.O_RDWR);
    }

    /** O_DIRECT reads ({@link #openDirectRead}), aligned for the caller; null where O_DIRECT is refused. */
    @Override
    public StorageFile openDeviceRead(Path path) throws IOException {
        DirectIoFile file;
        try {
            file = openDirectRead(path);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            // EINVAL from a file system without O_DIRECT, or statx reporting no alignment.
            return null;
        }
        return new AlignedReadFile(file, Math.max(file.alignment(), file.memoryAlignment()));
    }

    @Override
    public int blockSize(Path dir) throws IOException {
        return names.blockSize(dir);
    }

    /** Opens an existing file for reading with O_DIRECT. */
    @Override
    public DirectIoFile openDirectRead(Path path) throws IOException {
        return openDirect(path, NativeIo.O_RDONLY);
    }

    private DirectIoFile openDirect(Path path, int flags) throws IOException {
        int fd = open(path, flags | NativeIo.O_DIRECT);
        try {
            return DirectIoFile.wrap(path, fd);
        } catch (IOException | RuntimeException | Error e) {
            LibWal4j.wal4j_close(fd);
            throw e;
        }
    }

    /**
     * Whether files in {@code dir} can be used with O_DIRECT: creates a hidden probe file there
     * with O_DIRECT, writes and reads one aligned block and deletes it. {@code false} when the
     * kernel refuses (EINVAL, as tmpfs before Linux 6.6 does) or the file system reports no
     * direct-I/O alignment; other failures throw.
     */
    @Override
    public boolean probeDirectIo(Path dir) throws IOException {
        Path probe = dir.resolve(".wal4j-direct-probe-" + ProcessHandle.current().pid() + "-" + PROBES.incrementAndGet());
        try {
            int fd = LibWal4j.wal4j_open(NativeIo.nativePath(probe), NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_EXCL
                    | NativeIo.O_NOFOLLOW | NativeIo.O_DIRECT, NativeIo.MODE_OWNER_ONLY);
            if (fd == -Errno.EINVAL) {
                return false;
            }
            if (fd < 0) {
                throw failure("open", probe, fileName(probe), fd);
            }
            try {
                return probeBlock(fd, fileName(probe));
            } finally {
                LibWal4j.wal4j_close(fd);
            }
        } finally {
            Files.deleteIfExists(probe); // open may create the file before refusing O_DIRECT
        }
    }

    private static boolean probeBlock(int fd, String name) throws IOException {
        DirectIoFile.Alignment align = DirectIoFile.Alignment.of(fd, name);
        if (align.unsupported()) {
            return false;
        }
        long size = align.offset;
        Pointer block = DirectIoFile.allocateAligned(Math.max(4096, Math.max(align.memory, align.offset)), size, name);
        try {
            block.setMemory(0, size, (byte) 0x5a);
            long n = LibWal4j.wal4j_pwrite(fd, block, size, 0);
            if (n == -Errno.EINVAL) {
                return false;
            }
            if (n != size) {
                throw n < 0 ? new NativeIoException("pwrite", name, (int) n)
                        : new IOException("pwrite wrote " + n + " of " + size + " bytes on " + name);
            }
            n = LibWal4j.wal4j_pread(fd, block, size, 0);
            if (n == -Errno.EINVAL) {
                return false;
            }
            if (n < 0) {
                throw new NativeIoException("pread", name, (int) n);
            }
            return n == size && block.getByte(size - 1) == 0x5a;
        } finally {
            LibWal4j.wal4j_aligned_free(block);
        }
    }

    /** open(2) with O_NOFOLLOW added, mode 0600 for created files. */
    private static int open(Path path, int flags) throws IOException {
        int fd = LibWal4j.wal4j_open(NativeIo.nativePath(path), flags | NativeIo.O_NOFOLLOW, NativeIo.MODE_OWNER_ONLY);
        if (fd == -Errno.ELOOP) {
            throw SymbolicLinks.refusedOr(path, failure("open", path, fileName(path), fd));
        }
        if (fd < 0) {
            throw failure("open", path, fileName(path), fd);
        }
        return fd;
    }

    private static String fileName(Path path) {
        Path name = path.getFileName();
        return name != null ? name.toString() : path.toString();
    }

    /** The exception for a failed call on {@code path}: the java.nio one for ENOENT and EEXIST. */
    private static IOException failure(String call, Path path, String shown, int rc) {
        NativeIoException e = new NativeIoException(call, shown, rc);
        IOException mapped;
        switch (e.errno()) {
            case Errno.ENOENT:
                mapped = new NoSuchFileException(path.toString(), null, e.getMessage());
                break;
            case Errno.EEXIST:
                mapped = new FileAlreadyExistsException(path.toString(), null, e.getMessage());
                break;
            default:
                return e;
        }
        mapped.initCause(e);
        return mapped;
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
            // classic fcntl lock (JavaStorage) on the file, and the close would drop it.
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
