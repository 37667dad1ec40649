package io.github.wal4j.io;

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
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pure-Java layer: {@link FileChannel} with {@code force(false)} for fdatasync and
 * {@link FileChannel#tryLock()} for the directory lock. Works on every OS the JDK supports.
 *
 * <p>{@code FileChannel.tryLock} is an {@code fcntl} lock on Linux: it belongs to the process and the
 * JDK keeps a per-JVM table so a second lock from this JVM fails with
 * {@link OverlappingFileLockException} instead of silently succeeding; we map that to "held".
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

    /** Lock files this JVM holds through this layer, by real path. */
    private static final ConcurrentHashMap<Path, Boolean> HELD = new ConcurrentHashMap<>();

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

    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        // An fcntl lock belongs to the process, and closing ANY descriptor of the file drops it. So a
        // second open of the same WAL in this JVM must fail before it opens a channel of its own:
        // closing that channel would silently release the first holder's lock.
        Path key = lockFile.toAbsolutePath().getParent().toRealPath().resolve(lockFile.getFileName());
        if (HELD.putIfAbsent(key, Boolean.TRUE) != null) {
            return null;
        }
        FileChannel channel = null;
        try {
            channel = open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), OWNER_ONLY);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                HELD.remove(key);
                return null;
            }
            FileLock held = lock;
            FileChannel open = channel;
            return () -> {
                try {
                    held.release();
                } finally {
                    open.close();
                    HELD.remove(key);
                }
            };
        } catch (IOException | RuntimeException | Error e) {
            if (channel != null) {
                channel.close();
            }
            HELD.remove(key);
            throw e;
        }
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
