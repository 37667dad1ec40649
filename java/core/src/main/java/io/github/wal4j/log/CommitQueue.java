package io.github.wal4j.log;

import io.github.wal4j.Durability;
import io.github.wal4j.InFlightLimit;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.WalInterruptedException;
import io.github.wal4j.WalOverloadedException;
import io.github.wal4j.format.RecordFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The requests waiting to be committed, in arrival order: appends, each given the next sequence
 * number as it is queued (so the queue's order is the log's order), and barriers. It also holds
 * whether the log still accepts work: closing, or failed for good.
 *
 * <p>Admission: an append or barrier is refused with {@link WalFailedException} once the log failed
 * and with {@link WalClosedException} once it is closing. Back-pressure: {@link InFlightAdmission}
 * admits an append (or a group, whole) under the {@link InFlightLimit}, makes its caller wait for
 * room, or refuses it, before it is numbered and queued. In {@link Durability#BUFFERED} an append is acknowledged
 * here, once queued, and its payload is copied, since its caller may reuse the array at once.
 *
 * <p>Failure fan-out: {@link #fail} makes the failure sticky and takes everything queued off the
 * queue at once, and {@link #completeFailed} then fails those futures; so after a failed write or
 * sync nothing is acknowledged again, and callbacks never run under the queue's lock.
 *
 * <p>Every method may be called from any thread: the state is under one lock, held briefly, never
 * across I/O; the only futures completed under it are BUFFERED appends, before anyone has them.
 */
final class CommitQueue {
    private final Path dir;
    private final boolean acknowledgeWhenQueued;
    private final int batchLimit;
    private final int sealOverhead;
    private final IntSupplier lastBatchRecords;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition room = lock.newCondition();
    private final ArrayDeque<CommitRequest> queue = new ArrayDeque<>();
    /** The records and bytes queued, and whether one more may join them. */
    private final InFlightAdmission admission;
    /** {@link #stopped()}, made once: the append path allocates nothing for it. */
    private final BooleanSupplier stopped = this::stopped;
    private int queuedBarriers;
    /** The writer is waiting in {@link #takeBatch} for this many queued records (0: not gathering). */
    private int gatherWanted;
    private long nextSequence;
    private boolean closing;
    /** Set once, under {@link #lock}; volatile so that {@link #failure()} reads it without the lock. */
    private volatile WalFailedException failure;

    /**
     * @param dir the log directory, for messages
     * @param durability in {@link Durability#BUFFERED} appends are acknowledged once queued
     * @param inFlight the bound on queued records and bytes, and what an append does at it
     * @param batchLimit the framed record bytes {@link #takeBatch} takes at most (at least one record)
     * @param sealOverhead the bytes a record's seal adds to its framing
     * @param lastBatchRecords the number of records the last synced batch held: an appender is alone
     *     (may commit its own record) only when it was at most one
     * @param nextSequence the sequence number of the first record queued
     */
    CommitQueue(Path dir, Durability durability, InFlightLimit inFlight, int batchLimit, int sealOverhead,
            IntSupplier lastBatchRecords, long nextSequence) {
        this.dir = dir;
        this.acknowledgeWhenQueued = durability == Durability.BUFFERED;
        this.admission = new InFlightAdmission(inFlight, room);
        this.batchLimit = batchLimit;
        this.sealOverhead = sealOverhead;
        this.lastBatchRecords = lastBatchRecords;
        this.nextSequence = nextSequence;
    }

    /**
     * Numbers {@code entry} and queues it with {@code payload}; its {@link CommitRequest#complete()}
     * acknowledges it with its sequence number.
     *
     * @param entry a {@link CommitRequest.FutureAppend}, or in {@link Durability#SYNC} a
     *     {@link CommitRequest.WaitedAppend} (in BUFFERED it is acknowledged here, once queued, and
     *     the writer would acknowledge it again)
     * @param mayWait whether to wait for room when the record does not fit ({@link InFlightAdmission})
     * @param mayLead whether the caller would commit the record itself if it is alone
     * @return true if the caller is to commit the entry itself (it may lead and found the queue
     *     empty and the last batch single; the writer has not been woken)
     * @throws WalFailedException if the log failed
     * @throws WalClosedException if the log is closing
     * @throws WalOverloadedException if the in-flight limit refused it (not queued)
     * @throws WalInterruptedException if the caller was interrupted while waiting for room (not queued)
     */
    boolean add(CommitRequest.Append entry, byte[] payload, boolean mayWait, boolean mayLead) throws IOException {
        long framed = RecordFormat.framedSize(payload.length) + sealOverhead;
        lock.lock();
        try {
            checkUsable();
            admission.admit(1, framed, mayWait, stopped);
            checkUsable();
            long sequence = nextSequence++;
            byte[] bytes = acknowledgeWhenQueued ? payload.clone() : payload;
            boolean lead = mayLead && queue.isEmpty() && lastBatchRecords.getAsInt() <= 1;
            entry.queued(sequence, bytes, framed, System.nanoTime());
            queue.add(entry);
            admission.added(1, framed);
            if (acknowledgeWhenQueued) {
                // Acknowledged before the writer can see it (and fail it). Completing under the lock
                // runs no callback: nobody has the future yet.
                entry.complete();
            }
            if (!lead && writerWants()) {
                work.signal();
            }
            return lead;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues {@code payloads} as one atomic group ({@link CommitRequest.Group}): consecutive sequence
     * numbers, one request, which {@link #takeBatch} never splits. {@code future} acknowledges it
     * with the sequence of its last record. A group is never committed by its caller: the writer
     * takes it.
     *
     * @param payloads at least one record; the caller's snapshot, not changed afterwards
     * @param framed the group's bytes in a batch, framing and seals included
     * @param mayWait whether to wait for room when the group does not fit ({@link InFlightAdmission})
     * @throws WalFailedException if the log failed
     * @throws WalClosedException if the log is closing
     * @throws WalOverloadedException if the in-flight limit refused it (nothing queued)
     * @throws WalInterruptedException if the caller was interrupted while waiting for room (nothing queued)
     */
    void addGroup(List<byte[]> payloads, long framed, CompletableFuture<Long> future, boolean mayWait)
            throws IOException {
        lock.lock();
        try {
            checkUsable();
            admission.admit(payloads.size(), framed, mayWait, stopped);
            checkUsable();
            int n = payloads.size();
            long first = nextSequence;
            nextSequence += n;
            List<byte[]> records = payloads;
            if (acknowledgeWhenQueued) {
                List<byte[]> copies = new ArrayList<>(n);
                for (byte[] payload : payloads) {
                    copies.add(payload.clone());
                }
                records = copies;
            }
            queue.add(new CommitRequest.Group(first, records, framed, future, System.nanoTime()));
            admission.added(n, framed);
            if (acknowledgeWhenQueued) {
                future.complete(first + n - 1);
            }
            if (writerWants()) {
                work.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues a barrier and wakes the writer.
     *
     * @throws WalFailedException if the log failed
     * @throws WalClosedException if the log is closing
     */
    CompletableFuture<Void> barrier(boolean sync) throws IOException {
        CompletableFuture<Void> future = new CompletableFuture<>();
        lock.lock();
        try {
            checkUsable();
            queue.add(new CommitRequest.Barrier(sync, future));
            queuedBarriers++;
            work.signal();
        } finally {
            lock.unlock();
        }
        return future;
    }

    /**
     * Whether an append should wake the writer: always, unless it is gathering a batch that is not
     * complete yet. Waking it for every arrival would cost a context switch each, on the very cores
     * the arriving appenders need.
     */
    private boolean writerWants() {
        return gatherWanted == 0 || admission.records() >= gatherWanted || admission.bytes() >= batchLimit;
    }

    /** Wakes the writer if anything is queued: for a leader that found the commit taken. */
    void wakeWriter() {
        lock.lock();
        try {
            if (!queue.isEmpty()) {
                work.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes {@code own} off the queue if it is still first: a leader's claim on its own record.
     *
     * @return false if it is gone (the writer took it, or the log failed: its future says how it went)
     */
    boolean takeIfFirst(CommitRequest.Append own) {
        lock.lock();
        try {
            if (queue.peek() != own) {
                return false;
            }
            queue.poll();
            admission.taken(1, own.framedSize());
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until something is queued, or the queue is closing with nothing left.
     *
     * @return false if the queue is closing and empty: nothing will come any more
     */
    boolean awaitRequest() {
        lock.lock();
        try {
            while (queue.isEmpty() && !closing) {
                work.awaitUninterruptibly();
            }
            return !queue.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next batch into {@code into}: the queued requests in order, records until they reach
     * the batch limit (the append that crosses it included; at least one record). A group is taken
     * whole or not at all: it goes into this batch if it is the first record in it or fits beside
     * the others, else it waits for the next. First, when {@code wanted} is above one, gathers: waits until that
     * many records are queued, a barrier arrives, the records fill a batch or the queue closes, but
     * never longer than {@code maxWaitNanos}; appenders arriving meanwhile do not wake it early.
     */
    void takeBatch(List<CommitRequest> into, int wanted, long maxWaitNanos) {
        lock.lock();
        try {
            gather(wanted, maxWaitNanos);
            long bytes = 0;
            int records = 0;
            while (!queue.isEmpty()) {
                CommitRequest next = queue.peek();
                long size = next instanceof CommitRequest.Append a ? a.framedSize()
                        : next instanceof CommitRequest.Group g ? g.framedSize() : -1;
                if (size >= 0) {
                    // The batch closes once its records reach the limit: the append that crosses it
                    // is its last (so 16 records of 64 KiB make one batch, not 15 and then 1, each
                    // paying an fdatasync). That stays within what readers accept as one batch
                    // (BatchHeader.maxRecordsLength: the target plus one record of the maximum
                    // size). A group that would cross waits, whole, for the next batch.
                    if (bytes >= batchLimit
                            || (bytes > 0 && bytes + size > batchLimit && !(next instanceof CommitRequest.Append))) {
                        break;
                    }
                    bytes += size;
                    records += next instanceof CommitRequest.Group g ? g.size() : 1;
                } else {
                    queuedBarriers--;
                }
                into.add(queue.poll());
            }
            admission.taken(records, bytes);
        } finally {
            lock.unlock();
        }
    }

    private void gather(int wanted, long maxWaitNanos) {
        if (wanted <= 1 || queue.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + maxWaitNanos;
        gatherWanted = wanted;
        try {
            while (admission.records() < wanted && queuedBarriers == 0 && !closing
                    && admission.bytes() < batchLimit) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    work.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            gatherWanted = 0;
        }
    }

    /** The last sequence number handed out, or the one before the first if none was. */
    long lastSequence() {
        lock.lock();
        try {
            return nextSequence - 1;
        } finally {
            lock.unlock();
        }
    }

    /** The failure that stopped the log, or {@code null}. */
    WalFailedException failure() {
        // Without the lock: tailers test it every time they wake, and must not queue behind the
        // appenders on the lock for it (the field is written once, under the lock, and volatile).
        return failure;
    }

    /** Refuses everything from now on with {@link WalClosedException}, and wakes the writer to drain what is left. */
    void close() {
        lock.lock();
        try {
            closing = true;
            work.signal();
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes {@code cause} the log's failure, sticky at once (the caller may hold the commit lock, so
     * that nobody writes after a failed write or sync), and takes every queued request off the queue.
     *
     * @param taken requests already off the queue that the failure abandons too
     * @return {@code taken} and every request that was queued, for {@link #completeFailed} outside
     *     any lock
     */
    List<CommitRequest> fail(Throwable cause, List<CommitRequest> taken) {
        WalFailedException failed = new WalFailedException("write-ahead log " + dir + " failed and accepts nothing "
                + "until it is reopened: " + cause.getMessage(), cause);
        List<CommitRequest> abandoned = new ArrayList<>(taken);
        lock.lock();
        try {
            failure = failed;
            abandoned.addAll(queue);
            queue.clear();
            admission.cleared();
            queuedBarriers = 0;
        } finally {
            lock.unlock();
        }
        return abandoned;
    }

    /** Fails the requests {@link #fail} abandoned, with the log's failure. */
    void completeFailed(List<CommitRequest> abandoned) {
        WalFailedException failed = failure();
        for (CommitRequest request : abandoned) {
            request.fail(failed);
        }
    }

    /** Whether the queue refuses everything now (a waiter for room need not wait any longer). */
    private boolean stopped() {
        return closing || failure != null;
    }

    private void checkUsable() throws IOException {
        if (failure != null) {
            throw new WalFailedException(failure.getMessage(), failure.getCause());
        }
        if (closing) {
            throw new WalClosedException("write-ahead log " + dir + " is closed");
        }
    }
}
