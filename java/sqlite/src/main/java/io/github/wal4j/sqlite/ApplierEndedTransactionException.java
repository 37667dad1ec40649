package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;

/**
 * The applier (or a schema) ended the node's database transaction itself, with SQL such as
 * {@code COMMIT}, {@code END} or {@code ROLLBACK} run through a statement, which the guarded
 * connection cannot see. What it wrote before that was committed without the change's sequence
 * number, so the change is in the database in part, outside the exactly-once protocol, and
 * applying it again (as the next open would) could apply that part twice.
 *
 * <p>Thrown by {@link SqliteCommitNode#commit}, which then accepts no more commits, after it
 * rolled back what was still open and recorded the change's number in
 * {@value SqliteCommitNode#APPLYING_TABLE}; and by {@link SqliteCommitNode#open}, which refuses
 * to open a database whose {@value SqliteCommitNode#APPLYING_TABLE} row names a change (a
 * transaction ended this way, whether or not the process then crashed), and changes nothing.
 * Repair by hand: make the database hold that change whole or not at all, set
 * {@value SqliteCommitNode#APPLIED_TABLE} to its number or the one before, and set the
 * {@value SqliteCommitNode#APPLYING_TABLE} row back to 0. Then fix the applier: it must not end
 * the transaction (see {@link ChangeApplier}).
 */
public final class ApplierEndedTransactionException extends WalException {
    private static final long serialVersionUID = 1L;
    private final long sequence;

    public ApplierEndedTransactionException(long sequence, String message) {
        super(message);
        this.sequence = sequence;
    }

    /** The WAL sequence number of the change whose transaction was ended by its applier. */
    public long sequence() {
        return sequence;
    }
}
