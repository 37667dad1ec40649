package io.github.wal4j.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import io.github.wal4j.sqlite.CommitOrder.AppendFailedException;
import java.util.List;

/**
 * One database transaction per change: the caller's {@link ChangeApplier} changes the tables on
 * the guarded connection, the {@link AppliedTable} row moves to the change's sequence number, and
 * the transaction commits (durably, at the journal mode's synchronous level). On any failure the
 * transaction is rolled back, so a change is in the database whole or not at all. An applier that
 * ends the transaction itself with SQL ({@link TransactionWatch}) breaks that: the change is
 * refused with {@link ApplierEndedTransactionException}, and its number stays in the applying row
 * ({@link AppliedTable}), so that no later open applies it again over the part already committed.
 *
 * <p>{@link #applyBatch} puts several changes in one transaction, the leader's way of
 * making many commits cost one SQLite commit.
 *
 * <p>Before every commit of a change, {@link CommitOrder#awaitDurable} waits until the changes of
 * the transaction are durable in the WAL (rule 1 there); if an append failed, the transaction is
 * rolled back instead ({@link AppendFailedException}).
 *
 * <p>Not thread-safe: the node's connection lock guards every call.
 */
final class ChangeTransactions {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    private final Connection connection;
    private final Connection guarded;
    private final ChangeApplier applier;
    private final AppliedTable appliedTable;
    private final TransactionWatch watch;
    private final CommitOrder order;

    /**
     * @param connection the node's connection, auto-commit off
     * @param guarded the same connection as the applier sees it ({@link GuardedConnection})
     */
    ChangeTransactions(Connection connection, Connection guarded, ChangeApplier applier, AppliedTable appliedTable,
            CommitOrder order) throws SQLException {
        this.connection = connection;
        this.order = order;
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
        try {
            apply(new PendingChange(sequence, change));
        } catch (AppendFailedException e) {
            throw new IllegalStateException("a change whose append returned cannot fail its append", e);
        }
    }

    /**
     * As {@link #apply(long, byte[])} for a change queued by a committer, whose append may not be
     * durable yet: the transaction commits once it is.
     *
     * @throws AppendFailedException if its append failed; the transaction was rolled back
     */
    void apply(PendingChange pending) throws SQLException, ApplierEndedTransactionException, AppendFailedException {
        long sequence = pending.sequence();
        byte[] change = pending.change();
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
                order.awaitDurable(List.of(pending));
                connection.commit();
                return;
            }
        } catch (AppendFailedException e) {
            rollbackAfter(e);
            throw e;
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
     * Applies a batch of consecutive changes in one transaction: the applying row is set to the
     * first one's number, each change is applied in order, the applied row moves from the one
     * before the first to the last one applied, the applying row is cleared, and the transaction
     * commits. Once {@code deadlineNanos} ({@link System#nanoTime()}) has passed, no further change
     * is started: the changes applied so far commit, and the caller applies the rest later.
     *
     * @return how many changes, from the first, were applied and committed (at least 1)
     * @throws BatchFailedException the applier or the database failed; the transaction was rolled
     *     back, so none of the batch is applied
     * @throws ApplierEndedTransactionException an applier ended the transaction itself; what was
     *     still open was rolled back, and the applying row holds the batch's first number
     * @throws AppendFailedException the WAL append of a change applied failed; the transaction was
     *     rolled back
     */
    int applyBatch(List<PendingChange> batch, long deadlineNanos)
            throws BatchFailedException, ApplierEndedTransactionException, AppendFailedException {
        long first = batch.get(0).sequence();
        int i = 0;
        boolean inApplier = false;
        watch.start();
        try {
            appliedTable.markApplying(first);
            for (; i < batch.size() && (i == 0 || deadlineNanos - System.nanoTime() > 0); i++) {
                PendingChange c = batch.get(i);
                inApplier = true;
                applier.apply(guarded, c.sequence(), c.change());
                inApplier = false;
                if (watch.ended() != null) {
                    throw refuseEnded(first, c.sequence(), watch.stop());
                }
            }
            appliedTable.advance(first - 1, first + i - 1);
            appliedTable.markApplying(0);
            String ended = watch.stop();
            if (ended != null) {
                throw refuseEnded(first, first + i - 1, ended);
            }
            order.awaitDurable(batch.subList(0, i));
            connection.commit();
            return i;
        } catch (AppendFailedException e) {
            rollbackAfter(e);
            throw e;
        } catch (SQLException | RuntimeException | Error e) {
            String ended = watch.stop();
            rollbackAfter(e);
            if (ended != null) {
                throw refuseEnded(first, batch.get(Math.min(i, batch.size() - 1)).sequence(), ended);
            }
            if (e instanceof Error error) {
                throw error;
            }
            throw new BatchFailedException(inApplier ? i : -1, e);
        }
    }

    /** A batch was rolled back: which change's applier failed ({@link #index}), and why (the cause). */
    static final class BatchFailedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int index;

        BatchFailedException(int index, Throwable cause) {
            super(cause);
            this.index = index;
        }

        /** The index in the batch of the change whose applier threw, or -1 if the failure came after the appliers. */
        int index() {
            return index;
        }
    }

    /**
     * After an applier ended change {@code sequence}'s transaction: rolls back what is open and
     * commits the applying row at {@code sequence}, so that the next open refuses instead of applying
     * the change again over the part already committed. Plain SQL, because SQLite may be in a
     * transaction or not by now, whatever sqlite-jdbc believes; the last {@code BEGIN} leaves the
     * connection as sqlite-jdbc keeps it with auto-commit off.
     */
    private ApplierEndedTransactionException refuseEnded(long sequence, String ended) {
        return refuseEnded(sequence, sequence, ended);
    }

    /**
     * As {@link #refuseEnded(long, String)} for a batch starting at {@code first} whose change
     * {@code sequence}'s applier ended the transaction: the applying row records {@code first}, which
     * the committed part holds (the row is set first), since changes before {@code sequence} in the
     * batch may be committed without their sequence numbers too.
     */
    private ApplierEndedTransactionException refuseEnded(long first, long sequence, String ended) {
        String recorded;
        try (Statement s = connection.createStatement()) {
            try {
                s.execute("ROLLBACK");
            } catch (SQLException noTransaction) {
                // The applier's own COMMIT or ROLLBACK left none open.
            }
            s.execute("BEGIN");
            appliedTable.markApplying(first);
            s.execute("COMMIT");
            s.execute("BEGIN");
            recorded = "its number is recorded in " + SqliteCommitNode.APPLYING_TABLE;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            recorded = "recording its number in " + SqliteCommitNode.APPLYING_TABLE + " failed too (" + e + ")";
        }
        String which = first == sequence ? "" : " (applied in one transaction with changes " + first + ".." + sequence
                + ", which may be committed in part too)";
        return new ApplierEndedTransactionException(sequence, "the applier of change " + sequence + which + " ended the"
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
