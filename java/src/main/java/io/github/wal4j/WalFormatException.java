package io.github.wal4j;

/**
 * The path is not a wal4j log this version can open: a regular file, a directory holding other
 * files, a segment of an unknown format version or with a foreign magic number. Nothing is
 * created, changed or deleted when this is thrown.
 */
public class WalFormatException extends WalException {
    private static final long serialVersionUID = 1L;

    public WalFormatException(String message) {
        super(message);
    }
}
