package io.github.wal4j.io;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The pure-Java layer: {@link FileChannel} with {@code force(false)} for fdatasync and
 * {@link FileChannel#tryLock()} for the directory lock. Works on every OS the JDK supports.
 *
 * <p>{@code FileChannel.tryLock} is an {@code fcntl} lock on Linux: it belongs to the process, and
 * closing any descriptor of the file releases it. {@link #tryLock} therefore knows held lock files by
 * their inode, refuses a second attempt on one without opening it (whatever path leads there), and
 * never closes a lock file's channel except to release that channel's own lock ({@code FcntlLocks}).
 *
 * <p>Files are created {@code rw-------} (through the umask, which never widens it) and opened with
 * {@link LinkOption#NOFOLLOW_LINKS}: a symbolic link in place of a file fails the open with a
 * {@link io.github.wal4j.spi.SymbolicLinkException} (see {@link SymbolicLinks}), the link's target untouched.
 */
public final class JavaStorage implements Storage {

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
        return new ChannelFile(path, ChannelFile.open(path, options, ChannelFile.OWNER_ONLY));
    }

    @Override
    public StorageFile openWrite(Path path) throws IOException {
        return new ChannelFile(path, ChannelFile.open(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)));
    }

    @Override
    public StorageFile openRead(Path path) throws IOException {
        return new ChannelFile(path, ChannelFile.open(path, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
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
        if (!ChannelFile.POSIX) {
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
     * <p>A classic fcntl lock ({@code FileChannel.tryLock}), which closing any descriptor of the
     * file drops: held and kept lock files are known by their identity, and no channel of a lock
     * file is closed but to release its own lock ({@code FcntlLocks}).
     */
    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        return FcntlLocks.tryLock(lockFile);
    }

    /** The number of lock-file channels kept open after failed attempts (see {@link #tryLock}). */
    static int spareLockChannels() {
        return FcntlLocks.spareChannels();
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
}
