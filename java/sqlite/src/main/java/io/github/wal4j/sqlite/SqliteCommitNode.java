package io.github.wal4j.sqlite;

import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalReader;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WalTransaction;
import io.github.wal4j.WriteAheadLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Commits changes to a SQLite database through a wal4j write-ahead log, exactly once across
 * crashes: a change whose {@link #commit} returned is in the database once, and a change whose
 * commit was interrupted by a crash is in it once or not at all, never twice and never in part.
 *
 * <h2>How</h2>
 * Each {@link #commit(byte[])} runs the three steps of a {@link WalTransaction}, in this order:
 * <ol>
 *   <li><b>append</b> the change to the WAL; it is fdatasync'ed when the append returns;</li>
 *   <li><b>apply</b> it in one SQLite transaction: the caller's {@link ChangeApplier} changes the
 *       tables, and the node sets the single row of its table {@value #APPLIED_TABLE} to the
 *       change's WAL sequence number, in the <em>same</em> transaction, which then commits
 *       durably ({@code synchronous=FULL}, or EXTRA in {@link JournalMode#DELETE});</li>
 *   <li><b>checkpoint</b> the WAL up to that sequence number ({@link WalTransaction#commit()}), so
 *       the WAL forgets the change.</li>
 * </ol>
 * {@link #open} first reads the applied sequence number from the database, then replays every WAL
 * record after it, each in its own database transaction as in step 2, then checkpoints. Whatever a
 * crash interrupted is therefore finished at the next open: a change durable in the WAL but not in
 * the database is applied; a change in both is skipped, because the database says it has it. SQLite
 * rolls back a transaction that did not commit, so a change is never half-applied.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>When {@code commit} returns, the change is durable in the WAL and committed, durably, in the
 *       database (with its sequence number).</li>
 *   <li>When {@code commit} throws {@link ChangeNotAppliedException}, the change is durable in the WAL
 *       and not in the database; it is applied at the next {@code open}. Do not commit it again.</li>
 *   <li>When {@code commit} throws another {@link IOException} from the WAL append (a failed write or
 *       fsync), the change may or may not have reached the WAL, so it may or may not be applied at
 *       the next open, as with any WAL append that was not acknowledged. Give changes an id the
 *       applier can check if the caller retries them.</li>
 *   <li>A failure of the checkpoint step alone does not make {@code commit} throw: the change is
 *       committed, the WAL keeps it, and the next open skips it. It is logged.</li>
 * </ul>
 * After a {@link ChangeNotAppliedException} or a failed append the node refuses further commits
 * ({@link NodeStoppedException}): the database applies changes in WAL order without gaps, so nothing
 * may be applied before the missing change. Close the node and open it again.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>The node must be the only writer of the database's tables that changes touch, and the only
 *       user of its WAL directory (the WAL's lock enforces the latter). Other connections may read.
 *       If {@value #APPLIED_TABLE} changes under it, the next commit fails instead of skipping or
 *       repeating changes.</li>
 *   <li>The database and the WAL belong together: {@code open} refuses a database that has applied
 *       more than the WAL ever held (another WAL, or a WAL that lost records) and one that has
 *       applied less than the WAL's checkpoint (an older copy of the database: those changes are
 *       gone).</li>
 *   <li>Commits run one at a time (the node has one connection, and changes must be applied in WAL
 *       order): each costs about three rounds of fsyncs (WAL, database, checkpoint).</li>
 * </ul>
 *
 * <h2>Example</h2>
 * <pre>{@code
 * ChangeApplier applier = (db, seq, change) -> {
 *     try (PreparedStatement insert = db.prepareStatement("INSERT INTO events (body) VALUES (?)")) {
 *         insert.setBytes(1, change);
 *         insert.executeUpdate();
 *     }
 * };
 * SqliteNodeOptions options = SqliteNodeOptions.defaults()
 *         .withSchema(db -> db.createStatement().execute(
 *                 "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, body BLOB)"));
 * try (SqliteCommitNode node = SqliteCommitNode.open(walDir, dbFile, applier, options)) {
 *     node.commit("hello".getBytes(StandardCharsets.UTF_8));   // in the WAL, then in the database
 * }
 * }</pre>
 *
 * <h2>Dependency</h2>
 * The node is the module {@code io.github.wal4j:wal4j-sqlite}, which brings
 * {@code org.xerial:sqlite-jdbc}; applications that use only the WAL ({@code wal4j}) never get it.
 *
 * <p>Thread-safe: every method takes the node's lock.
 *
 * <p>(Longer than most classes here: the exactly-once protocol, open with its replay, commit, read
 * and close, is kept in one place with its crash cases; the database file and connection are
 * {@code SqliteDatabase}'s, the guarded connection {@code GuardedConnection}'s.)
 */
public final class SqliteCommitNode implements Closeable {
    /** The node's table: one row ({@code id = 1}) with the sequence number of the last change applied. */
    public static final String APPLIED_TABLE = "wal4j_applied";

    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    /** A read of the database; see {@link #read(Query)}. */
    @FunctionalInterface
    public interface Query<T> {
        T run(Connection connection) throws SQLException;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final WriteAheadLog wal;
    private final Connection connection;
    private final Connection guarded;
    private final Path databaseFile;
    private final ChangeApplier applier;
    private final SqliteNodeOptions options;
    private final CommitListener listener;
    private volatile long applied;
    private long replayed;
    private Throwable stopCause;
    private String stopReason;
    private boolean closed;

    private SqliteCommitNode(WriteAheadLog wal, Connection connection, Path databaseFile, ChangeApplier applier,
            SqliteNodeOptions options) {
        this.wal = wal;
        this.connection = connection;
        this.guarded = GuardedConnection.of(connection);
        this.databaseFile = databaseFile;
        this.applier = applier;
        this.options = options;
        this.listener = options.listener();
    }

    /** Opens a node with {@link SqliteNodeOptions#defaults()}; see {@link #open(Path, Path, ChangeApplier, SqliteNodeOptions)}. */
    public static SqliteCommitNode open(Path walDir, Path databaseFile, ChangeApplier applier)
            throws IOException, SQLException {
        return open(walDir, databaseFile, applier, SqliteNodeOptions.defaults());
    }

    /**
     * Opens the WAL in {@code walDir} (creating it if needed, and running its recovery), then the
     * database {@code databaseFile} (created if needed) with the journal mode of the options, creates
     * the table {@value #APPLIED_TABLE} and runs the options' schema, and brings the database up to
     * date: every WAL record after the sequence number the database has applied is applied, in order,
     * each in its own transaction, and the WAL is checkpointed up to the last one.
     *
     * <p>When this returns, every change whose commit ever returned, and every change that reached
     * the WAL before a crash, is in the database exactly once, and the WAL holds nothing to replay.
     *
     * @throws ChangeNotAppliedException if the applier or the database refused a change being
     *     replayed; it stays in the WAL, changes before it were applied, and the node is not opened
     * @throws WalException if the database and the WAL do not belong together (see the class
     *     comment), and the WAL's exceptions ({@link io.github.wal4j.WalLockedException} if another
     *     node has the WAL open, {@link io.github.wal4j.WalCorruptedException}, ...)
     * @throws SQLException if the database cannot be opened or set up
     */
    public static SqliteCommitNode open(Path walDir, Path databaseFile, ChangeApplier applier,
            SqliteNodeOptions options) throws IOException, SQLException {
        Objects.requireNonNull(walDir, "walDir");
        Objects.requireNonNull(databaseFile, "databaseFile");
        Objects.requireNonNull(applier, "applier");
        Objects.requireNonNull(options, "options");
        Path db = databaseFile.toAbsolutePath().normalize();
        if (db.toString().indexOf('?') >= 0) {
            throw new IllegalArgumentException("the database path must not contain '?': " + db);
        }
        // The WAL first: its lock keeps a second node on the same WAL out before it touches the database.
        WriteAheadLog wal = WriteAheadLog.open(walDir, options.walOptions());
        Connection connection = null;
        try {
            SqliteDatabase.createFile(db, options.walOptions());
            connection = SqliteDatabase.connect(db, options);
            SqliteCommitNode node = new SqliteCommitNode(wal, connection, db, applier, options);
            node.start();
            return node;
        } catch (IOException | SQLException | RuntimeException | Error e) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException | RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            try {
                wal.close();
            } catch (IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * Commits one change: appends it to the WAL, applies it to the database with its sequence
     * number in one transaction, and checkpoints the WAL. See the class comment for the guarantees.
     *
     * @param change the change, as the applier reads it; the array is not kept
     * @return the change's WAL sequence number (also its value in {@value #APPLIED_TABLE})
     * @throws ChangeNotAppliedException the change is durable in the WAL but the applier or the
     *     database failed; it is applied at the next open, and this node is stopped
     * @throws NodeStoppedException an earlier commit stopped the node; this change was not appended
     * @throws RecordTooLargeException the change is larger than the WAL's maximum record size;
     *     nothing was appended and the node goes on
     * @throws WalClosedException the node is closed
     * @throws IOException the WAL append failed (the change may or may not be in the WAL; the node
     *     is stopped)
     */
    public long commit(byte[] change) throws IOException {
        Objects.requireNonNull(change, "change must not be null (an empty array is a valid change)");
        lock.lock();
        try {
            ensureRunning();
            try (WalTransaction tx = wal.transaction()) {
                long sequence;
                try {
                    sequence = tx.append(change);
                } catch (RecordTooLargeException e) {
                    throw e;
                } catch (IOException | RuntimeException | Error e) {
                    stop("appending a change to the WAL failed, and whether it reached the WAL is unknown", e);
                    throw e;
                }
                notifyAppended(sequence);
                if (sequence != applied + 1) {
                    ChangeNotAppliedException e = new ChangeNotAppliedException(sequence, "change " + sequence
                            + " is durable in the write-ahead log, but the database " + databaseFile
                            + " has applied only up to " + applied + ": the WAL holds changes the database lacks. "
                            + "They will be applied, in order, when the node is next opened; close it and open it"
                            + " again", null);
                    stop("the WAL got ahead of the database", e);
                    throw e;
                }
                try {
                    applyInTransaction(sequence, change);
                } catch (SQLException | RuntimeException e) {
                    ChangeNotAppliedException notApplied = new ChangeNotAppliedException(sequence,
                            "change " + sequence + " is durable in the write-ahead log but was not applied to the "
                                    + "database " + databaseFile + " (" + e + "); its transaction was rolled back. "
                                    + "It will be applied at the next start, when the node is opened again; do not "
                                    + "commit it again. This node accepts no more commits until then", e);
                    stop("change " + sequence + " was not applied", notApplied);
                    throw notApplied;
                } catch (Error e) {
                    stop("change " + sequence + " was not applied", e);
                    throw e;
                }
                applied = sequence;
                notifyApplied(sequence, false);
                try {
                    tx.commit();
                    notifyCheckpointed(wal.checkpointSequence());
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, () -> "wal4j sqlite: change " + sequence + " is applied to "
                            + databaseFile + " and durable in the WAL, but the WAL checkpoint failed; the WAL keeps "
                            + "the change and the next open skips it", e);
                }
                return sequence;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code query} on the node's connection and then ends its transaction with a rollback: for
     * reads (anything it writes is discarded; changes go through {@link #commit}). The connection is
     * guarded as for a {@link ChangeApplier}. Runs under the node's lock, so it sees every change
     * whose commit returned, and no commit runs meanwhile. Allowed on a stopped node.
     *
     * @throws SQLException from the query, or if the node is closed
     */
    public <T> T read(Query<T> query) throws SQLException {
        Objects.requireNonNull(query, "query");
        lock.lock();
        try {
            if (closed) {
                throw new SQLException("the SQLite commit node on " + databaseFile + " is closed");
            }
            T result;
            try {
                result = query.run(guarded);
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    connection.rollback();
                } catch (SQLException | RuntimeException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
            connection.rollback();
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** The sequence number of the last change applied to the database (0 if none). */
    public long appliedSequence() {
        return applied;
    }

    /** The WAL's checkpoint: changes up to it will never be replayed. */
    public long checkpointSequence() {
        return wal.checkpointSequence();
    }

    /** How many changes {@link #open} replayed from the WAL into the database. */
    public long replayedAtOpen() {
        lock.lock();
        try {
            return replayed;
        } finally {
            lock.unlock();
        }
    }

    /** Whether an earlier commit stopped the node (see {@link NodeStoppedException}). */
    public boolean stopped() {
        lock.lock();
        try {
            return stopCause != null;
        } finally {
            lock.unlock();
        }
    }

    /** The database file (absolute). */
    public Path databaseFile() {
        return databaseFile;
    }

    /** The options the node was opened with. */
    public SqliteNodeOptions options() {
        return options;
    }

    /**
     * Closes the database connection (rolling back any open transaction), then the WAL (which
     * releases its lock). Nothing committed is lost, nothing in the WAL is dropped. Closing again
     * does nothing.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = null;
            try {
                connection.close();
            } catch (SQLException | RuntimeException e) {
                failure = new WalException("closing the database connection to " + databaseFile + " failed", e);
            }
            try {
                wal.close();
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = e instanceof IOException io ? io : new WalException("closing the WAL failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "SqliteCommitNode[" + databaseFile + ", wal=" + wal.directory() + ", applied=" + applied + "]";
    }

    // ---- start-up ----

    private void start() throws IOException, SQLException {
        boolean done = false;
        try {
            try (Statement s = connection.createStatement()) {
                s.executeUpdate("CREATE TABLE IF NOT EXISTS " + APPLIED_TABLE + " (id INTEGER PRIMARY KEY CHECK (id = 1),"
                        + " sequence INTEGER NOT NULL CHECK (sequence >= 0))");
                s.executeUpdate("INSERT OR IGNORE INTO " + APPLIED_TABLE + " (id, sequence) VALUES (1, 0)");
            }
            options.schema().create(guarded);
            applied = readApplied();
            connection.commit();
            done = true;
        } finally {
            if (!done) {
                rollbackQuietly();
            }
        }

        long checkpoint = wal.checkpointSequence();
        long last = wal.lastSequence();
        if (applied < checkpoint) {
            throw new WalException("the database " + databaseFile + " has applied changes up to " + applied
                    + ", but the WAL " + wal.directory() + " was checkpointed up to " + checkpoint + ": changes "
                    + (applied + 1) + ".." + checkpoint + " were applied to a database and are no longer in the WAL."
                    + " Is this an older copy of the database, or another database? Refusing to open");
        }
        if (applied > last) {
            throw new WalException("the database " + databaseFile + " has applied changes up to " + applied
                    + ", but the WAL " + wal.directory() + " ends at " + last + ": it is not this database's WAL, or "
                    + "it lost records, and new changes would get sequence numbers the database already holds."
                    + " Refusing to open");
        }

        try (WalReader reader = wal.reader(applied + 1)) {
            WalRecord record;
            while ((record = reader.next()) != null) {
                long sequence = record.sequence();
                if (sequence != applied + 1) {
                    throw new WalException("the WAL " + wal.directory() + " returned change " + sequence
                            + " after the database's applied sequence " + applied + ": changes in between are missing");
                }
                try {
                    applyInTransaction(sequence, record.payload());
                } catch (SQLException | RuntimeException e) {
                    throw new ChangeNotAppliedException(sequence, "change " + sequence + " is durable in the write-ahead "
                            + "log " + wal.directory() + ", but replaying it into the database " + databaseFile
                            + " failed (" + e + "); its transaction was rolled back. It stays in the WAL and will be "
                            + "applied at the next start; the node was not opened", e);
                }
                applied = sequence;
                replayed++;
                notifyApplied(sequence, true);
            }
        }
        if (applied != wal.lastSequence()) {
            throw new WalException("replaying the WAL " + wal.directory() + " stopped at change " + applied
                    + ", but it holds changes up to " + wal.lastSequence());
        }
        if (applied > wal.checkpointSequence()) {
            wal.checkpoint(applied);
            notifyCheckpointed(applied);
        }
        long count = replayed;
        LOG.log(count > 0 ? System.Logger.Level.INFO : System.Logger.Level.DEBUG, () -> "wal4j sqlite: opened "
                + databaseFile + " (" + options.journalMode()
                + ", synchronous=" + options.journalMode().synchronousName() + "), changes applied up to " + applied
                + ", " + count + " replayed from " + wal.directory());
    }

    private long readApplied() throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet r = s.executeQuery("SELECT sequence FROM " + APPLIED_TABLE + " WHERE id = 1")) {
            if (!r.next()) {
                throw new SQLException(APPLIED_TABLE + " in " + databaseFile + " has no row");
            }
            return r.getLong(1);
        }
    }

    // ---- one change, one database transaction ----

    /**
     * Applies one change and records its sequence number, in one transaction, and commits it. The
     * update of the applied sequence only succeeds from {@code sequence - 1}: changes are applied in
     * WAL order without gaps, and a change applied behind the node's back is noticed, not repeated.
     */
    private void applyInTransaction(long sequence, byte[] change) throws SQLException {
        try {
            applier.apply(guarded, sequence, change);
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE " + APPLIED_TABLE + " SET sequence = ? WHERE id = 1 AND sequence = ?")) {
                update.setLong(1, sequence);
                update.setLong(2, sequence - 1);
                if (update.executeUpdate() != 1) {
                    throw new SQLException(APPLIED_TABLE + " in " + databaseFile + " does not say " + (sequence - 1)
                            + " before change " + sequence + " (it says " + readApplied() + "): something else "
                            + "writes it; the node must be the only writer");
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException | Error e) {
            try {
                connection.rollback();
            } catch (SQLException | RuntimeException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }

    private void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "wal4j sqlite: rollback failed", e);
        }
    }

    // ---- state ----

    private void ensureRunning() throws IOException {
        if (closed) {
            throw new WalClosedException("the SQLite commit node on " + databaseFile + " is closed");
        }
        if (stopCause != null) {
            throw new NodeStoppedException("the SQLite commit node on " + databaseFile + " is stopped: " + stopReason
                    + ". This change was not appended. Close the node and open it again: opening applies what the"
                    + " WAL holds", stopCause);
        }
    }

    private void stop(String reason, Throwable cause) {
        if (stopCause == null) {
            stopReason = reason;
            stopCause = cause;
        }
    }

    private void notifyAppended(long sequence) {
        try {
            listener.appended(sequence);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "wal4j sqlite: a commit listener threw (ignored)", e);
        }
    }

    private void notifyApplied(long sequence, boolean replay) {
        try {
            listener.applied(sequence, replay);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "wal4j sqlite: a commit listener threw (ignored)", e);
        }
    }

    private void notifyCheckpointed(long sequence) {
        try {
            listener.checkpointed(sequence);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "wal4j sqlite: a commit listener threw (ignored)", e);
        }
    }
}
