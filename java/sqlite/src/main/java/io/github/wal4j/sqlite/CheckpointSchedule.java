package io.github.wal4j.sqlite;

import io.github.wal4j.DurableLog;
import java.io.IOException;
import java.sql.SQLException;

/**
 * Decides when the WAL is checkpointed ({@link SqliteCheckpointPolicy}) and keeps the one rule
 * that makes a database commit without fsync safe: <b>the WAL is checkpointed only up to what
 * SQLite has made durable</b>. A checkpoint is therefore two steps in this order: the
 * {@link SqliteDurablePoint} makes every applied change durable in SQLite's files, then the WAL
 * forgets the changes up to the last one applied. A crash (or a power cut that takes SQLite's
 * unsynced commits) anywhere leaves the database at or after the WAL's checkpoint, and the next
 * open re-applies from the WAL whatever the database lost.
 *
 * <p>Not thread-safe: runs under the node's connection lock, on whichever thread holds it (a
 * committer leading a batch, the {@link IdleCheckpointer}, or {@code open} and {@code close}).
 */
final class CheckpointSchedule {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");
    /**
     * After a reader kept SQLite's checkpoint from completing: how long before the next attempt,
     * since each attempt waits up to the busy timeout for the reader, with every committer waiting.
     */
    static final long RETRY_NANOS = 100_000_000L;

    private final DurableLog wal;
    private final SqliteDurablePoint sqlite;
    private final SqliteCheckpointPolicy policy;
    private final CommitListener listener;
    private final boolean pastDurablePoint;
    private long changesSince;
    private long bytesSince;
    private long firstSince;
    private boolean backingOff;
    private long retryAt;
    private long limit = Long.MAX_VALUE;
    private Runnable intervalStarted = () -> {
    };

    /**
     * @param pastDurablePoint tests only ({@link SqliteNodeOptions}): also checkpoint the WAL after
     *     every batch, past SQLite's durable point, breaking the rule to show that the tests notice
     */
    CheckpointSchedule(DurableLog wal, SqliteDurablePoint sqlite, SqliteCheckpointPolicy policy,
            CommitListener listener, boolean pastDurablePoint) {
        this.wal = wal;
        this.sqlite = sqlite;
        this.policy = policy;
        this.listener = listener;
        this.pastDurablePoint = pastDurablePoint;
    }

    /**
     * A batch of {@code changes} changes ({@code bytes} bytes) up to {@code applied} committed;
     * checkpoints if the policy says so. A failed checkpoint is logged, not thrown: the changes are
     * applied, the WAL keeps them, and a later checkpoint or the next open covers them.
     */
    void applied(long applied, int changes, long bytes) {
        if (changesSince == 0) {
            firstSince = System.nanoTime();
            intervalStarted.run();
        }
        changesSince += changes;
        bytesSince += bytes;
        if (pastDurablePoint) {
            walCheckpoint(applied);
        }
        if (due()) {
            tryCheckpoint(applied);
        }
    }

    private boolean due() {
        long now = System.nanoTime();
        return policy.due(changesSince, bytesSince, now - firstSince) && (!backingOff || now - retryAt >= 0);
    }

    /**
     * Called (under the connection lock) when the first change after a checkpoint is applied, so
     * that the {@link IdleCheckpointer} knows when the interval now ends.
     */
    void onIntervalStarted(Runnable value) {
        intervalStarted = value;
    }

    /**
     * From now on the WAL is checkpointed at most up to {@code sequence}, whatever SQLite holds
     * ({@link SqliteCheckpointPolicy#withSnapshotRetention}: the newest snapshot's sequence, so that a
     * node restored from it finds every change after it in the log). SQLite's own checkpoints go
     * on as the policy says.
     */
    void limitTo(long sequence) {
        limit = sequence;
    }

    /** How long the idle checkpointer may sleep before the policy's interval makes a checkpoint due; {@code Long.MAX_VALUE}: no limit. */
    long nanosUntilDue() {
        long interval = policy.intervalNanos();
        if (changesSince == 0 || interval == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long now = System.nanoTime();
        long wait = Math.max(0, interval - (now - firstSince));
        return backingOff ? Math.max(wait, retryAt - now) : wait;
    }

    /** No batch is being applied: checkpoints if the interval is over. */
    void idle(long applied) {
        if (due()) {
            tryCheckpoint(applied);
        }
    }

    /**
     * Makes SQLite durable and checkpoints the WAL up to {@code applied}, whatever the policy: at
     * open (once the WAL is replayed) and at close.
     *
     * @return whether SQLite's files now hold every change up to {@code applied}, and the WAL's
     *     checkpoint covers them (up to the {@link #limitTo snapshot limit}, if one is set)
     * @throws IOException if the WAL's checkpoint failed
     * @throws SQLException if SQLite's failed
     */
    boolean checkpoint(long applied) throws IOException, SQLException {
        if (!sqlite.sync(applied)) {
            backingOff = true;
            retryAt = System.nanoTime() + RETRY_NANOS;
            return false;
        }
        backingOff = false;
        changesSince = 0;
        bytesSince = 0;
        long upTo = Math.min(applied, limit);
        if (upTo > wal.checkpointSequence()) {
            wal.checkpoint(upTo);
            listener.checkpointed(upTo);
        }
        return true;
    }

    private void tryCheckpoint(long applied) {
        try {
            if (!checkpoint(applied)) {
                LOG.log(System.Logger.Level.DEBUG, () -> "wal4j sqlite: a reader kept SQLite's checkpoint from "
                        + "completing; the WAL keeps changes after " + wal.checkpointSequence() + " for now");
            }
        } catch (IOException | SQLException | RuntimeException e) {
            // Wait before the next attempt, as after a reader, instead of failing again at every batch.
            backingOff = true;
            retryAt = System.nanoTime() + RETRY_NANOS;
            LOG.log(System.Logger.Level.WARNING, () -> "wal4j sqlite: checkpointing up to change " + applied
                    + " failed; the changes are applied, the WAL keeps them and the next open skips them", e);
        }
    }

    private void walCheckpoint(long applied) {
        try {
            wal.checkpoint(applied);
            listener.checkpointed(applied);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "wal4j sqlite: checkpoint failed", e);
        }
    }
}
