package io.github.wal4j.io.nativeio;

import io.github.wal4j.io.AlignedReadFile;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.io.SymbolicLinks;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The native layer: libwal4j through JNA, on Linux.
 *
 * <ul>
 *   <li>every open uses O_NOFOLLOW and O_CLOEXEC; {@link #create} makes files with mode 0600 (the
 *       umask never widens it); a symbolic link in place of a file fails the open (ELOOP) with a
 *       {@link io.github.wal4j.spi.SymbolicLinkException}, its target untouched ({@link SymbolicLinks});</li>
 *   <li>{@link StorageFile#sync()} is fdatasync, {@link StorageFile#preallocate} is fallocate
 *       (never glibc's posix_fallocate, which writes every block where fallocate is not supported); where the space cannot be had (ENOSPC,
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
        return new NativeFile(path, FileDescriptors.open(path, NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_EXCL));
    }

    @Override
    public StorageFile openWrite(Path path) throws IOException {
        return new NativeFile(path, FileDescriptors.open(path, NativeIo.O_RDWR));
    }

    @Override
    public StorageFile openRead(Path path) throws IOException {
        return new NativeFile(path, FileDescriptors.open(path, NativeIo.O_RDONLY));
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
            throw FileDescriptors.failure("fsync", dir, dir.toString(), rc);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Takes {@code flock(LOCK_EX | LOCK_NB)} and then {@code fcntl(F_OFD_SETLK)} (write lock, whole
     * file) on one descriptor; the lock is held only when both are. Returns {@code null} when either
     * is held elsewhere: by another open of the lock file (any process, this JVM included), or, for
     * the second, by a classic fcntl lock such as {@link JavaStorage}'s. A descriptor whose attempt
     * failed is kept for the next attempt, never closed ({@code NativeLocks}).
     */
    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        return NativeLocks.tryLock(lockFile);
    }

    /** The number of lock-file descriptors kept after failed attempts (see {@link #tryLock}). */
    static int spareLockDescriptors() {
        return NativeLocks.spareDescriptors();
    }

    /** Creates a new file (mode 0600, fails if it exists) opened for reading and writing with O_DIRECT. */
    @Override
    public DirectIoFile createDirect(Path path) throws IOException {
        return DirectIoFile.open(path, NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_EXCL);
    }

    /**
     * The direct-I/O alignment for files in {@code dir}: 0 if {@link #probeDirectIo} says the file
     * system refuses O_DIRECT, else the alignment a probe file there reports ({@code DirectIoProbe}).
     */
    @Override
    public int directIoAlignment(Path dir) throws IOException {
        return DirectIoProbe.alignment(dir);
    }

    /** Opens an existing file for reading and writing with O_DIRECT. */
    @Override
    public DirectIoFile openDirectWrite(Path path) throws IOException {
        return DirectIoFile.open(path, NativeIo.O_RDWR);
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
        return DirectIoFile.open(path, NativeIo.O_RDONLY);
    }

    /**
     * Whether files in {@code dir} can be used with O_DIRECT: creates a hidden probe file there
     * with O_DIRECT, writes and reads one aligned block and deletes it. {@code false} when the
     * kernel refuses (EINVAL, as tmpfs before Linux 6.6 does) or the file system reports no
     * direct-I/O alignment; other failures throw.
     */
    @Override
    public boolean probeDirectIo(Path dir) throws IOException {
        return DirectIoProbe.works(dir);
    }
}
