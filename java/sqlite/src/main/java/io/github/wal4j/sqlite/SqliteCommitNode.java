package io.github.wal4j.sqlite;

import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalTransaction;
import io.github.wal4j.WriteAheadLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
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
 * <p>The node holds the protocol's order and its crash cases; the pieces are package-private:
 * {@code SqliteDatabase} (the file and the connection's pragmas), {@code GuardedConnection} (what
 * the applier may call), {@code AppliedTable} (the applied sequence number),
 * {@code ChangeTransactions} (one transaction per change), {@code CatchUp} (set-up, checks and
 * replay at open) and {@code IsolatedListener} (listener calls that cannot throw into a commit).
 * The class is longer than most here because of its documentation, which is more than a third of
 * it: the contract of the exactly-once protocol above, and of each public method, is written where
 * a user reads it; the code is the protocol's order of steps and what each failure leaves behind.
 */
public final class SqliteCommitNode implements Closeable {
    /** The node's table: one row ({@code id = 1}) with the sequence number of the last change applied. */
    public static final String APPLIED_TABLE = "wal4j_applied";
    /**
     * The node's table of a change being applied: one row, 0 except inside a change's transaction,
     * so that a transaction an applier committed itself is found ({@link ApplierEndedTransactionException}).
     */
    public static final String APPLYING_TABLE = "wal4j_applying";

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
    private final SqliteNodeOptions options;
    private final CommitListener listener;
    private final AppliedTable appliedTable;
    private final ChangeTransactions transactions;
    private volatile long applied;
    private long replayed;
    private final NodeState state;

    private SqliteCommitNode(WriteAheadLog wal, Connection connection, Path databaseFile, ChangeApplier applier,
            SqliteNodeOptions options) throws SQLException {
        this.wal = wal;
        this.connection = connection;
        this.guarded = GuardedConnection.of(connection);
        this.databaseFile = databaseFile;
        this.options = options;
        this.listener = new IsolatedListener(options.listener());
        this.appliedTable = new AppliedTable(connection, databaseFile);
        this.transactions = new ChangeTransactions(connection, guarded, applier, appliedTable);
        this.state = new NodeState(databaseFile);
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
     * @throws ApplierEndedTransactionException the applier ended the node's transaction itself (SQL
     *     {@code COMMIT}, {@code END} or {@code ROLLBACK}); the node is stopped and the next open
     *     refuses until the database is repaired
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
            state.ensureRunning();
            try (WalTransaction tx = wal.transaction()) {
                long sequence;
                try {
                    sequence = tx.append(change);
                } catch (RecordTooLargeException e) {
                    throw e;
                } catch (IOException | RuntimeException | Error e) {
                    state.stop("appending a change to the WAL failed, and whether it reached the WAL is unknown", e);
                    throw e;
                }
                listener.appended(sequence);
                if (sequence != applied + 1) {
                    ChangeNotAppliedException e = new ChangeNotAppliedException(sequence, "change " + sequence
                            + " is durable in the write-ahead log, but the database " + databaseFile
                            + " has applied only up to " + applied + ": the WAL holds changes the database lacks. "
                            + "They will be applied, in order, when the node is next opened; close it and open it"
                            + " again", null);
                    state.stop("the WAL got ahead of the database", e);
                    throw e;
                }
                try {
                    transactions.apply(sequence, change);
                } catch (ApplierEndedTransactionException e) {
                    state.stop("the applier of change " + sequence + " ended the node's transaction", e);
                    throw e;
                } catch (SQLException | RuntimeException e) {
                    ChangeNotAppliedException notApplied = new ChangeNotAppliedException(sequence,
                            "change " + sequence + " is durable in the write-ahead log but was not applied to the "
                                    + "database " + databaseFile + " (" + e + "); its transaction was rolled back. "
                                    + "It will be applied at the next start, when the node is opened again; do not "
                                    + "commit it again. This node accepts no more commits until then", e);
                    state.stop("change " + sequence + " was not applied", notApplied);
                    throw notApplied;
                } catch (Error e) {
                    state.stop("change " + sequence + " was not applied", e);
                    throw e;
                }
                applied = sequence;
                listener.applied(sequence, false);
                try {
                    tx.commit();
                    listener.checkpointed(wal.checkpointSequence());
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
            if (state.closed()) {
                throw new SQLException("the SQLite commit node on " + databaseFile + " is closed");
            }
            T result;
            try {
                result = query.run(guarded);
            } catch (SQLException | RuntimeException | Error e) {
                transactions.rollbackAfter(e);
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
            return state.stopped();
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
            if (!state.close()) {
                return;
            }
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

    /** Sets up the database and brings it up to date with the WAL ({@link CatchUp}). */
    private void start() throws IOException, SQLException {
        CatchUp catchUp = new CatchUp(wal, connection, guarded, databaseFile, options,
                appliedTable, transactions, listener);
        catchUp.run();
        applied = catchUp.applied();
        replayed = catchUp.replayed();
    }
}
