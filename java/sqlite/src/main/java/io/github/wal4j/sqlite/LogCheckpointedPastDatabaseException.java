package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;

/**
 * The log was checkpointed past what the database has applied: the database holds the changes up
 * to {@link #databaseApplied()}, the log no longer holds those up to {@link #logCheckpoint()}, so
 * changes {@code databaseApplied() + 1 .. logCheckpoint()} are in neither, and no replay can bring
 * the database up to date exactly. Typically the database is an older copy: a snapshot
 * ({@link SqliteCommitNode#snapshot}) taken before the node that kept writing checkpointed the log
 * past it.
 *
 * <p>Thrown by {@link SqliteCommitNode#open} before it changes anything in the database or the
 * log; the log stays as it was and another database may still open on it. Take over from a
 * snapshot at or after the log's checkpoint instead (the newest one, if the writing node ran with
 * {@link SqliteCheckpointPolicy#withSnapshotRetention(boolean)}), or from the database the log belongs to.
 */
public final class LogCheckpointedPastDatabaseException extends WalException {
    private static final long serialVersionUID = 1L;
    private final long databaseApplied;
    private final long logCheckpoint;

    public LogCheckpointedPastDatabaseException(long databaseApplied, long logCheckpoint, String message) {
        super(message);
        this.databaseApplied = databaseApplied;
        this.logCheckpoint = logCheckpoint;
    }

    /** The sequence number of the last change the database has applied. */
    public long databaseApplied() {
        return databaseApplied;
    }

    /** The log's checkpoint: it no longer holds the changes up to this one. */
    public long logCheckpoint() {
        return logCheckpoint;
    }
}
