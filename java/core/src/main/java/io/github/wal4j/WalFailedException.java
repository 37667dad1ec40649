package io.github.wal4j;

/**
 * A write or fsync of this log failed earlier, so the log refuses all further work until it is
 * closed and reopened (reopening runs recovery). wal4j never retries an fsync: after a failed fsync
 * the kernel may have dropped the dirty pages, and a retry that "succeeds" would be a lie. No append
 * that was pending or started after the failure is acknowledged. The cause is the original failure.
 */
public class WalFailedException extends WalException {
    private static final long serialVersionUID = 1L;

    public WalFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
