package io.github.wal4j.bookkeeper;

import io.github.wal4j.WalFailedException;

/**
 * Another writer took the log over: it fenced this writer's ledger (BookKeeper refused an add with
 * {@code LedgerFencedException} or the ledger was closed under it), or the ledger list in ZooKeeper
 * changed under this writer's compare-and-set. The log acknowledges nothing after it; an append that
 * fails with it may still be in the log (the new writer's recovery decides, see {@link BookKeeperLog}).
 * Close this log; it cannot be reopened as the writer without fencing the new one in turn.
 */
public class WalFencedException extends WalFailedException {
    private static final long serialVersionUID = 1L;

    public WalFencedException(String message, Throwable cause) {
        super(message, cause);
    }
}
