package io.github.wal4j.log;

import io.github.wal4j.WalException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalUnsafeDirectoryException;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The file-handling rules that hold for every WAL directory, whatever the options: who may write to
 * the directory, and which mode the files wal4j creates get. (That no file inside is followed
 * through a symbolic link is the I/O layers' part: they open with NOFOLLOW.)
 */
public final class FileSafety {

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    /** The "unix" view gives numeric owners (Linux, macOS); without it ownership is not checked. */
    private static final boolean UNIX = FileSystems.getDefault().supportedFileAttributeViews().contains("unix");

    /** The setting that accepts a directory others can change, as the refusal's message names it. */
    public static final String SHARED_DIRECTORY_OPTION = "WalOptions.withSharedDirectoryAllowed(true)";

    /** {@code rw-------}, the mode every layer creates files with (the default of the file mode option). */
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private FileSafety() {
    }

    /**
     * The directory wal4j works in for the path {@code dir}: its real path if it exists, so a path
     * that is itself a symbolic link is resolved once, here, and every later check and file operation
     * uses the directory it led to; else the absolute, normalized path.
     */
    public static Path resolve(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        return Files.exists(abs) ? abs.toRealPath() : abs;
    }

    /**
     * Why another user could change the files in {@code dir}, with the fix; {@code null} if only its
     * owner can, or if this file system has no POSIX permissions (nothing to check there).
     *
     * <p>Refused: write permission for group or others (mode {@code & 022}; a sticky bit does not
     * help, since it stops others deleting this process's files but not planting their own), and an
     * owner that is neither this process's user nor root (the owner can always chmod it back).
     */
    public static String unsafeDirectoryReason(Path dir) throws IOException {
        if (!POSIX) {
            return null;
        }
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> mode = attributes.permissions();
        boolean groupWrite = mode.contains(PosixFilePermission.GROUP_WRITE);
        boolean othersWrite = mode.contains(PosixFilePermission.OTHERS_WRITE);
        if (groupWrite || othersWrite) {
            boolean sticky = othersWrite && sticky(dir);
            return "WAL directory " + dir + " is writable by " + (groupWrite && othersWrite ? "its group and all users"
                    : groupWrite ? "its group (" + attributes.group().getName() + ")" : "all users")
                    + " (mode " + PosixFilePermissions.toString(mode) + (sticky ? ", sticky" : "") + "): another user"
                    + " could plant, replace or delete files in it (a forged segment, an old CHECKPOINT, a symbolic"
                    + " link)" + (sticky ? "; the sticky bit does not stop them adding files" : "") + ". Use a"
                    + " directory of this user's own ('chmod 700 " + dir + "' if it is one), or accept the risk with "
                    + SHARED_DIRECTORY_OPTION;
        }
        if (UNIX) {
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            long me = currentUid();
            if (me >= 0 && owner != me && owner != 0) {
                return "WAL directory " + dir + " is owned by " + attributes.owner().getName() + " (uid " + owner
                        + "), not by this process's user (uid " + me + ") or root: its owner could plant, replace or"
                        + " delete files in it whatever its mode. Use a directory of this user's own ('chown' it), or"
                        + " accept the risk with " + SHARED_DIRECTORY_OPTION;
            }
        }
        return null;
    }

    /**
     * Refuses {@code dir} if {@link #unsafeDirectoryReason} finds a reason, unless
     * {@code sharedAllowed}.
     *
     * @throws WalUnsafeDirectoryException with that reason
     */
    public static void checkDirectory(Path dir, boolean sharedAllowed) throws IOException {
        if (sharedAllowed) {
            return;
        }
        String reason = unsafeDirectoryReason(dir);
        if (reason != null) {
            throw new WalUnsafeDirectoryException(dir, reason);
        }
    }

    /**
     * The checks {@code WriteAheadLog.open} makes of an existing WAL directory (its real path), in
     * order, changing nothing: that only its owner can change it ({@link #checkDirectory}), that
     * this process can write to it, and that it holds only the log's own files, none of them a
     * symbolic link ({@link LogFiles#checkContents}). The command-line tool runs the same checks,
     * so that it gives open's verdict.
     *
     * @throws WalUnsafeDirectoryException if other users could change it and not {@code sharedAllowed}
     * @throws WalException if this process cannot write to it
     * @throws WalFormatException if it holds a symbolic link or files that are not the log's
     */
    public static void checkLogDirectory(Path dir, boolean sharedAllowed) throws IOException {
        checkDirectory(dir, sharedAllowed);
        if (!Files.isWritable(dir)) {
            throw new WalException("WAL directory " + dir + " is not writable by this process");
        }
        LogFiles.checkContents(dir);
    }

    /**
     * Sets {@code path}'s mode to exactly {@code permissions}, without following a symbolic link: a mode
     * given at creation passes through the umask, which may narrow a configured wider mode.
     */
    public static void setPermissions(Path path, Set<PosixFilePermission> permissions) throws IOException {
        if (!POSIX) {
            return;
        }
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(permissions);
    }

    /**
     * {@code storage}, or a layer over it that gives every file it creates the mode of
     * {@code mode} ({@code WalOptions.filePermissions()}) when that is not the owner-only default (which every layer
     * creates anyway, and which no umask widens).
     */
    static Storage withFilePermissions(Storage storage, Set<PosixFilePermission> mode) {
        if (!POSIX || mode.equals(OWNER_ONLY)) {
            return storage;
        }
        return new ForwardingStorage(storage) {
            @Override
            public StorageFile create(Path path) throws IOException {
                StorageFile file = super.create(path);
                try {
                    setPermissions(path, mode);
                } catch (IOException | RuntimeException e) {
                    // Left owner-only: stricter than asked, never wider. A segment or checkpoint
                    // temporary left behind is removed by the next recovery.
                    try {
                        file.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
                return file;
            }
        };
    }

    private static boolean sticky(Path dir) {
        try {
            return ((Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 01000) != 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The real uid of this process, or -1 where the JDK cannot tell. */
    private static long currentUid() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid();
        } catch (LinkageError | RuntimeException e) {
            return -1; // a runtime without the jdk.security.auth module: ownership goes unchecked
        }
    }
}
