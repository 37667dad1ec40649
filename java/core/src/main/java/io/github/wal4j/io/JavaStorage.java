package io.github.wal4j.io;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pure-Java layer: {@link FileChannel} with {@code force(false)} for fdatasync and
 * {@link FileChannel#tryLock()} for the directory lock. Works on every OS the JDK supports.
 *
 * <p>{@code FileChannel.tryLock} is an {@code fcntl} lock on Linux: it belongs to the process, and
 * closing any descriptor of the file releases it. {@link #tryLock} therefore knows held lock files by
 * their inode, refuses a second attempt on one without opening it (whatever path leads there), and
 * never closes a lock file's channel except to release that channel's own lock.
 *
 * <p>Files are created {@code rw-------} (through the umask, which never widens it) and opened with
 * {@link LinkOption#NOFOLLOW_LINKS}: a symbolic link in place of a file fails the open with a
 * {@link io.github.wal4j.WalFormatException} (see {@link SymbolicLinks}), the link's target untouched.
 */
public final class JavaStorage implements Storage {

    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private static final FileAttribute<?>[] OWNER_ONLY = POSIX
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
            : new FileAttribute<?>[0];

    /**
     * The lock files this JVM holds through this layer, by {@link #fileKey}; also the monitor of
     * every lock attempt and release, and of the two collections below.
     */
    private static final Set<Object> HELD = new HashSet<>();

    /** Lock-file channels kept open after failed attempts, by file key; see {@link #tryLock}. */
    private static final Map<Object, FileChannel> SPARE_LOCK_CHANNELS = new HashMap<>();

    /**
     * Lock-file channels whose file is not known for sure (it was replaced during the attempt):
     * never closed, and referenced here so that no cleaner closes them either.
     */
    private static final List<FileChannel> UNKNOWN_LOCK_CHANNELS = new ArrayList<>();

    @Override
    public String name() {
        return "java";
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    names.add(entry.getFileName().toString());
                }
            }
        }
        return names;
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public StorageFile create(Path path) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        return new ChannelFile(path, open(path, options, OWNER_ONLY));
    }

    @Override
    public StorageFile openWrite(Path path) throws IOException {
        return new ChannelFile(path, open(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)));
    }

    @Override
    public StorageFile openRead(Path path) throws IOException {
        return new ChannelFile(path, open(path, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
    }

    /** FileChannel.open, with a refused symbolic link reported as such (see {@link SymbolicLinks}). */
    private static FileChannel open(Path path, Set<OpenOption> options, FileAttribute<?>... attributes)
            throws IOException {
        try {
            return FileChannel.open(path, options, attributes);
        } catch (FileAlreadyExistsException e) {
            throw e; // CREATE_NEW on a link: the name is taken, and that is what to report
        } catch (IOException e) {
            // The JDK reports NOFOLLOW_LINKS on a link as a plain IOException (ELOOP).
            throw SymbolicLinks.refusedOr(path, e);
        }
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void delete(Path path) throws IOException {
        Files.deleteIfExists(path);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        if (!POSIX) {
            // Windows cannot open a directory as a channel; NTFS journals directory entries itself.
            return;
        }
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("fsync of directory " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>An fcntl lock belongs to the process, and closing ANY descriptor of the file drops it. The
     * same lock file can be reached by several paths (a hard link, a bind mount, a second mount of
     * the file system), so the locks this JVM holds are known by the file's identity (device and
     * inode, {@link BasicFileAttributes#fileKey()}), and a second attempt on a held file is refused
     * before any channel is opened. A channel of the lock file is closed only when its own lock is
     * released: one whose attempt failed (the file is held by another process, or by a channel this
     * class does not know, which {@link OverlappingFileLockException} reveals) is kept open, one per
     * file, and the next attempt on that file uses it again.
     */
    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        synchronized (HELD) {
            Object before = fileKey(lockFile);
            if (before != null && HELD.contains(before)) {
                return null;
            }
            FileChannel channel = before != null ? SPARE_LOCK_CHANNELS.remove(before) : null;
            if (channel != null && !channel.isOpen()) {
                channel = null; // closed by an interrupt of a thread in tryLock; it held no lock
            }
            if (channel == null) {
                channel = open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), OWNER_ONLY);
            }
            // The identity of the file the channel is open on, read by path: the same as before the
            // open unless the file was replaced meanwhile; then the channel's file is unknown, may be
            // a held one, and the channel is kept for good.
            Object key;
            try {
                key = fileKey(lockFile);
            } catch (IOException | RuntimeException | Error e) {
                UNKNOWN_LOCK_CHANNELS.add(channel);
                throw e;
            }
            if (key == null || (before != null && !before.equals(key))) {
                UNKNOWN_LOCK_CHANNELS.add(channel);
                return null;
            }
            if (HELD.contains(key)) {
                keep(key, channel); // created by another path to a held file between the two reads
                return null;
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held in this JVM through a channel this class did not open
            } catch (IOException | RuntimeException | Error e) {
                keep(key, channel);
                throw e;
            }
            if (lock == null) {
                keep(key, channel);
                return null;
            }
            HELD.add(key);
            return new ChannelLock(key, lock, channel);
        }
    }

    /** Keeps a channel of lock file {@code key} open for the next attempt instead of closing it. */
    private static void keep(Object key, FileChannel channel) {
        FileChannel previous = SPARE_LOCK_CHANNELS.putIfAbsent(key, channel);
        if (previous != null && previous != channel) {
            UNKNOWN_LOCK_CHANNELS.add(channel);
        }
    }

    /**
     * The identity of {@code path}'s file, not following a link: device and inode where the file
     * system has them, else the real path; {@code null} if the file does not exist.
     */
    private static Object fileKey(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        Object key = attributes.fileKey();
        return key != null ? key : path.toRealPath(LinkOption.NOFOLLOW_LINKS);
    }

    /** The number of lock-file channels kept open after failed attempts (see {@link #tryLock}). */
    static int spareLockChannels() {
        synchronized (HELD) {
            return SPARE_LOCK_CHANNELS.size() + UNKNOWN_LOCK_CHANNELS.size();
        }
    }

    /** A held lock and its channel: closing releases the lock and closes the channel, once. */
    private static final class ChannelLock implements Closeable {
        private final Object key;
        private final FileLock lock;
        private final FileChannel channel;
        private boolean closed; // guarded by HELD

        ChannelLock(Object key, FileLock lock, FileChannel channel) {
            this.key = key;
            this.lock = lock;
            this.channel = channel;
        }

        @Override
        public void close() throws IOException {
            synchronized (HELD) {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    lock.release();
                } finally {
                    try {
                        channel.close();
                    } finally {
                        HELD.remove(key);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "fcntl[" + key + "]";
        }
    }

    /**
     * {@code O_DIRECT} through the JDK ({@link ExtendedOpenOption#DIRECT}), with reads aligned to the
     * file store's block size; null where the file system refuses it.
     */
    @Override
    public StorageFile openDeviceRead(Path path) throws IOException {
        int alignment;
        FileChannel channel;
        try {
            alignment = (int) Files.getFileStore(path).getBlockSize();
            if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
                return null;
            }
            channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS,
                    ExtendedOpenOption.DIRECT);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            // EINVAL from a file system without O_DIRECT, or a JDK/OS without the option.
            return null;
        }
        return new AlignedReadFile(new ChannelFile(path, channel), alignment);
    }

    @Override
    public int blockSize(Path dir) throws IOException {
        return BlockSizes.of(dir);
    }

    /** A {@link StorageFile} over a {@link FileChannel}. */
    private static final class ChannelFile implements StorageFile {
        private final Path path;
        private final FileChannel channel;

        ChannelFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return channel.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            long at = position;
            try {
                while (src.hasRemaining()) {
                    at += channel.write(src, at);
                }
            } catch (IOException e) {
                throw new IOException("write failed on " + path.getFileName() + " at offset " + at + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void sync() throws IOException {
            try {
                channel.force(false);
            } catch (IOException e) {
                throw new IOException("fdatasync failed on " + path.getFileName() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            channel.truncate(size);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
