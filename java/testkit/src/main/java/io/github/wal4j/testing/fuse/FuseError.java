package io.github.wal4j.testing.fuse;

/** A request the file system refuses: replied to the kernel as {@code -errno}. Carries no stack trace. */
final class FuseError extends Exception {
    private static final long serialVersionUID = 1L;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int EEXIST = 17;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int ENAMETOOLONG = 36;
    static final int ENOSYS = 38;
    static final int ENOTEMPTY = 39;
    static final int EOPNOTSUPP = 95;

    final int errno;

    FuseError(int errno, String why) {
        super(why, null, false, false);
        this.errno = errno;
    }
}
