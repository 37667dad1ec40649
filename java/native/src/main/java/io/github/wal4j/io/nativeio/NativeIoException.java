package io.github.wal4j.io.nativeio;

import io.github.wal4j.WalException;

/**
 * A failed system call of the native layer: {@code "fdatasync failed on 00000003.wal: EIO (5)"}. A
 * {@link WalException}, like every failure wal4j reports, carrying the call, the file and the errno.
 */
public class NativeIoException extends WalException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final String file;
    private final int errno;

    /**
     * @param call the system call, such as {@code "fdatasync"}
     * @param file the file name (for directories, the path) the call was about
     * @param errno the error number, of either sign (the C functions return {@code -errno})
     */
    public NativeIoException(String call, String file, int errno) {
        super(message(call, file, Math.abs(errno)));
        this.call = call;
        this.file = file;
        this.errno = Math.abs(errno);
    }

    /** The formatted message without building an exception. */
    static String message(String call, String file, int errno) {
        String name = NativeIo.errnoName(errno);
        return call + " failed on " + file + ": " + (name != null ? name : "errno") + " (" + Math.abs(errno) + ")";
    }

    /** The errno value, positive. */
    public int errno() {
        return errno;
    }

    /** The name of the system call that failed. */
    public String call() {
        return call;
    }

    /** The file name (or directory path) the call was about. */
    public String file() {
        return file;
    }
}
