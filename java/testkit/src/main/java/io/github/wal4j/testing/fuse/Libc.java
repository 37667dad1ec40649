package io.github.wal4j.testing.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libc calls the FUSE server needs, direct-mapped through JNA. Each throws
 * {@link LastErrorException} (with {@code errno}) where the C call returns -1. Touch this class
 * only after {@link PowerCutFileSystem#isAvailable()} said yes: initializing it loads libc.
 */
final class Libc {
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 02000000;
    static final int MS_NOSUID = 2;
    static final int MS_NODEV = 4;
    static final int MNT_DETACH = 2;
    static final short POLLIN = 1;

    static {
        Native.register(Libc.class, "c");
    }

    private Libc() {
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native long read(int fd, Pointer buffer, long count) throws LastErrorException;

    static native long write(int fd, Pointer buffer, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    /** {@code fds} points at {@code nfds} {@code struct pollfd} (int fd, short events, short revents). */
    static native int poll(Pointer fds, long nfds, int timeoutMillis) throws LastErrorException;

    static native int mount(String source, String target, String type, long flags, String data)
            throws LastErrorException;

    static native int umount2(String target, int flags) throws LastErrorException;
}
