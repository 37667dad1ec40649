package io.github.wal4j.bookkeeper;

import io.github.wal4j.WalFailedException;

/**
 * ZooKeeper, which holds the log's ledger list, could not be reached in time, answered with an error,
 * or expired this writer's session. The log acknowledges nothing after it. A metadata update that
 * failed this way may or may not have been applied; the next writer's open reads what is there.
 */
public class WalMetadataException extends WalFailedException {
    private static final long serialVersionUID = 1L;

    public WalMetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}
