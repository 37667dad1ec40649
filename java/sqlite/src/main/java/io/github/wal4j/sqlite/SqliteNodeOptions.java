package io.github.wal4j.sqlite;

import io.github.wal4j.Durability;
import io.github.wal4j.WalOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Settings for {@link SqliteCommitNode#open(java.nio.file.Path, java.nio.file.Path, ChangeApplier,
 * SqliteNodeOptions)}. Immutable: every {@code withX} method returns a copy.
 */
public final class SqliteNodeOptions {
    /** Creates the caller's tables; see {@link #withSchema(Schema)}. */
    @FunctionalInterface
    public interface Schema {
        /**
         * Creates what the changes need, idempotently ({@code CREATE TABLE IF NOT EXISTS},
         * {@code INSERT OR IGNORE}). Runs at every open, in the transaction that creates the node's
         * own table, before any replay; the same rules as for a {@link ChangeApplier} apply.
         */
        void create(Connection connection) throws SQLException;
    }

    private static final Schema NO_SCHEMA = c -> {
    };

    private final JournalMode journalMode;
    private final WalOptions walOptions;
    private final Duration busyTimeout;
    private final CommitListener listener;
    private final Schema schema;
    private final SqliteCheckpointPolicy checkpointPolicy;
    private final int batchChanges;
    private final long batchBytes;
    private final Duration batchTime;
    private final LongConsumer durablePointHook;
    private final boolean checkpointPastDurablePoint;
    private final boolean overlappedApply;

    private SqliteNodeOptions(JournalMode journalMode, WalOptions walOptions, Duration busyTimeout,
            CommitListener listener, Schema schema, SqliteCheckpointPolicy checkpointPolicy, int batchChanges,
            long batchBytes, Duration batchTime, LongConsumer durablePointHook, boolean checkpointPastDurablePoint,
            boolean overlappedApply) {
        this.journalMode = journalMode;
        this.walOptions = walOptions;
        this.busyTimeout = busyTimeout;
        this.listener = listener;
        this.schema = schema;
        this.checkpointPolicy = checkpointPolicy;
        this.batchChanges = batchChanges;
        this.batchBytes = batchBytes;
        this.batchTime = batchTime;
        this.durablePointHook = durablePointHook;
        this.checkpointPastDurablePoint = checkpointPastDurablePoint;
        this.overlappedApply = overlappedApply;
    }

    /**
     * {@link JournalMode#WAL}, {@link WalOptions#defaults()}, a busy timeout of 10 s, no listener,
     * no schema, {@link SqliteCheckpointPolicy#defaults()}, and batches of at most 1024 changes,
     * 4 MiB and 10 ms.
     */
    public static SqliteNodeOptions defaults() {
        return new SqliteNodeOptions(JournalMode.WAL, WalOptions.defaults(), Duration.ofSeconds(10),
                CommitListener.NONE, NO_SCHEMA, SqliteCheckpointPolicy.defaults(), 1024, 4L << 20,
                Duration.ofMillis(10), s -> {
                }, false, false);
    }

    public JournalMode journalMode() {
        return journalMode;
    }

    public WalOptions walOptions() {
        return walOptions;
    }

    public Duration busyTimeout() {
        return busyTimeout;
    }

    public CommitListener listener() {
        return listener;
    }

    public Schema schema() {
        return schema;
    }

    /** The database's journal mode, set at every open; see {@link JournalMode}. */
    public SqliteNodeOptions withJournalMode(JournalMode value) {
        return new SqliteNodeOptions(Objects.requireNonNull(value, "journalMode"), walOptions, busyTimeout, listener, schema, checkpointPolicy, batchChanges, batchBytes, batchTime, durablePointHook, checkpointPastDurablePoint, overlappedApply);
    }

    /**
     * Options of the node's write-ahead log. Their durability must be {@link Durability#SYNC}: the
     * node applies a change only once it is durable in the WAL, and a change the database holds but
     * the WAL lost would let a later change reuse its sequence number.
     *
     * @throws IllegalArgumentException if the durability is not SYNC
     */
    public SqliteNodeOptions withWalOptions(WalOptions value) {
        Objects.requireNonNull(value, "walOptions");
        if (value.durability() != Durability.SYNC) {
            throw new IllegalArgumentException("the SQLite node needs Durability.SYNC: a change is applied to the "
                    + "database only after it is durable in the WAL; got " + value.durability());
        }
        return new SqliteNodeOptions(journalMode, value, busyTimeout, listener, schema, checkpointPolicy, batchChanges, batchBytes, batchTime, durablePointHook, checkpointPastDurablePoint, overlappedApply);
    }

    /**
     * How long a statement waits for a lock another connection holds ({@code PRAGMA busy_timeout})
     * before failing with SQLITE_BUSY. Other connections may read the database; only the node writes.
     */
    public SqliteNodeOptions withBusyTimeout(Duration value) {
        Objects.requireNonNull(value, "busyTimeout");
        if (value.isNegative() || value.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("busy timeout must be in [0, " + Integer.MAX_VALUE + "] ms: " + value);
        }
        return new SqliteNodeOptions(journalMode, walOptions, value, listener, schema, checkpointPolicy, batchChanges, batchBytes, batchTime, durablePointHook, checkpointPastDurablePoint, overlappedApply);
    }

