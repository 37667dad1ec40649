package io.github.wal4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One unit of work in the order a store must follow: <b>append</b> to the WAL (durable when
 * {@link #append} returns), <b>apply</b> to the store, <b>commit</b> (which checkpoints). Use it with
 * try-with-resources:
 *
 * <pre>{@code
 * try (WalTransaction tx = wal.transaction()) {
 *     long seq = tx.append(change);      // durable in the WAL
 *     store.apply(change, seq);          // the store records seq with the change, atomically
 *     tx.commit();                       // the WAL may now forget it
 * }
 * }</pre>
 *
 * <p>If the apply step throws, the transaction closes without commit: its records stay in the WAL
 * and {@link WriteAheadLog#recover()} returns them after the log is reopened, so the caller retries
 * them then (the store must skip records it already holds, by their sequence number). Until then no
 * checkpoint of this log covers them. {@link #close()} says so in a warning. A store that keeps a
 * single "applied up to" mark must stop committing after such a failure and reopen: a later commit
 * would move its mark past the failed record, and a replay from the mark would skip it.
 *
 * <p>{@link #commit()} checkpoints up to the highest sequence below which every transaction of this
 * log has committed; records appended outside transactions count as applied by the caller. Not
 * thread-safe: one transaction belongs to one thread.
 */
public final class WalTransaction implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j");

    private final DurableLog wal;
    private final TransactionLedger ledger;
    private final long lowBound;
    private final List<Long> sequences = new ArrayList<>();
    private boolean committed;
    private boolean closed;

    WalTransaction(DurableLog wal, TransactionLedger ledger) {
        this.wal = wal;
        this.ledger = ledger;
        // Registered before any append, with a bound no sequence of ours can fall below.
        this.lowBound = wal.lastSequence() + 1;
        ledger.open(lowBound);
    }

    /**
     * Appends a record as {@link WriteAheadLog#append} does (durable when it returns, by default).
     *
     * @throws IllegalStateException if the transaction is committed or closed
     */
    public long append(byte[] record) throws IOException {
        if (committed || closed) {
            throw new IllegalStateException("transaction is " + (committed ? "committed" : "closed"));
        }
        long sequence = wal.append(record);
        sequences.add(sequence);
        return sequence;
    }

    /** The sequence numbers appended in this transaction, in order. */
    public List<Long> sequences() {
        return List.copyOf(sequences);
    }

    /**
     * Declares that the caller applied every record of this transaction to its store, then
     * checkpoints the WAL (see the class comment for how far). Durable when it returns.
     */
    public void commit() throws IOException {
        if (committed || closed) {
            throw new IllegalStateException("transaction is " + (committed ? "committed" : "closed"));
        }
        committed = true;
        long highest = sequences.isEmpty() ? lowBound - 1 : sequences.get(sequences.size() - 1);
        long upTo = ledger.commit(lowBound, highest);
        wal.checkpoint(upTo);
    }

    /** Whether {@link #commit()} succeeded. */
    public boolean committed() {
        return committed;
    }

    /**
     * Ends the transaction. Without a commit its records stay in the WAL for replay after reopen, and
     * a warning says which.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!committed && !sequences.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, () -> "wal4j transaction closed without commit: records "
                    + sequences + " stay in the WAL and recover() will return them after reopen");
        } else if (!committed) {
            ledger.commit(lowBound, lowBound - 1);
        }
    }
}
