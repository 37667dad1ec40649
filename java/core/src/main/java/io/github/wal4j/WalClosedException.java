package io.github.wal4j;

/** The log was closed; no further calls are accepted. */
public class WalClosedException extends WalException {
    private static final long serialVersionUID = 1L;

    public WalClosedException(String message) {
        super(message);
    }
}