    /** Observes every commit's steps; see {@link CommitListener}. */
    public SqliteNodeOptions withListener(CommitListener value) {
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, Objects.requireNonNull(value, "listener"), schema, checkpointPolicy, batchChanges, batchBytes, batchTime, durablePointHook, checkpointPastDurablePoint, overlappedApply);
    }

    /** Creates the caller's tables at open; see {@link Schema#create(Connection)}. */
    public SqliteNodeOptions withSchema(Schema value) {
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, listener, Objects.requireNonNull(value, "schema"), checkpointPolicy, batchChanges, batchBytes, batchTime, durablePointHook, checkpointPastDurablePoint, overlappedApply);
    }

    public SqliteCheckpointPolicy checkpointPolicy() {
        return checkpointPolicy;
    }

    /** When the node makes SQLite durable and checkpoints its WAL; see {@link SqliteCheckpointPolicy}. */
    public SqliteNodeOptions withCheckpointPolicy(SqliteCheckpointPolicy value) {
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, listener, schema, Objects.requireNonNull(value, "checkpointPolicy"), batchChanges, batchBytes, batchTime, durablePointHook, checkpointPastDurablePoint, overlappedApply);
    }

    public int batchChanges() {
        return batchChanges;
    }

    public long batchBytes() {
        return batchBytes;
    }

    public Duration batchTime() {
        return batchTime;
    }

    /**
     * Bounds of the applier's batches: concurrent commits are applied in one SQLite transaction,
     * at most {@code changes} of them, at most {@code bytes} of changes (a larger change goes alone),
     * and no change is started in a transaction open for longer than {@code time}. A committer that
     * takes the lead also waits, at most {@code time}, for the committers of the changes the WAL had
     * made durable by then (their appends returned together, their threads are being scheduled), so
     * that one transaction applies them all; it never waits for a change not yet durable. One change
     * per transaction with {@code changes = 1}.
     *
     * @throws IllegalArgumentException if {@code changes} or {@code bytes} is below 1 or {@code time} is negative
     */
    public SqliteNodeOptions withBatchLimits(int changes, long bytes, Duration time) {
        Objects.requireNonNull(time, "time");
        if (changes < 1 || bytes < 1 || time.isNegative()) {
            throw new IllegalArgumentException("batch limits must be at least 1 change, 1 byte and 0 s: " + changes
                    + ", " + bytes + ", " + time);
        }
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, listener, schema, checkpointPolicy, changes, bytes, time, durablePointHook, checkpointPastDurablePoint, overlappedApply);
    }

    public boolean overlappedApply() {
        return overlappedApply;
    }

    /**
     * Whether a batch is applied while its WAL fdatasync runs. Off (the default): a committer's
     * {@code commit} appends its change and waits until it is durable in the WAL, and only then
     * queues it for a leader to apply. On: the committer hands its change to the WAL without
     * waiting ({@link io.github.wal4j.DurableLog#appendAsync}) and queues it at once; the leader
     * applies the batch in an open SQLite transaction while the WAL syncs it, and commits that
     * transaction only once every change in it is durable in the WAL. A batch ends at the WAL's
     * write mark ({@link io.github.wal4j.DurableLog#writtenSequence()}) when its first change is
     * under it: it holds the changes of the WAL batch whose fdatasync runs, not the ones appended
     * behind it, so that its committers wait for that one fdatasync. If an append fails, the
     * transaction is rolled back and nothing of it is acknowledged. The contract of
     * {@link SqliteCommitNode#commit} is the same either way; the ordering rules are those of the
     * node's design (docs/security/wal.md, section 11.1).
     */
    public SqliteNodeOptions withOverlappedApply(boolean value) {
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, listener, schema, checkpointPolicy, batchChanges, batchBytes, batchTime, durablePointHook, checkpointPastDurablePoint, value);
    }

    LongConsumer durablePointHook() {
        return durablePointHook;
    }

    /**
     * Tests only: called on the thread checkpointing each time SQLite has made every applied change
     * durable, with the last one, before the WAL is checkpointed (a test copies the database there,
     * as a power cut would leave it).
     */
    SqliteNodeOptions withDurablePointHook(LongConsumer value) {
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, listener, schema, checkpointPolicy, batchChanges, batchBytes, batchTime, Objects.requireNonNull(value, "hook"), checkpointPastDurablePoint, overlappedApply);
    }

    boolean checkpointPastDurablePoint() {
        return checkpointPastDurablePoint;
    }

    /**
     * Tests only: breaks the node's one rule by checkpointing the WAL after every batch, past what
     * SQLite has made durable, so that a test can show it notices.
     */
    SqliteNodeOptions withCheckpointPastDurablePoint() {
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, listener, schema, checkpointPolicy, batchChanges, batchBytes, batchTime, durablePointHook, true, overlappedApply);
    }

    @Override
    public String toString() {
        return "SqliteNodeOptions[journalMode=" + journalMode + ", synchronous=" + journalMode.synchronousName()
                + ", busyTimeout=" + busyTimeout + ", checkpoint=" + checkpointPolicy + ", batch=" + batchChanges
                + " changes/" + batchBytes + " B/" + batchTime + ", overlappedApply=" + overlappedApply + ", wal=" + walOptions
                + "]";
    }
}
