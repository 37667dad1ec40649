package io.github.wal4j.io.nativeio;

/**
 * The errno values the native layer acts on or that callers may want to tell apart, as Linux
 * defines them on x86-64 and aarch64 (asm-generic). {@link NativeIoException#errno()} holds one of
 * these, or another errno value.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    /** Also EWOULDBLOCK on Linux. */
    public static final int EAGAIN = 11;
    /** The same value as {@link #EAGAIN} on Linux; flock(LOCK_NB) reports a held lock with it. */
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ELOOP = 40;
    /** Also ENOTSUP on Linux. */
    public static final int EOPNOTSUPP = 95;
    public static final int EDQUOT = 122;

    private Errno() {
    }
}
