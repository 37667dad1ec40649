package io.github.wal4j.io;

import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A {@link StorageFile} over a {@link FileChannel}: {@code force(false)} for fdatasync, a write loop
 * until every byte is written; failed writes and syncs name the file (and a write its offset). Also
 * how {@link JavaStorage} opens every channel: with the refusal of a symbolic link reported as such.
 */
final class ChannelFile implements StorageFile {

    /** Whether the default file system has POSIX permissions (not on Windows). */
    static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    /** {@code rw-------} for files the layer creates, where the file system has POSIX permissions. */
    static final FileAttribute<?>[] OWNER_ONLY = POSIX
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
            : new FileAttribute<?>[0];

    private final Path path;
    private final FileChannel channel;

    ChannelFile(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** FileChannel.open, with a refused symbolic link reported as such (see {@link SymbolicLinks}). */
    static FileChannel open(Path path, Set<OpenOption> options, FileAttribute<?>... attributes) throws IOException {
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
