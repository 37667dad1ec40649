package io.github.wal4j.log;

import io.github.wal4j.WalFailedException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * What a caller asks the committer for, as it waits in the {@link CommitQueue}: an {@link Append}, a
 * {@link Group} of records appended atomically, or a {@link Barrier}. Each is acknowledged once what
 * it asked for is, or fails with the log, on the thread that calls {@link #complete()} or
 * {@link #fail}: a future completes there and runs the callbacks attached with non-async methods;
 * a {@link WaitedAppend}'s caller is woken.
 */
sealed interface CommitRequest permits CommitRequest.Append, CommitRequest.Group, CommitRequest.Barrier {
    /** Acknowledges it: its future completes normally. */
    void complete();

    /** Fails its future with the log's failure. */
    void fail(WalFailedException failure);

    /**
     * A record to append, with the sequence number the queue gave it; how its caller hears of the
     * outcome is the subclass's: a future ({@link FutureAppend}, for {@code appendAsync}) or a wait on
     * the entry itself ({@link WaitedAppend}, for a blocking {@code append}). The queue fills the
     * fields under its lock ({@link #queued}); whoever takes the entry off the queue reads them
     * after taking it under the same lock.
     */
    abstract sealed class Append implements CommitRequest permits FutureAppend, WaitedAppend {
        private long sequence;
        private byte[] payload;
        private long framedSize;
        private long enqueued;

        /**
         * Fills the entry as the queue numbers it.
         *
         * @param framedSize its bytes in a batch: the record's framing and its seal included
         * @param enqueued when it was queued ({@link System#nanoTime()}), for the latency statistics
         */
        final void queued(long sequence, byte[] payload, long framedSize, long enqueued) {
            this.sequence = sequence;
            this.payload = payload;
            this.framedSize = framedSize;
            this.enqueued = enqueued;
        }

        final long sequence() {
            return sequence;
        }

        final byte[] payload() {
            return payload;
        }

        final long framedSize() {
            return framedSize;
        }

        final long enqueued() {
            return enqueued;
        }

        /** Drops the payload, which the caller may reuse or free once its append returned. */
        final void forgetPayload() {
            payload = null;
        }
    }

    /** An append whose caller has a future ({@code appendAsync}): it completes with the sequence number. */
    final class FutureAppend extends Append {
        private final CompletableFuture<Long> future;

        FutureAppend(CompletableFuture<Long> future) {
            this.future = future;
        }

        @Override
        public void complete() {
            future.complete(sequence());
        }

        @Override
        public void fail(WalFailedException failure) {
            future.completeExceptionally(failure);
        }
    }

    /**
     * The append of a caller that blocks until it is acknowledged ({@code append} in
     * {@code Durability.SYNC}): the caller parks on the entry itself, so no future, no boxed
     * sequence number and, since a thread waits for one blocking append at a time, no new entry
     * per call: each thread reuses its own ({@link #acquire()}). That is safe because nobody touches
     * an entry after completing or failing it, and each entry is completed or failed exactly once,
     * by whoever committed it (or by the failure that took it off the queue); it is never used where
     * it is acknowledged before it is written ({@code Durability.BUFFERED}), which would complete it
     * twice.
     */
    final class WaitedAppend extends Append {
        private static final int QUEUED = 0;
        private static final int DONE = 1;
        private static final int FAILED = 2;
        private static final ThreadLocal<WaitedAppend> OWN = ThreadLocal.withInitial(WaitedAppend::new);

        private final Thread waiter = Thread.currentThread();
        /** Only the waiter reads and writes it: whether its entry is in use by an append of its own. */
        private boolean inUse;
        private volatile int state;
        /** Written before {@link #state} turns FAILED, read after. */
        private WalFailedException failure;

        private WaitedAppend() {
        }

        /**
         * The calling thread's entry, or a fresh one if its own is in use (an append from inside
         * its own append: a {@code DurableWatermark} that appends from a self-committing thread).
         * {@link #release()} it once {@link #await()} returned or the append was refused.
         */
        static WaitedAppend acquire() {
            WaitedAppend own = OWN.get();
            WaitedAppend entry = own.inUse ? new WaitedAppend() : own;
            entry.inUse = true;
            entry.state = QUEUED;
            entry.failure = null;
            return entry;
        }

        /** Ends the caller's use of the entry: it holds nothing of the append any more. */
        void release() {
            forgetPayload();
            failure = null;
            inUse = false;
        }

        @Override
        public void complete() {
            state = DONE;
            LockSupport.unpark(waiter);
        }

        @Override
        public void fail(WalFailedException failure) {
            this.failure = failure;
            state = FAILED;
            LockSupport.unpark(waiter);
        }

        /**
         * Waits until the append is acknowledged or failed, on the thread that queued it. An
         * interrupt does not end the wait (the record may already be on its way to disk, so waiting
         * is the only honest answer); the interrupt status is set again before this returns.
         *
         * @return the sequence number
         * @throws WalFailedException if the log failed before acknowledging it (a fresh exception,
         *     so the stack trace shows the caller, not the writer thread)
         */
        long await() throws WalFailedException {
            boolean interrupted = false;
            int s;
            while ((s = state) == QUEUED) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (s == FAILED) {
                throw new WalFailedException(failure.getMessage(), failure.getCause());
            }
            return sequence();
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
