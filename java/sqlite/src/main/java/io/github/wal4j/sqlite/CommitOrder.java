package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The ordering rules between the WAL and SQLite, in one place. Every other class of the node
 * relies on these and none restates them:
 * <ol>
 *   <li><b>WAL before SQLite.</b> A SQLite transaction holding changes commits only once every one
 *       of them is durable in the WAL: {@link ChangeTransactions} calls {@link #awaitDurable} right
 *       before each {@code connection.commit()} of changes, and nowhere else commits them. With
 *       {@link SqliteNodeOptions#withOverlappedApply overlapped apply} the changes are applied in
 *       the open transaction while their WAL fdatasync runs; this is where the two meet.</li>
 *   <li><b>A failed append rolls back.</b> If the append of a change in the transaction failed,
 *       {@link #awaitDurable} throws {@link AppendFailedException} instead of returning, and the
 *       transaction is rolled back: SQLite never holds a change that the WAL may not.</li>
 *   <li><b>Sequence numbers are the WAL's.</b> A change is applied under the sequence number the
 *       node expects the WAL to give it (the appends are made in that order, one at a time); before
 *       the commit {@link #awaitDurable} checks that the WAL gave exactly that number, and refuses
 *       the transaction otherwise.</li>
 *   <li><b>Acknowledged after both.</b> A committer is released ({@link ApplyQueue#completed})
 *       only after the transaction holding its change committed, so after rule 1.</li>
 *   <li><b>The WAL is checkpointed only up to what SQLite has made durable</b>
 *       ({@link CheckpointSchedule}), and what SQLite has applied is, by rule 1, durable in the
 *       WAL: the checkpoint never passes the WAL's durable mark either.</li>
 * </ol>
 * A crash anywhere thus leaves SQLite's committed changes a prefix of the WAL's durable records, and
 * the next open applies the rest once ({@link CatchUp}). None of the rules reads the WAL's write
 * mark ({@link io.github.wal4j.DurableLog#writtenSequence()}), which is no durability promise: the
 * {@link ApplyQueue} only ends overlapped batches at it, and rule 1 waits on each change's own append.
 *
 * <p>Not thread-safe: runs under the node's connection lock, on the thread applying a batch.
 */
final class CommitOrder {
    /**
     * Returns once every change of {@code changes} is durable in the WAL under its sequence number:
     * at once for changes whose append had returned before they were queued, otherwise after their
     * append's future completed. Interrupts do not end the wait (the flag is kept).
     *
     * @throws AppendFailedException if an append failed, or gave another sequence number; its
     *     {@link AppendFailedException#index} is the first such change in {@code changes}, and the
     *     changes before it are durable
     */
    void awaitDurable(List<PendingChange> changes) throws AppendFailedException {
        for (int i = 0; i < changes.size(); i++) {
            PendingChange c = changes.get(i);
            CompletableFuture<Long> append = c.append();
            if (append == null) {
                continue; // its append returned before it was queued
            }
            long got;
            try {
                got = awaitUninterruptibly(append);
            } catch (ExecutionException e) {
                throw new AppendFailedException(i, e.getCause());
            }
            if (got != c.sequence()) {
                throw new AppendFailedException(i, new WalException("the WAL gave change " + c.sequence()
                        + " the sequence number " + got + ": something else appends to the node's WAL"));
            }
        }
    }

    private static long awaitUninterruptibly(CompletableFuture<Long> future) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The append of change {@link #index} of a transaction failed (its cause: the WAL's exception),
     * so the transaction was not committed.
     */
    static final class AppendFailedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int index;

        AppendFailedException(int index, Throwable cause) {
            super(cause);
            this.index = index;
        }

        /** The index of the first change whose append failed; the ones before it are durable in the WAL. */
        int index() {
            return index;
        }
    }
}
