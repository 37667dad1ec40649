package io.github.wal4j.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One database transaction per change: the caller's {@link ChangeApplier} changes the tables on
 * the guarded connection, the {@link AppliedTable} row moves to the change's sequence number, and
 * the transaction commits (durably, at the journal mode's synchronous level). On any failure the
 * transaction is rolled back, so a change is in the database whole or not at all. An applier that
 * ends the transaction itself with SQL ({@link TransactionWatch}) breaks that: the change is
 * refused with {@link ApplierEndedTransactionException}, and its number stays in the applying row
 * ({@link AppliedTable}), so that no later open applies it again over the part already committed.
 *
 * <p>Not thread-safe: the node's lock guards every call.
 */
final class ChangeTransactions {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    private final Connection connection;
    private final Connection guarded;
    private final ChangeApplier applier;
    private final AppliedTable appliedTable;
    private final TransactionWatch watch;

    /**
     * @param connection the node's connection, auto-commit off
     * @param guarded the same connection as the applier sees it ({@link GuardedConnection})
     */
    ChangeTransactions(Connection connection, Connection guarded, ChangeApplier applier, AppliedTable appliedTable)
            throws SQLException {
        this.connection = connection;
        this.guarded = guarded;
        this.applier = applier;
        this.appliedTable = appliedTable;
        this.watch = new TransactionWatch(connection);
    }

    /**
     * Applies change {@code sequence} and records its number, in one transaction, and commits it.
     *
     * @throws SQLException from the applier or the database, or if the applied row does not hold
     *     {@code sequence - 1}; the transaction was rolled back (a failed rollback is suppressed)
     * @throws ApplierEndedTransactionException if the applier ended the transaction itself; what
     *     was still open was rolled back, and the applying row holds {@code sequence}
     */
    void apply(long sequence, byte[] change) throws SQLException, ApplierEndedTransactionException {
        String ended;
        try {
            watch.start();
            try {
                appliedTable.markApplying(sequence);
                applier.apply(guarded, sequence, change);
                appliedTable.advanceTo(sequence);
                appliedTable.markApplying(0);
            } finally {
                ended = watch.stop();
            }
            if (ended == null) {
                connection.commit();
                return;
            }
        } catch (SQLException | RuntimeException | Error e) {
            String endedBefore = watch.stop();
            rollbackAfter(e);
            if (endedBefore == null) {
                throw e;
            }
            ended = endedBefore;
        }
        throw refuseEnded(sequence, ended);
    }

    /**
     * After an applier ended change {@code sequence}'s transaction: rolls back what is open and
     * commits the applying row at {@code sequence}, so that the next open refuses instead of applying
     * the change again over the part already committed. Plain SQL, because SQLite may be in a
     * transaction or not by now, whatever sqlite-jdbc believes; the last {@code BEGIN} leaves the
     * connection as sqlite-jdbc keeps it with auto-commit off.
     */
    private ApplierEndedTransactionException refuseEnded(long sequence, String ended) {
        String recorded;
        try (Statement s = connection.createStatement()) {
            try {
                s.execute("ROLLBACK");
            } catch (SQLException noTransaction) {
                // The applier's own COMMIT or ROLLBACK left none open.
            }
            s.execute("BEGIN");
            appliedTable.markApplying(sequence);
            s.execute("COMMIT");
            s.execute("BEGIN");
            recorded = "its number is recorded in " + SqliteCommitNode.APPLYING_TABLE;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            recorded = "recording its number in " + SqliteCommitNode.APPLYING_TABLE + " failed too (" + e + ")";
        }
        return new ApplierEndedTransactionException(sequence, "the applier of change " + sequence + " ended the"
                + " node's transaction itself (it was " + ended + " by SQL such as COMMIT, END or ROLLBACK run through a"
                + " statement): part of the change may be committed without its sequence number, so the change was"
                + " refused and the node stops; " + recorded + ", and the node refuses to open until the database is"
                + " repaired by hand (see ApplierEndedTransactionException). An applier must not end the transaction");
    }

    /** Rolls the open transaction back after {@code failure}, to which a failed rollback is added as suppressed. */
    void rollbackAfter(Throwable failure) {
        try {
            connection.rollback();
        } catch (SQLException | RuntimeException rollback) {
            failure.addSuppressed(rollback);
        }
    }

    /** Rolls the open transaction back, logging a failure instead of throwing it. */
    void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "wal4j sqlite: rollback failed", e);
        }
    }
}
