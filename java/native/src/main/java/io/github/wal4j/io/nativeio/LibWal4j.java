package io.github.wal4j.io.nativeio;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.Map;

/**
 * The JNA direct-mapped bindings of libwal4j ({@code native/wal4j.h}): one {@code static native}
 * method per exported C function, registered when this class initializes.
 *
 * <p>Touch this class only after {@link NativeIo#isAvailable()} said yes: initializing it loads the
 * library and throws a {@link LinkageError} when that fails. Every function returns {@code >= 0}
 * on success and {@code -errno} on failure; sizes and offsets are 64-bit.
 */
final class LibWal4j {

    /** The loaded library, found by JNA as {@code <jna resource prefix>/libwal4j.so} on the class path. */
    static final NativeLibrary LIBRARY;

    static {
        LIBRARY = NativeLibrary.getInstance("wal4j",
                Map.of(Library.OPTION_CLASSLOADER, LibWal4j.class.getClassLoader()));
        Native.register(LibWal4j.class, LIBRARY);
    }

    private LibWal4j() {
    }

    static native int wal4j_abi_version();

    /** {@code path} is the NUL-terminated file name in the platform encoding. */
    static native int wal4j_open(byte[] path, int flags, int mode);

    static native int wal4j_close(int fd);

    static native long wal4j_pread(int fd, Pointer buf, long count, long offset);

    static native long wal4j_pwrite(int fd, Pointer buf, long count, long offset);

    static native int wal4j_fdatasync(int fd);

    static native int wal4j_fsync(int fd);

    static native int wal4j_flock_exclusive_nb(int fd);

    static native int wal4j_flock_unlock(int fd);

    static native int wal4j_ofd_lock_exclusive_nb(int fd);

    static native int wal4j_ofd_unlock(int fd);

    /** {@code pid} has one element: 0 (nobody), -1 (an OFD lock) or the pid of a classic lock's holder. */
    static native int wal4j_ofd_lock_holder(int fd, int[] pid);

    static native int wal4j_fallocate(int fd, long offset, long len);

    static native int wal4j_ftruncate(int fd, long size);

    static native long wal4j_file_size(int fd);

    static native int wal4j_fsync_dir(byte[] path);

    /** {@code out} is pointer-sized memory that receives the block. */
    static native int wal4j_aligned_alloc(Pointer out, long alignment, long size);

    static native void wal4j_aligned_free(Pointer block);

    static native int wal4j_dio_alignment(int fd, int[] memAlign, int[] offsetAlign);

    static native String wal4j_errno_name(int errnum);
}
