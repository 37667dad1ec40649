package io.github.wal4j.sqlite;

import io.github.wal4j.Durability;
import io.github.wal4j.WalOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;

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

    private SqliteNodeOptions(JournalMode journalMode, WalOptions walOptions, Duration busyTimeout,
            CommitListener listener, Schema schema) {
        this.journalMode = journalMode;
        this.walOptions = walOptions;
        this.busyTimeout = busyTimeout;
        this.listener = listener;
        this.schema = schema;
    }

    /**
     * {@link JournalMode#WAL}, {@link WalOptions#defaults()}, a busy timeout of 10 s, no listener
     * and no schema.
     */
    public static SqliteNodeOptions defaults() {
        return new SqliteNodeOptions(JournalMode.WAL, WalOptions.defaults(), Duration.ofSeconds(10),
                CommitListener.NONE, NO_SCHEMA);
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
        return new SqliteNodeOptions(Objects.requireNonNull(value, "journalMode"), walOptions, busyTimeout, listener,
                schema);
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
        return new SqliteNodeOptions(journalMode, value, busyTimeout, listener, schema);
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
        return new SqliteNodeOptions(journalMode, walOptions, value, listener, schema);
    }

    /** Observes every commit's steps; see {@link CommitListener}. */
    public SqliteNodeOptions withListener(CommitListener value) {
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, Objects.requireNonNull(value, "listener"),
                schema);
    }

    /** Creates the caller's tables at open; see {@link Schema#create(Connection)}. */
    public SqliteNodeOptions withSchema(Schema value) {
        return new SqliteNodeOptions(journalMode, walOptions, busyTimeout, listener, Objects.requireNonNull(value,
                "schema"));
    }

    @Override
    public String toString() {
        return "SqliteNodeOptions[journalMode=" + journalMode + ", synchronous=" + journalMode.synchronousName()
                + ", busyTimeout=" + busyTimeout + ", wal=" + walOptions + "]";
    }
}
