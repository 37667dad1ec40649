package io.github.wal4j.log;

import io.github.wal4j.WalFailedException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a caller asks the committer for, as it waits in the {@link CommitQueue}: an {@link Append}, a
 * {@link Group} of records appended atomically, or a {@link Barrier}. Each has a future that completes once what it asked for is acknowledged, or
 * fails with the log; it completes on the thread that calls {@link #complete()} or
 * {@link #fail}, which runs the callbacks attached with non-async methods.
 */
sealed interface CommitRequest permits CommitRequest.Append, CommitRequest.Group, CommitRequest.Barrier {
    /** Acknowledges it: its future completes normally. */
    void complete();

    /** Fails its future with the log's failure. */
    void fail(WalFailedException failure);

    /**
     * A record to append, with the sequence number the queue gave it.
     *
     * @param framedSize its bytes in a batch: the record's framing and its seal included
     * @param enqueued when it was queued ({@link System#nanoTime()}), for the latency statistics
     */
    record Append(long sequence, byte[] payload, long framedSize, CompletableFuture<Long> future, long enqueued)
            implements CommitRequest {
        @Override
        public void complete() {
            future.complete(sequence);
        }

        @Override
        public void fail(WalFailedException failure) {
            future.completeExceptionally(failure);
        }
    }

    /**
     * Records appended as one atomic unit ({@code WriteAheadLog.appendAll}): consecutive sequence
     * numbers from {@code first}, one future for all. The queue hands it to a batch whole and the
     * writer writes it in that one batch, never split across batches or segments: a batch is
     * validated as a unit (its records' checksums, its length), so recovery keeps all of a group
     * or none of it.
     *
     * @param payloads the records, at least one (the list is the caller's snapshot: never changed)
     * @param framedSize all its records' bytes in a batch: framing and seals included
     * @param enqueued when it was queued ({@link System#nanoTime()}), for the latency statistics
     */
    record Group(long first, List<byte[]> payloads, long framedSize, CompletableFuture<Long> future, long enqueued)
            implements CommitRequest {
        /** The number of records. */
        int size() {
            return payloads.size();
        }

        /** The sequence number of its last record: what its future completes with. */
        long last() {
            return first + payloads.size() - 1;
        }

        @Override
        public void complete() {
            future.complete(last());
        }

        @Override
        public void fail(WalFailedException failure) {
            future.completeExceptionally(failure);
        }
    }

    /** Completes once everything queued before it is written, and synced if {@code sync}. */
    record Barrier(boolean sync, CompletableFuture<Void> future) implements CommitRequest {
        @Override
        public void complete() {
            future.complete(null);
        }

        @Override
        public void fail(WalFailedException failure) {
            future.completeExceptionally(failure);
        }
    }
}
