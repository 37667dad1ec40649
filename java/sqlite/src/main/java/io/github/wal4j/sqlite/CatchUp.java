package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;
import io.github.wal4j.WalReader;
import io.github.wal4j.WalRecord;
import io.github.wal4j.DurableLog;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * What {@link SqliteCommitNode#open} does once the WAL and the database are open: sets up the
 * database (the {@link AppliedTable} and the options' schema, in one transaction), checks that the
 * database and the WAL belong together, replays every WAL record after the database's applied
 * sequence number, each in its own {@link ChangeTransactions transaction}, makes SQLite durable and
 * checkpoints the WAL up to the last one ({@link CheckpointSchedule#checkpoint}).
 *
 * <p>When {@link #run} returns, the database has applied every record the WAL holds, and the WAL's
 * checkpoint covers them (unless another connection's read kept SQLite from its checkpoint: then
 * the WAL keeps them until a later one). When it throws, the changes replayed before the failure stay applied
 * (each committed on its own) and the rest stay in the WAL for the next open.
 */
final class CatchUp {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    private final DurableLog wal;
    private final Connection connection;
    private final Connection guarded;
    private final Path databaseFile;
    private final SqliteNodeOptions options;
    private final AppliedTable appliedTable;
    private final ChangeTransactions transactions;
    private final CommitListener listener;
    private final CheckpointSchedule checkpoints;
    private long applied;
    private long replayed;

    /**
     * @param connection the node's connection, auto-commit off
     * @param guarded the same connection as the schema sees it ({@link GuardedConnection})
     * @param listener told of every change replayed
     * @param checkpoints makes SQLite durable, then checkpoints the WAL, once the replay is done
     */
    CatchUp(DurableLog wal, Connection connection, Connection guarded, Path databaseFile, SqliteNodeOptions options,
            AppliedTable appliedTable, ChangeTransactions transactions, CommitListener listener,
            CheckpointSchedule checkpoints) {
        this.wal = wal;
        this.connection = connection;
        this.guarded = guarded;
        this.databaseFile = databaseFile;
        this.options = options;
        this.appliedTable = appliedTable;
        this.transactions = transactions;
        this.listener = listener;
        this.checkpoints = checkpoints;
    }

    /**
     * Sets up, checks, replays and checkpoints (see the class comment).
     *
     * @throws IOException also if the WAL's checkpoint failed
     *
     * @throws ChangeNotAppliedException if the applier or the database refused a change being replayed
     * @throws WalException if the database and the WAL do not belong together, or the WAL's replay
     *     skipped or stopped short
     * @throws ApplierEndedTransactionException if an applier ended a change's transaction itself
     *     (recorded in {@value SqliteCommitNode#APPLYING_TABLE}), or ends one being replayed
     * @throws SQLException if setting up the database failed (rolled back)
     */
    void run() throws IOException, SQLException {
        setUp();
        checkBelongTogether();
        replay();
        if (!checkpoints.checkpoint(applied)) {
            LOG.log(System.Logger.Level.INFO, () -> "wal4j sqlite: a reader of " + databaseFile + " kept SQLite's"
                    + " checkpoint from completing at open; the WAL keeps changes after " + wal.checkpointSequence()
                    + " until the next checkpoint");
        }
        long count = replayed;
        LOG.log(count > 0 ? System.Logger.Level.INFO : System.Logger.Level.DEBUG, () -> "wal4j sqlite: opened "
                + databaseFile + " (" + options.journalMode()
                + ", synchronous=" + options.journalMode().synchronousName() + "), changes applied up to " + applied
                + ", " + count + " replayed from " + wal.describe());
    }

    /** The sequence number of the last change the database has applied. */
    long applied() {
        return applied;
    }

    /** How many changes {@link #run} replayed from the WAL. */
    long replayed() {
        return replayed;
    }

    private void setUp() throws SQLException, ApplierEndedTransactionException {
        boolean done = false;
        try {
            appliedTable.create();
            long interrupted = appliedTable.readApplying();
            if (interrupted != 0) {
                throw new ApplierEndedTransactionException(interrupted, "the database " + databaseFile + " records in "
                        + SqliteCommitNode.APPLYING_TABLE + " that the transaction of change " + interrupted
                        + " was ended by its applier (SQL such as COMMIT run through a statement), so part of the change"
                        + " may be in the database without its sequence number, and applying it again could apply that"
                        + " part twice. Refusing to open; nothing was changed. Repair the database by hand (see"
                        + " ApplierEndedTransactionException) and fix the applier");
            }
            options.schema().create(guarded);
            applied = appliedTable.read();
            if (options.checkpointPolicy().snapshotRetention()) {
                checkpoints.limitTo(appliedTable.readSnapshot());
            }
            connection.commit();
            done = true;
        } finally {
            if (!done) {
                transactions.rollbackQuietly();
            }
        }
    }

    private void checkBelongTogether() throws WalException {
        long checkpoint = wal.checkpointSequence();
        long last = wal.lastSequence();
        if (applied < checkpoint) {
            throw new LogCheckpointedPastDatabaseException(applied, checkpoint, "the database " + databaseFile
                    + " has applied changes up to " + applied + ", but the WAL " + wal.describe()
                    + " was checkpointed up to " + checkpoint + ": changes " + (applied + 1) + ".." + checkpoint
                    + " were applied to a database and are no longer in the WAL. Is this an older copy of the"
                    + " database (a snapshot older than the log's checkpoint), or another database? Refusing to"
                    + " open; nothing was changed. Take over from a snapshot at or after " + checkpoint
                    + " (SqliteCheckpointPolicy.withSnapshotRetention keeps the log from the newest snapshot)");
        }
        if (applied > last) {
            throw new WalException("the database " + databaseFile + " has applied changes up to " + applied
                    + ", but the WAL " + wal.describe() + " ends at " + last + ": it is not this database's WAL, or "
                    + "it lost records, and new changes would get sequence numbers the database already holds."
                    + " Refusing to open");
        }
    }

    private void replay() throws IOException {
        try (WalReader reader = wal.reader(applied + 1)) {
            WalRecord record;
            while ((record = reader.next()) != null) {
                long sequence = record.sequence();
                if (sequence != applied + 1) {
                    throw new WalException("the WAL " + wal.describe() + " returned change " + sequence
                            + " after the database's applied sequence " + applied + ": changes in between are missing");
                }
                try {
                    transactions.apply(sequence, record.payload());
                } catch (ApplierEndedTransactionException e) {
                    throw e;
                } catch (SQLException | RuntimeException e) {
                    throw new ChangeNotAppliedException(sequence, "change " + sequence + " is durable in the write-ahead "
                            + "log " + wal.describe() + ", but replaying it into the database " + databaseFile
                            + " failed (" + e + "); its transaction was rolled back. It stays in the WAL and will be "
                            + "applied at the next start; the node was not opened", e);
                }
                applied = sequence;
                replayed++;
                listener.applied(sequence, true);
            }
        }
        if (applied != wal.lastSequence()) {
            throw new WalException("replaying the WAL " + wal.describe() + " stopped at change " + applied
                    + ", but it holds changes up to " + wal.lastSequence());
        }
    }
}
