package io.github.wal4j.sqlite;

import io.github.wal4j.DurableLog;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WriteAheadLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Commits changes to a SQLite database through a wal4j write-ahead log, exactly once across
 * crashes: a change whose {@link #commit} returned is in the database once, and a change whose
 * commit was interrupted by a crash is in it once or not at all, never twice and never in part.
 *
 * <h2>How</h2>
 * Many threads may call {@link #commit(byte[])} at once. Each
 * <ol>
 *   <li><b>appends</b> its change to the WAL; it is fdatasync'ed when the append returns, and
 *       concurrent appends share one fdatasync (the WAL's group commit);</li>
 *   <li>queues it, in WAL sequence order, and waits for its turn: there is no applier thread. When
 *       no one is applying and the next change the database needs is queued, one committer becomes
 *       the <b>leader</b> and applies, on its own thread, the run of consecutive changes queued from
 *       there (its own and others', whose appends are durable; it first waits, up to the batch time,
 *       for the committers of the changes the WAL has already made durable), in one SQLite transaction: the
 *       caller's {@link ChangeApplier} changes the tables for each, and the node sets the single row
 *       of its table {@value #APPLIED_TABLE} to the last one's sequence number, in the <em>same</em>
 *       transaction (bounded by {@link SqliteNodeOptions#withBatchLimits count, bytes and time}); then
 *       it releases the batch's committers and hands on to the committer of the next change queued,
 *       if any. A lone committer thus applies its own change without waking any thread;</li>
 *   <li>returns once that transaction committed.</li>
 * </ol>
 * With {@link SqliteNodeOptions#withOverlappedApply overlapped apply} step 1 does not wait: the
 * committer hands its change to the WAL ({@link DurableLog#appendAsync}) and queues it at once, the
 * leader applies the batch while the WAL syncs it, and commits the SQLite transaction only once
 * every change in it is durable; if an append failed the transaction is rolled back. A leader's
 * batch is aligned with the WAL's: it ends at the WAL's write mark ({@link DurableLog#writtenSequence})
 * when its first change is under it, so it holds the WAL batch whose fdatasync runs and none of the
 * changes queued behind it. The ordering rules of both modes are in one place, {@code CommitOrder};
 * the write mark only shapes batches.
 *
 * In {@link JournalMode#WAL} SQLite commits with {@code synchronous=NORMAL}, without an fsync: a
 * power cut may take the newest commits from the database, but not from the WAL. So the one rule:
 * <b>the WAL is checkpointed only up to what SQLite has made durable</b>. From time to time
 * ({@link SqliteCheckpointPolicy}) the leader, after its batch, or the node's checkpointer thread
 * when commits pause, runs {@code PRAGMA wal_checkpoint(FULL)}, after which
 * SQLite's files hold every change applied so far, synced, and only then checkpoints the WAL up to
 * the last of them. {@link #open} reads the applied sequence number from the database, replays
 * every WAL record after it, each in its own transaction, and checkpoints the same way. Whatever a
 * crash interrupted, or a power cut took from SQLite, is therefore finished at the next open: a
 * change durable in the WAL but not in the database is applied; a change in both is skipped,
 * because the database says it has it. SQLite rolls back a transaction that did not commit, so a
 * change is never half-applied.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>When {@code commit} returns, the change is durable in the WAL and committed in the database
 *       (with its sequence number), once. In WAL journal mode the database commit itself may not be
 *       synced yet; the WAL keeps the change until it is.</li>
 *   <li>When {@code commit} throws {@link ChangeNotAppliedException}, the change is durable in the WAL
 *       and not in the database; it is applied at the next {@code open}. Do not commit it again.</li>
 *   <li>When {@code commit} throws another {@link IOException} from the WAL append (a failed write or
 *       fsync), the change may or may not have reached the WAL, so it may or may not be applied at
 *       the next open, as with any WAL append that was not acknowledged. Give changes an id the
 *       applier can check if the caller retries them.</li>
 *   <li>With overlapped apply, when the WAL append of a change fails while its batch is applied,
 *       the batch's changes before it throw {@link ChangeNotAppliedException} (durable in the
 *       WAL), it and the changes after it throw the append's {@link WalException}: none of them is
 *       in the database, and the node is stopped.</li>
 *   <li>A failure of a checkpoint alone does not make any {@code commit} throw: the changes are
 *       committed, the WAL keeps them, and the next open skips them. It is logged.</li>
 * </ul>
 * After a {@link ChangeNotAppliedException} or a failed append the node refuses further commits
 * ({@link NodeStoppedException}): the database applies changes in WAL order without gaps, so nothing
 * may be applied after the missing change. Commits of changes after it that were in flight throw
 * {@link ChangeNotAppliedException} too. Close the node and open it again.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>The node must be the only writer of the database's tables that changes touch, and the only
 *       user of its WAL directory (the WAL's lock enforces the latter). Other connections may read;
 *       a read that holds a snapshot open delays SQLite's checkpoint, and with it the WAL's.
 *       If {@value #APPLIED_TABLE} changes under it, the next commit fails instead of skipping or
 *       repeating changes.</li>
 *   <li>The database and the WAL belong together: {@code open} refuses a database that has applied
 *       more than the WAL ever held (another WAL, or a WAL that lost records) and one that has
 *       applied less than the WAL's checkpoint (an older copy of the database: those changes are
 *       gone; {@link LogCheckpointedPastDatabaseException}).</li>
 *   <li>Neither the applier nor a {@link CommitListener}'s {@code applied} or {@code checkpointed}
 *       may call the node: they run on the thread applying a batch or checkpointing, which a commit
 *       from it would wait for ({@link IllegalStateException}).</li>
 * </ul>
 *
 * <h2>Snapshots</h2>
 * {@link #snapshot} writes a consistent copy of the database, durably, holding every change up to
 * its applied sequence S. A node on another machine restored from it opens this node's log and
 * replays the changes after S, provided the log still holds them: with
 * {@link SqliteCheckpointPolicy#withSnapshotRetention} the log is checkpointed only up to the newest
 * snapshot; without, an open on a snapshot older than the log's checkpoint is refused
 * ({@link LogCheckpointedPastDatabaseException}), never skipped ({@code docs/replication.md}).
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
 * <p>Thread-safe. {@code commit} runs the append on the caller's thread, and, when the caller leads
 * a batch, the {@link ChangeApplier}, the listener's {@code applied} and the checkpoints due, for
 * its own and other callers' changes; its interrupt flag is cleared while it does (and restored
 * after), but an interrupt that comes while it applies reaches the applier's code. The node's one
 * thread, {@code wal4j-sqlite-checkpointer}, only keeps the checkpoint policy's time bound when
 * commits pause. {@link #read} runs on the caller's thread between the batches' transactions.
 *
 * <p>The node is a facade over package-private pieces: {@code SqliteDatabase} (the file and the
 * connection's pragmas), {@code GuardedConnection} (what the applier may call), {@code AppliedTable}
 * (the applied sequence number), {@code ChangeTransactions} (a change's or a batch's transaction),
 * {@code ApplyQueue} (the changes in sequence order, and whose turn it is to lead), {@code BatchApplier}
 * (a leader's batch), {@code CheckpointSchedule}, {@code IdleCheckpointer} and
 * {@code SqliteDurablePoint} (the checkpoint rule),
 * {@code CatchUp} (set-up, checks and replay at open), {@code DatabaseSnapshot} (a snapshot's copy) and
 * {@code IsolatedListener}. It is longer than
 * most classes here because of its documentation, more than half of it: the contract of the
 * exactly-once protocol is written where a user reads it.
 */
public final class SqliteCommitNode implements Closeable {
    /** The node's table: one row ({@code id = 1}) with the sequence number of the last change applied. */
    public static final String APPLIED_TABLE = "wal4j_applied";
    /**
     * The node's table of a transaction being applied: one row, 0 except inside a transaction of the
     * node (where it holds the transaction's first change), so that a transaction an applier
     * committed itself is found ({@link ApplierEndedTransactionException}).
     */
    public static final String APPLYING_TABLE = "wal4j_applying";

    /**
     * The node's table of snapshots: one row with the applied sequence of the newest
     * {@link #snapshot} of the database (0 if none); in a snapshot's copy, the copy's own sequence.
     * {@link SqliteCheckpointPolicy#withSnapshotRetention} keeps the log from being checkpointed past it.
     */
    public static final String SNAPSHOT_TABLE = "wal4j_snapshot";

    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    /** A read of the database; see {@link #read(Query)}. */
    @FunctionalInterface
    public interface Query<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Commits hold it shared from their check to their outcome; {@link #close} takes it exclusively. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    /** Whoever uses the connection holds it: the applier per batch, {@link #read}, open and close. */
    private final ReentrantLock connectionLock = new ReentrantLock();
    /** One {@link #snapshot} at a time: two to the same target would share its temporary file. */
    private final ReentrantLock snapshotLock = new ReentrantLock();
    private final DurableLog wal;
    private final Connection connection;
    private final Connection guarded;
    private final Path databaseFile;
    private final SqliteNodeOptions options;
    private final CommitListener listener;
    private final AppliedTable appliedTable;
    private final ChangeTransactions transactions;
    private final CheckpointSchedule checkpoints;
    private final NodeState state;
    private volatile long applied;
    /**
     * With overlapped apply: held while a change is handed to the WAL and queued, so that the
     * appends are made in the order of the sequence numbers the node expects ({@link #nextAppend}).
     */
    private final ReentrantLock appendLock = new ReentrantLock();
    /** With overlapped apply, under {@link #appendLock}: the sequence number the WAL gives the next append. */
    private long nextAppend;
    private long replayed;
    private ApplyQueue queue;
    private BatchApplier applier;
    private IdleCheckpointer checkpointer;
    private Thread checkpointerThread;

    private SqliteCommitNode(DurableLog wal, Connection connection, Path databaseFile, ChangeApplier applier,
            SqliteNodeOptions options) throws SQLException {
        this.wal = wal;
        this.connection = connection;
        this.guarded = GuardedConnection.of(connection);
        this.databaseFile = databaseFile;
        this.options = options;
        this.listener = new IsolatedListener(options.listener());
        this.appliedTable = new AppliedTable(connection, databaseFile);
        this.transactions = new ChangeTransactions(connection, guarded, applier, appliedTable,
                new CommitOrder());
        this.checkpoints = new CheckpointSchedule(wal,
                new SqliteDurablePoint(connection, options.journalMode(), options.durablePointHook()),
                options.checkpointPolicy(), listener, options.checkpointPastDurablePoint());
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
     * each in its own transaction, SQLite is made durable and the WAL is checkpointed up to the last
     * one; then starts the checkpointer thread (if the checkpoint policy has a time bound).
     *
     * <p>When this returns, every change whose commit ever returned, and every change that reached
     * the WAL before a crash, is in the database exactly once, and the WAL holds nothing to replay.
     *
     * @throws ChangeNotAppliedException if the applier or the database refused a change being
     *     replayed; it stays in the WAL, changes before it were applied, and the node is not opened
     * @throws LogCheckpointedPastDatabaseException if the database has applied less than the WAL's
     *     checkpoint (an older copy, such as a snapshot the WAL was checkpointed past); nothing is changed
     * @throws WalException if the database and the WAL do not belong together otherwise (see the class
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
        Path db = checkedDatabasePath(databaseFile);
        // The WAL first: its lock keeps a second node on the same WAL out before it touches the database.
        return openOn(WriteAheadLog.open(walDir, options.walOptions()), db, applier, options);
    }

    /**
     * Opens a node on a log the caller opened (a local {@link WriteAheadLog}, or a replicated log),
     * as {@link #open(Path, Path, ChangeApplier, SqliteNodeOptions)} does on its own: the database is
     * brought up to date from the log, and the node owns the log from then on (its {@link #close()}
     * closes the log; if this throws, the log is closed). The log must be this database's log and no
     * other writer's: the node appends to it and checkpoints it. {@link SqliteNodeOptions#walOptions()}
     * is used only for the database file's permissions.
     *
     * @throws ChangeNotAppliedException as the other {@code open}
     * @throws WalException as the other {@code open}, and the log's own exceptions
     * @throws SQLException as the other {@code open}
     */
    public static SqliteCommitNode open(DurableLog log, Path databaseFile, ChangeApplier applier,
            SqliteNodeOptions options) throws IOException, SQLException {
        Objects.requireNonNull(log, "log");
        Path db;
        try {
            Objects.requireNonNull(databaseFile, "databaseFile");
            Objects.requireNonNull(applier, "applier");
            Objects.requireNonNull(options, "options");
            db = checkedDatabasePath(databaseFile);
        } catch (RuntimeException e) {
            try {
                log.close();
            } catch (IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return openOn(log, db, applier, options);
    }

    private static Path checkedDatabasePath(Path databaseFile) {
        Path db = databaseFile.toAbsolutePath().normalize();
        if (db.toString().indexOf('?') >= 0) {
            throw new IllegalArgumentException("the database path must not contain '?': " + db);
        }
        return db;
    }

    private static SqliteCommitNode openOn(DurableLog wal, Path db, ChangeApplier applier,
            SqliteNodeOptions options) throws IOException, SQLException {
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
     * Commits one change: appends it to the WAL (sharing the fdatasync with concurrent commits),
     * waits until it is applied to the database with its sequence number, in a transaction that
     * committed, applying it (and the changes queued with it) itself when it is this thread's turn
     * to lead. See the class comment for the guarantees. An interrupt does not end the wait (the
     * change is on its way into the database); the interrupt flag is kept.
     *
     * @param change the change, as the applier reads it; not kept after this returns, and not to
     *     be modified meanwhile
     * @return the change's WAL sequence number (the database's {@value #APPLIED_TABLE} holds it or more)
     * @throws ChangeNotAppliedException the change is durable in the WAL but the applier or the
     *     database failed on it or on a change before it; it is applied at the next open, and this
     *     node is stopped
     * @throws ApplierEndedTransactionException an applier ended the node's transaction itself (SQL
     *     {@code COMMIT}, {@code END} or {@code ROLLBACK}); the node is stopped and the next open
     *     refuses until the database is repaired
     * @throws NodeStoppedException an earlier commit stopped the node; this change was not appended
     * @throws RecordTooLargeException the change is larger than the WAL's maximum record size;
     *     nothing was appended and the node goes on
     * @throws WalClosedException the node is closed
     * @throws IllegalStateException if called from an applier or a listener while it applies or checkpoints
     * @throws IOException the WAL append failed (the change may or may not be in the WAL; the node
     *     is stopped)
     */
    public long commit(byte[] change) throws IOException {
        Objects.requireNonNull(change, "change must not be null (an empty array is a valid change)");
        refuseWhileApplying("commit");
        gate.readLock().lock();
        try {
            state.ensureRunning();
            PendingChange pending = options.overlappedApply() ? appendOverlapped(change) : appendDurably(change);
            // Wait for the change to be applied, or lead a batch (one's own, others' too) when it is this thread's turn.
            List<PendingChange> batch;
            while ((batch = queue.awaitTurn(pending)) != null) {
                applier.lead(batch);
            }
            queue.outcome(pending);
            return pending.sequence();
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Appends {@code change} and waits until it is durable in the WAL, then queues it. */
    private PendingChange appendDurably(byte[] change) throws IOException {
        long sequence;
        try {
            sequence = wal.append(change);
        } catch (RecordTooLargeException e) {
            throw e;
        } catch (IOException | RuntimeException | Error e) {
            throw appendFailed(e);
        }
        PendingChange pending = new PendingChange(sequence, change);
        try {
            listener.appended(sequence);
        } finally {
            queue.submit(pending);
        }
        return pending;
    }

    /**
     * Hands {@code change} to the WAL without waiting for its fdatasync and queues it under the
     * sequence number the WAL gives it (appends are made one at a time, in sequence order, and
     * {@link CommitOrder} checks the number before the change's transaction commits).
     */
    private PendingChange appendOverlapped(byte[] change) throws IOException {
        PendingChange pending;
        appendLock.lock();
        try {
            state.ensureRunning(); // again: a change appended after a stop would have no leader to apply it
            CompletableFuture<Long> append;
            try {
                append = wal.appendAsync(change);
            } catch (RuntimeException | Error e) {
                throw appendFailed(e);
            }
            if (append.isCompletedExceptionally()) {
                // Refused at once: a record too large took no sequence number and the node goes on.
                Throwable refused = append.handle((v, t) -> t instanceof CompletionException c ? c.getCause() : t).join();
                if (refused instanceof RecordTooLargeException tooLarge) {
                    throw tooLarge;
                }
                throw appendFailed(refused);
            }
            pending = new PendingChange(nextAppend++, change, append);
        } finally {
            appendLock.unlock();
        }
        try {
            listener.appended(pending.sequence());
        } finally {
            queue.submit(pending);
        }
        return pending;
    }

    /**
     * An append failed and whether it took a sequence number is unknown: stops the node, lets what is
     * consecutive be applied, and returns what the committer throws.
     */
    private IOException appendFailed(Throwable e) {
        state.stop("appending a change to the WAL failed, and whether it reached the WAL is unknown", e);
        // A sequence number may be missing for good: what is consecutive is applied, the rest fails.
        queue.stop(c -> applier.notApplied(c.sequence(), "an append before or beside it failed (" + e
                + "), and a change before it may be missing from the WAL's order", e));
        if (e instanceof IOException io) {
            return io;
        }
        if (e instanceof Error error) {
            throw error;
        }
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        return new WalException("appending a change to the WAL failed", e);
    }

    /**
     * Runs {@code query} on the node's connection and then ends its transaction with a rollback: for
     * reads (anything it writes is discarded; changes go through {@link #commit}). The connection is
     * guarded as for a {@link ChangeApplier}. Runs on the caller's thread between the batches'
     * transactions, so it sees every change whose commit returned (and perhaps some whose commit has
     * not returned yet). Allowed on a stopped node.
     *
     * @throws SQLException from the query, or if the node is closed
     * @throws IllegalStateException if called from an applier or a listener while it applies or checkpoints
     */
    public <T> T read(Query<T> query) throws SQLException {
        Objects.requireNonNull(query, "query");
        refuseWhileApplying("read");
        connectionLock.lock();
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
            connectionLock.unlock();
        }
    }

    /**
     * Writes a consistent copy of the database to {@code target}, durably, and returns the applied
     * sequence number S it holds: the copy holds every change applied up to S, each once, and none
     * after it, with S in its {@value #APPLIED_TABLE} (and in its {@value #SNAPSHOT_TABLE}). A node
     * on another machine may open the copy (as a database file of its own) over this node's log once
     * this node is gone: its open replays the changes from S + 1, provided the log still holds them
     * (keep them with {@link SqliteCheckpointPolicy#withSnapshotRetention}; otherwise that open may refuse
     * with {@link LogCheckpointedPastDatabaseException}).
     *
     * <p>When this returns the copy is durable: it was written under a temporary name beside
     * {@code target} ({@code target + ".wal4j-snapshot-tmp"}), fsynced, renamed over {@code target}
     * (an existing file there is replaced) and the directory fsynced; a crash before leaves
     * {@code target} as it was. Then S is recorded in this database's {@value #SNAPSHOT_TABLE},
     * which with snapshot retention lets the log's checkpoint move up to S, and no further, from now
     * on (and after a restart).
     *
     * <p>Runs on the caller's thread, with a connection of its own (SQLite's {@code VACUUM INTO},
     * one read transaction), while commits go on; it holds the node's connection only to record S.
     * A long copy delays SQLite's checkpoints as any reader does; in {@link JournalMode#DELETE} a
     * reader also keeps writers out, so commits wait for the copy, up to the busy timeout (a longer
     * copy makes a commit fail with {@link ChangeNotAppliedException}: snapshot a large DELETE-mode
     * database with a long busy timeout, or in WAL mode). Snapshots run one at a time. Allowed on a
     * stopped node (the database is consistent up to its applied sequence).
     *
     * @param target the snapshot file; its directory must exist; not the database file itself
     * @return the applied sequence number the snapshot holds
     * @throws WalClosedException if the node is closed
     * @throws WalException if SQLite failed to write the copy, or recording S failed (the copy is
     *     durable then, and the retention bound was not moved)
     * @throws IOException if fsyncing or renaming the copy failed ({@code target} is as it was, or,
     *     if only the directory's fsync failed, holds the copy, not known to be durable)
     * @throws IllegalArgumentException if {@code target} is the database file or its path has a {@code '?'}
     * @throws IllegalStateException if called from an applier or a listener while it applies or checkpoints
     */
    public long snapshot(Path target) throws IOException {
        Objects.requireNonNull(target, "target");
        Path file = checkedDatabasePath(target);
        if (file.equals(databaseFile)) {
            throw new IllegalArgumentException("a snapshot of " + databaseFile + " cannot be written over it");
        }
        refuseWhileApplying("snapshot");
        gate.readLock().lock();
        try {
            if (state.closed()) {
                throw new WalClosedException("the SQLite commit node on " + databaseFile + " is closed");
            }
            snapshotLock.lock();
            try {
                return snapshotTo(file);
            } finally {
                snapshotLock.unlock();
            }
        } finally {
            gate.readLock().unlock();
        }
    }

    private long snapshotTo(Path file) throws IOException {
        long sequence;
        try {
            sequence = DatabaseSnapshot.write(databaseFile, file, options);
        } catch (SQLException e) {
            throw new WalException("writing a snapshot of " + databaseFile + " to " + file + " failed: " + e, e);
        }
        connectionLock.lock();
        try {
            appliedTable.recordSnapshot(sequence);
            connection.commit();
            if (options.checkpointPolicy().snapshotRetention()) {
                checkpoints.limitTo(appliedTable.readSnapshot());
            }
            connection.rollback();
        } catch (SQLException | RuntimeException e) {
            transactions.rollbackAfter(e);
            throw new WalException("the snapshot " + file + " of " + databaseFile + " at change " + sequence
                    + " is written, but recording it in " + SNAPSHOT_TABLE + " failed: " + e, e);
        } finally {
            connectionLock.unlock();
        }
        LOG.log(System.Logger.Level.INFO, () -> "wal4j sqlite: snapshot of " + databaseFile + " at change "
                + sequence + " written to " + file);
        return sequence;
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
        return replayed;
    }

    /** Whether an earlier commit stopped the node (see {@link NodeStoppedException}). */
    public boolean stopped() {
        return state.stopped();
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
     * Waits for the commits in flight to return, stops the checkpointer thread, makes SQLite durable and
     * checkpoints the WAL up to the last change applied (with snapshot retention, up to the newest
     * snapshot at most; a failure there is logged: the next open
     * replays instead), closes the database connection, then the WAL (which releases its lock).
     * Nothing committed is lost, nothing in the WAL is dropped. Closing again does nothing.
     *
     * @throws IllegalStateException if called from an applier or a listener while it applies or checkpoints
     */
    @Override
    public void close() throws IOException {
        refuseWhileApplying("close");
        gate.writeLock().lock();
        try {
            if (!state.close()) {
                return;
            }
            // Every commit has returned (they hold the gate): no change is being applied or waits.
            if (checkpointerThread != null) {
                checkpointer.stop();
                boolean interrupted = false;
                while (checkpointerThread.isAlive()) {
                    try {
                        checkpointerThread.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            IOException failure = null;
            connectionLock.lock();
            try {
                if (!state.stopped()) {
                    try {
                        checkpoints.checkpoint(applied);
                    } catch (IOException | SQLException | RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, () -> "wal4j sqlite: the checkpoint at close failed;"
                                + " the next open replays the changes after " + wal.checkpointSequence(), e);
                    }
                }
                connection.close();
            } catch (SQLException | RuntimeException e) {
                failure = new WalException("closing the database connection to " + databaseFile + " failed", e);
            } finally {
                connectionLock.unlock();
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
            gate.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "SqliteCommitNode[" + databaseFile + ", wal=" + wal.describe() + ", applied=" + applied + "]";
    }

    /** Sets up the database, brings it up to date with the WAL ({@link CatchUp}), starts the applier. */
    private void start() throws IOException, SQLException {
        CatchUp catchUp = new CatchUp(wal, connection, guarded, databaseFile, options,
                appliedTable, transactions, listener, checkpoints);
        catchUp.run();
        applied = catchUp.applied();
        replayed = catchUp.replayed();
        nextAppend = applied + 1;
        // Overlapped, a change is queued as it is appended: there is nothing to gather.
        queue = options.overlappedApply()
                ? ApplyQueue.overlapped(applied + 1, options.batchChanges(), options.batchBytes(), wal::writtenSequence)
                : new ApplyQueue(applied + 1, options.batchChanges(), options.batchBytes(), wal::durableSequence,
                        options.batchTime().toNanos());
        applier = new BatchApplier(queue, transactions, checkpoints, connectionLock, options.batchTime().toNanos(),
                listener, state, databaseFile, applied, a -> applied = a);
        if (options.checkpointPolicy().intervalNanos() != Long.MAX_VALUE) {
            checkpointer = new IdleCheckpointer(checkpoints, connectionLock, () -> applied);
            checkpoints.onIntervalStarted(checkpointer::wake);
            checkpointerThread = new Thread(checkpointer, "wal4j-sqlite-checkpointer " + databaseFile.getFileName());
            checkpointerThread.setDaemon(true);
            checkpointerThread.start();
        }
    }

    private void refuseWhileApplying(String call) {
        Thread me = Thread.currentThread();
        if (applier.isApplying(me) || (checkpointer != null && checkpointer.isRunningOn(me))) {
            throw new IllegalStateException(call + " called from a ChangeApplier or a CommitListener of " + databaseFile
                    + ", on the thread applying the node's changes or checkpointing: it would wait for itself."
                    + " Appliers and listeners must not call the node");
        }
    }
}
