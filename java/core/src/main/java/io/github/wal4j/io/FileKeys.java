package io.github.wal4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The identity of a file, whatever path leads to it: what both layers key their held and kept lock
 * files by. Locks belong to inodes, not paths (a hard link, a bind mount or a second mount of the
 * file system reaches the same lock file by another path), so two paths name one lock exactly when
 * their keys are equal.
 */
public final class FileKeys {

    private FileKeys() {
    }

    /**
     * The identity of {@code path}'s file, not following a final link: device and inode
     * ({@link BasicFileAttributes#fileKey()}) where the file system has them, else the real path;
     * {@code null} if the file does not exist.
     *
     * @throws IOException if the attributes cannot be read for another reason
     */
    public static Object of(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        Object key = attributes.fileKey();
        return key != null ? key : path.toRealPath(LinkOption.NOFOLLOW_LINKS);
    }
}
