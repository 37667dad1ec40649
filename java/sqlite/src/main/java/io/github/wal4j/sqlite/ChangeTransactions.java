package io.github.wal4j.sqlite;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One database transaction per change: the caller's {@link ChangeApplier} changes the tables on
 * the guarded connection, the {@link AppliedTable} row moves to the change's sequence number, and
 * the transaction commits (durably, at the journal mode's synchronous level). On any failure the
 * transaction is rolled back, so a change is in the database whole or not at all.
 *
 * <p>Not thread-safe: the node's lock guards every call.
 */
final class ChangeTransactions {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    private final Connection connection;
    private final Connection guarded;
    private final ChangeApplier applier;
    private final AppliedTable appliedTable;

    /**
     * @param connection the node's connection, auto-commit off
     * @param guarded the same connection as the applier sees it ({@link GuardedConnection})
     */
    ChangeTransactions(Connection connection, Connection guarded, ChangeApplier applier, AppliedTable appliedTable) {
        this.connection = connection;
        this.guarded = guarded;
        this.applier = applier;
        this.appliedTable = appliedTable;
    }

    /**
     * Applies change {@code sequence} and records its number, in one transaction, and commits it.
     *
     * @throws SQLException from the applier or the database, or if the applied row does not hold
     *     {@code sequence - 1}; the transaction was rolled back (a failed rollback is suppressed)
     */
    void apply(long sequence, byte[] change) throws SQLException {
        try {
            applier.apply(guarded, sequence, change);
            appliedTable.advanceTo(sequence);
            connection.commit();
        } catch (SQLException | RuntimeException | Error e) {
            rollbackAfter(e);
            throw e;
        }
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
