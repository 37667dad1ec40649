package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;

/**
 * A change is durable in the write-ahead log but is not applied to the database: the applier or
 * the database transaction failed, and the transaction was rolled back. The change is not lost and
 * must not be committed again: it stays in the WAL and is applied when the node is next opened
 * (start-up replays every WAL record the database has not applied). The cause is the failure.
 *
 * <p>Thrown by {@link SqliteCommitNode#commit}, after which the node accepts no more commits until
 * it is closed and opened again, and by {@link SqliteCommitNode#open} when replaying a change fails,
 * in which case nothing was opened.
 */
public class ChangeNotAppliedException extends WalException {
    private static final long serialVersionUID = 1L;
    private final long sequence;

    public ChangeNotAppliedException(long sequence, String message, Throwable cause) {
        super(message, cause);
        this.sequence = sequence;
    }

    /** The WAL sequence number of the change that was not applied. */
    public long sequence() {
        return sequence;
    }
}
