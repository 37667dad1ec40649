package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One change durable in the WAL, on its way to the database: its sequence number, its bytes, and
 * the outcome its committing thread waits for. The applier thread completes it once, after the
 * database transaction holding it committed ({@link #applied()}), or fails it with the
 * {@link WalException} the committer throws ({@link #failed}).
 */
final class PendingChange {
    private final long sequence;
    private final byte[] change;
    private final CompletableFuture<Void> outcome = new CompletableFuture<>();

    /** @param change the caller's array, not copied: its committer blocks in {@link #await()} until the applier is done with it */
    PendingChange(long sequence, byte[] change) {
        this.sequence = sequence;
        this.change = change;
    }

    long sequence() {
        return sequence;
    }

    byte[] change() {
        return change;
    }

    /** The change and its sequence number are committed in the database. */
    void applied() {
        outcome.complete(null);
    }

    /** The change is not applied (it is durable in the WAL); its committer throws {@code failure}. */
    void failed(WalException failure) {
        outcome.completeExceptionally(failure);
    }

    boolean done() {
        return outcome.isDone();
    }

    /**
     * Waits for the applier, ignoring interrupts (the change is durable in the WAL and on its way
     * into the database: waiting is the only honest answer; the interrupt flag is restored).
     *
     * @throws WalException the applier's verdict: {@link ChangeNotAppliedException},
     *     {@link ApplierEndedTransactionException}
     */
    void await() throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    outcome.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof WalException w) {
                        throw w;
                    }
                    throw new WalException("applying change " + sequence + " failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
