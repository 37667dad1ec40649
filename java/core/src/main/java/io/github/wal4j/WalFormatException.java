package io.github.wal4j;

/**
 * The path is not a wal4j log this version can open: a regular file, a directory holding other
 * files, a segment of an unknown format version or with a foreign magic number, or a symbolic link
 * where the log or its snapshot expects a file of its own (wal4j never follows one). Nothing is
 * created, changed or deleted when this is thrown.
 */
public final class WalFormatException extends WalRefusedException {
    private static final long serialVersionUID = 1L;

    public WalFormatException(String message) {
        super(message);
    }

    public WalFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
