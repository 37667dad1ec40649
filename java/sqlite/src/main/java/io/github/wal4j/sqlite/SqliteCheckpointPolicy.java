package io.github.wal4j.sqlite;

import java.time.Duration;
import java.util.Objects;

/**
 * When the node makes SQLite durable and then checkpoints its WAL: after every {@code changes}
 * changes, or {@code bytes} bytes of changes, or {@code interval} of time since the last
 * checkpoint, whichever comes first (a bound that is {@code Long.MAX_VALUE}, or a zero interval,
 * never triggers on its own). Immutable.
 *
 * <h2>The trade</h2>
 * In {@link JournalMode#WAL} the node commits with {@code synchronous=NORMAL}: SQLite does not fsync
 * a commit, so a power cut may take the newest commits from the database, and only the node's WAL
 * still holds them. A checkpoint therefore first makes SQLite durable ({@code PRAGMA
 * wal_checkpoint(FULL)}: SQLite fsyncs its {@code -wal} file, copies the pages into the database
 * file and fsyncs it), and only then lets the WAL forget what SQLite holds. Checkpointing more often
 * costs the committers more (two SQLite fsyncs and the WAL's checkpoint fsyncs, during which the
 * applier waits); less often means more to replay at the next open after a crash (every change since
 * the last checkpoint, each in its own transaction) and a longer WAL on disk. In
 * {@link JournalMode#DELETE} every SQLite commit is synced, so a checkpoint costs only the WAL's own
 * fsyncs, and the policy bounds the replay at open alone.
 *
 * <p>Whatever the policy, a clean {@link SqliteCommitNode#close()} and every
 * {@link SqliteCommitNode#open} checkpoint everything applied.
 */
public final class SqliteCheckpointPolicy {
    private final long changes;
    private final long bytes;
    private final Duration interval;
    private final boolean snapshotRetention;

    private SqliteCheckpointPolicy(long changes, long bytes, Duration interval, boolean snapshotRetention) {
        this.changes = changes;
        this.bytes = bytes;
        this.interval = interval;
        this.snapshotRetention = snapshotRetention;
    }

    /**
     * Every 16384 changes, 16 MiB of changes or 1 s, whichever comes first: chosen from the
     * measurements in {@code docs/benchmarks.md} (16 committing threads, 100-byte changes: a
     * checkpoint after every batch made commits about 8x slower than this default, every 1024
     * changes about 3x; the 1 s bound keeps the replay after a crash to about a second's changes).
     */
    public static SqliteCheckpointPolicy defaults() {
        return new SqliteCheckpointPolicy(16_384, 16L << 20, Duration.ofSeconds(1), false);
    }

    /** After every change: the WAL holds nothing applied for long, at the price of the checkpoint's fsyncs per batch. */
    public static SqliteCheckpointPolicy everyChange() {
        return new SqliteCheckpointPolicy(1, Long.MAX_VALUE, Duration.ZERO, false);
    }

    /**
     * @param value at most this many changes applied since the last checkpoint (at least 1;
     *     {@code Long.MAX_VALUE}: no bound by count)
     */
    public SqliteCheckpointPolicy withChanges(long value) {
        if (value < 1) {
            throw new IllegalArgumentException("checkpoint every N changes needs N >= 1: " + value);
        }
        return new SqliteCheckpointPolicy(value, bytes, interval, snapshotRetention);
    }

    /** @param value at most this many bytes of changes since the last checkpoint (at least 1; {@code Long.MAX_VALUE}: no bound) */
    public SqliteCheckpointPolicy withBytes(long value) {
        if (value < 1) {
            throw new IllegalArgumentException("checkpoint every M bytes needs M >= 1: " + value);
        }
        return new SqliteCheckpointPolicy(changes, value, interval, snapshotRetention);
    }

    /**
     * @param value at most this long between a change being applied and the checkpoint covering it,
     *     also when no more changes come ({@link Duration#ZERO}: no bound by time)
     */
    public SqliteCheckpointPolicy withInterval(Duration value) {
        Objects.requireNonNull(value, "interval");
        if (value.isNegative()) {
            throw new IllegalArgumentException("checkpoint interval must not be negative: " + value);
        }
        return new SqliteCheckpointPolicy(changes, bytes, value, snapshotRetention);
    }

    /**
     * With {@code true}, the node checkpoints its log only up to the newest snapshot of its database
     * ({@link SqliteCommitNode#snapshot}), recorded in the database's table
     * {@value SqliteCommitNode#SNAPSHOT_TABLE}, and, as always, never past what SQLite holds durably:
     * the log then keeps every change after the newest snapshot, so that a node on another machine,
     * restored from that snapshot, can open the log and replay exactly what the snapshot lacks. The
     * other bounds still decide when SQLite is made durable. Until the database's first snapshot the
     * log is never checkpointed (a node on an empty database can then rebuild it). A snapshot
     * replaces the one before it as the bound: only the newest snapshot is sure to be usable. The
     * bound holds across restarts (it is in the database), and a node restored from a snapshot
     * starts with that snapshot's own sequence as its bound. The log keeps every change since the
     * newest snapshot: take snapshots as often as its size allows.
     *
     * <p>With {@code false} (the default) the log is checkpointed up to what SQLite holds durably,
     * and a node opened on a snapshot older than the log's checkpoint is refused
     * ({@link LogCheckpointedPastDatabaseException}).
     */
    public SqliteCheckpointPolicy withSnapshotRetention(boolean value) {
        return new SqliteCheckpointPolicy(changes, bytes, interval, value);
    }

    /** Whether the log is checkpointed only up to the newest snapshot; see {@link #withSnapshotRetention}. */
    public boolean snapshotRetention() {
        return snapshotRetention;
    }

    public long changes() {
        return changes;
    }

    public long bytes() {
        return bytes;
    }

    public Duration interval() {
        return interval;
    }

    /** Whether a checkpoint is due after {@code changesSince} changes of {@code bytesSince} bytes in {@code nanosSince}. */
    boolean due(long changesSince, long bytesSince, long nanosSince) {
        if (changesSince == 0) {
            return false;
        }
        return changesSince >= changes || bytesSince >= bytes
                || (!interval.isZero() && nanosSince >= interval.toNanos());
    }

    /** How long after the first unchecked change the interval ends, in nanoseconds; {@code Long.MAX_VALUE} if never. */
    long intervalNanos() {
        return interval.isZero() ? Long.MAX_VALUE : interval.toNanos();
    }

    @Override
    public String toString() {
        return "SqliteCheckpointPolicy[changes=" + changes + ", bytes=" + bytes + ", interval=" + interval
                + (snapshotRetention ? ", log kept from the newest snapshot" : "") + "]";
    }
}
