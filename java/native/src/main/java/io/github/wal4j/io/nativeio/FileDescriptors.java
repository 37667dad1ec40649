package io.github.wal4j.io.nativeio;

import io.github.wal4j.io.SymbolicLinks;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * How the native layer opens a descriptor and reports a failed call on a path: open(2) always with
 * O_NOFOLLOW (and O_CLOEXEC, which libwal4j adds), mode 0600 for created files; ENOENT and EEXIST
 * as the java.nio exceptions the pure-Java layer throws, a symbolic link as {@link SymbolicLinks}
 * refuses it, anything else as a {@link NativeIoException}.
 */
final class FileDescriptors {

    private FileDescriptors() {
    }

    /**
     * open(2) with O_NOFOLLOW added, mode 0600 for created files.
     *
     * @return the descriptor, which the caller closes
     * @throws IOException as {@link #failure}, or a {@link io.github.wal4j.spi.SymbolicLinkException}
     *     if {@code path} is a symbolic link
     */
    static int open(Path path, int flags) throws IOException {
        int fd = LibWal4j.wal4j_open(NativeIo.nativePath(path), flags | NativeIo.O_NOFOLLOW, NativeIo.MODE_OWNER_ONLY);
        if (fd == -Errno.ELOOP) {
            throw SymbolicLinks.refusedOr(path, failure("open", path, fileName(path), fd));
        }
        if (fd < 0) {
            throw failure("open", path, fileName(path), fd);
        }
        return fd;
    }

    /** The name messages show for {@code path}: its last element, or the whole path if it has none. */
    static String fileName(Path path) {
        Path name = path.getFileName();
        return name != null ? name.toString() : path.toString();
    }

    /**
     * The exception for a failed call on {@code path}: {@link NoSuchFileException} for ENOENT and
     * {@link FileAlreadyExistsException} for EEXIST, each with the {@link NativeIoException} as its
     * cause; that exception itself for any other errno.
     *
     * @param shown the name of the file as messages show it
     * @param rc the call's result, a negated errno
     */
    static IOException failure(String call, Path path, String shown, int rc) {
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
}
