package io.github.wal4j;

import java.io.IOException;

/**
 * The root of every failure wal4j reports. Subtypes say what went wrong; a plain {@code WalException}
 * wraps an I/O problem that fits none of them (a directory that cannot be created, for example).
 */
public class WalException extends IOException {
    private static final long serialVersionUID = 1L;

    public WalException(String message) {
        super(message);
    }

    public WalException(String message, Throwable cause) {
        super(message, cause);
    }
}
