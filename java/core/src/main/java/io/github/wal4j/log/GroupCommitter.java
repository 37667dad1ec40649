package io.github.wal4j.log;

import io.github.wal4j.Durability;
import io.github.wal4j.GroupTooLargeException;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.WalStats;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The single writer of the log. Appenders put records on a {@link CommitQueue} and get a future
 * (or, blocking, wait on their queue entry); one thread takes the queue's next batch, has the
 * {@link SegmentWriter} write it with one positional write and fdatasync it once, and then
 * acknowledges the batch's requests in sequence order. While it
 * syncs, new appends queue up and form the next batch, so the number of fdatasyncs per record falls
 * as concurrency rises.
 *
 * <p>Guarantees: sequence numbers are assigned in the order records are queued, which is the order
 * they are written; no future completes before its record and all earlier records are synced (in
 * {@link Durability#SYNC}); after a failed write or sync nothing is acknowledged again and every
 * later call throws {@link WalFailedException}. No appender holds a lock across an fsync.
 *
 * <p>Gathering: when the last synced batch held k &gt; 1 records, the appenders it released are coming
 * back one by one as their threads wake; writing the first arrival at once would sync a batch of one
 * or two and leave the rest for the next fdatasync. So the writer waits until k records are queued
 * (or the batch is full, a barrier or close arrives), but never longer than an eighth of the last
 * fdatasync (at most 200 us): a little latency for batches as large as the concurrency. A single
 * appender (k = 1) never waits, and neither does BUFFERED mode (no fdatasync to share).
 *
 * <p>Self-commit: a caller that blocks on its append anyway ({@link #append(byte[])}) writes and syncs its own record on its own thread when it is alone: the queue
 * was empty, no batch is in progress and the last synced batch held one record. That saves the two
 * thread hand-offs (wake the writer, wake the appender) that otherwise cost a lone appender about
 * as much as its {@code pwrite}. Whoever writes, the writer thread or a self-committing caller,
 * holds {@link #commitLock}, so writes, syncs and the segment writer's state stay serial. It needs a
 * storage layer whose I/O an interrupt cannot break ({@link Storage#interruptSafe()}): an
 * interrupted {@code FileChannel} closes itself, which would fail the log for every appender.
 * Both mechanisms can be switched off for benchmarks ({@link CommitTuning}).
 *
 * <p>Acknowledgements go out outside {@link #commitLock}, after the batch is written and synced, so a
 * callback attached to one (which runs on the completing thread: the writer thread, for every
 * future a caller can see) never finds the commit state half-updated. The writer thread must never
 * block on the log, since only it can complete what it would wait for: blocking calls from it are
 * refused ({@link #checkMayBlock}), and {@link #appendAsync} from it never waits for queue room.
 *
 * <p>Two marks tell readers how far they may read: the write mark (complete batches handed to the
 * OS) and the durable mark (complete batches fdatasync'ed). {@link #readableMark()} gives the durable
 * one in {@link Durability#SYNC}: a reader never returns a record that a power cut could still erase.
 */
final class GroupCommitter {
    /** The longest a gathering writer waits for appenders, in nanoseconds. */
    private static final long MAX_GATHER_NANOS = 200_000L;

    private final CommitConfig config;
    private final SegmentWriter writer;
    private final CommitQueue queue;
    /** Held while writing, syncing or closing: by the writer thread or a self-committing appender. */
    private final ReentrantLock commitLock = new ReentrantLock();
    /** Whether lone blocking appenders commit their own records. */
    private final boolean selfCommit;
    private final Thread thread;
    /** Under commitLock: the writer thread's own batch. */
    private final List<CommitRequest> batch = new ArrayList<>();
    /**
     * Under commitLock: a self-committer's batch of its one record, emptied before the lock is
     * released (its record is acknowledged after that, outside the lock).
     */
    private final List<CommitRequest> ownBatch = new ArrayList<>(1);

    /**
     * Prepares the writer on {@code active}, whose valid data ends at its write offset; {@link #start()}
     * starts its thread.
     *
     * @param segments the log's segments, which rotations add to
     * @param nextSequence the sequence number of the next record
     * @param sealedAtOpen whether the segment's last batch is a seal (nothing to seal again)
     */
    GroupCommitter(CommitConfig config, SegmentList segments, ActiveSegment active, long nextSequence,
            boolean sealedAtOpen) {
        this.config = config;
        this.writer = new SegmentWriter(config, segments, active, nextSequence, sealedAtOpen);
        this.queue = new CommitQueue(config.dir(), config.durability(), config.inFlight(), config.batchLimit(),
                writer.sealOverhead(), writer::lastBatchRecords, nextSequence);
        this.selfCommit = config.durability() == Durability.SYNC && config.storage().interruptSafe()
                && config.tuning().selfCommit();
        this.thread = new Thread(this::run, "wal4j-writer-" + config.dir().getFileName());
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Queues a record without waiting. The future completes with its sequence number once it is
     * acknowledged, on the thread that committed it (the writer thread). Never self-committed.
     *
     * @throws WalFailedException if the log failed
     * @throws WalClosedException if the log is closed
     */
    public CompletableFuture<Long> appendAsync(byte[] payload) throws IOException {
        CompletableFuture<Long> future = new CompletableFuture<>();
        queue.add(new CommitRequest.FutureAppend(future), payload, mayWaitForRoom(), false);
        return future;
    }

    /**
     * Appends a record and waits until it is acknowledged. When the caller is alone it writes and
     * syncs the record on its own thread (self-commit). In {@link Durability#SYNC} it allocates no
     * future and, on the caller's side, nothing per call: the caller waits on its thread's own queue
     * entry ({@link CommitRequest.WaitedAppend}).
     *
     * @return the record's sequence number
     * @throws WalFailedException if the log failed
     * @throws WalClosedException if the log is closed
     * @throws IllegalStateException on the writer thread
     */
    public long append(byte[] payload) throws IOException {
        checkMayBlock("append");
        if (config.durability() != Durability.SYNC) {
            // Acknowledged once queued: a reused entry would be completed again by the writer.
            return Futures.await(appendAsync(payload));
        }
        CommitRequest.WaitedAppend own = CommitRequest.WaitedAppend.acquire();
        try {
            if (queue.add(own, payload, true, selfCommit) && !commitOwn(own)) {
                queue.wakeWriter();
            }
            return own.await();
        } finally {
            own.release();
        }
    }

    /**
     * Queues {@code payloads} as one atomic group: consecutive sequence numbers, written in one
     * batch (never split across batches or segments), so recovery keeps all of them or none. The
     * future completes with the last one's sequence once the group is acknowledged. Never
     * self-committed: the writer takes it.
     *
     * @param payloads at least one record, none null or over the record limit (the caller checked);
     *     a snapshot nobody changes
     * @param callerWaits the caller blocks on the future right away (refused on the writer thread)
     * @throws GroupTooLargeException if the records framed exceed {@link #maxGroupBytes()}; nothing
     *     was queued
     * @throws WalFailedException if the log failed
     * @throws WalClosedException if the log is closed
     */
    public CompletableFuture<Long> appendAll(List<byte[]> payloads, boolean callerWaits) throws IOException {
        if (callerWaits) {
            checkMayBlock("appendAll");
        }
        long framed = 0;
        for (byte[] payload : payloads) {
            framed += RecordFormat.framedSize(payload.length) + writer.sealOverhead();
        }
        if (framed > maxGroupBytes()) {
            throw new GroupTooLargeException(payloads.size(), framed, maxGroupBytes());
        }
        CompletableFuture<Long> future = new CompletableFuture<>();
        queue.addGroup(payloads, framed, future, mayWaitForRoom());
        return future;
    }

    /**
     * The most framed bytes (payloads, 8 bytes of framing each, and the seals of a protected log) a
     * group may hold: those of a batch (1 MiB), or of one record of the maximum record size if that is
     * more. It is within what every reader accepts as one batch ({@link BatchHeader#maxRecordsLength}),
     * and the active segment's header records at least this writer's maximum record size.
     */
    public long maxGroupBytes() {
        return Math.max(BatchHeader.TARGET_RECORDS_LENGTH,
                (long) config.keys().maxRecordSize() + RecordFormat.OVERHEAD + writer.sealOverhead());
    }

    /**
     * Refuses a call that would block the calling thread on the log if that thread is the writer:
     * only the writer completes what such a call waits for, so it would wait for itself (a deadlock),
     * or, for an append, write into the batch it is completing.
     *
     * @param call the public method, for the message
     * @throws IllegalStateException on the writer thread
     */
    public void checkMayBlock(String call) {
        if (Thread.currentThread() != thread && commitLock.isHeldByCurrentThread()) {
            // A DurableWatermark on a self-committing appender: it runs inside that thread's commit.
            throw new IllegalStateException(call + "() was called from a DurableWatermark on the thread that is"
                    + " committing a batch of " + config.dir() + " (a lone append writes and syncs its own record),"
                    + " which holds the log's commit while it calls the watermark. A blocking call of the log there"
                    + " would wait for that commit or write inside the batch being synced, so wal4j refuses it."
                    + " Keep durable() to recording the sequence; append from another thread");
        }
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException(call + "() was called on the wal4j writer thread of " + config.dir()
                    + ", which runs the callbacks attached to appendAsync futures with non-async methods"
                    + " (thenAccept, whenComplete, ...). A blocking call of the log there would wait for the"
                    + " thread it blocks, so wal4j refuses it. Attach the callback with thenAcceptAsync,"
                    + " whenCompleteAsync, ... (it then runs on another thread), or call appendAsync instead"
                    + " of append there");
        }
    }

    /**
     * Whether the calling thread may wait for room under the in-flight limit. Only the writer thread
     * makes room, and only while nobody else holds the commit lock: the writer thread itself (a
     * callback that appends from it) and a self-committing appender inside its commit (a
     * {@code DurableWatermark} that appends) never wait, and are let through past the bound (their
     * caller's chain bounds it).
     */
    private boolean mayWaitForRoom() {
        return Thread.currentThread() != thread && !commitLock.isHeldByCurrentThread();
    }

    /**
     * Self-commit: writes and syncs {@code own} on the caller's thread if nobody else is writing.
     * Only {@code own} is taken, even if others queued behind it meanwhile: their futures complete
     * on the writer thread, as {@link io.github.wal4j.WriteAheadLog} promises for callbacks.
     *
     * @return false if the commit lock was taken (the writer must be woken instead)
     */
    private boolean commitOwn(CommitRequest.Append own) {
        if (!commitLock.tryLock()) {
            return false;
        }
        List<CommitRequest> abandoned = null;
        try {
            if (!queue.takeIfFirst(own)) {
                // The writer took it already (or the log failed): it says how it went.
                return true;
            }
            ownBatch.add(own);
            try {
                writer.commit(ownBatch);
            } catch (Throwable t) {
                abandoned = queue.fail(t, ownBatch);
                writer.durableSignal().wakeAll();
            } finally {
                ownBatch.clear();
            }
        } finally {
            // Nothing to wake: whoever queued behind own did not lead (the queue was not
            // empty), so it signalled the writer itself; the writer was not gathering, since it
            // gathers only while holding the commit lock.
            commitLock.unlock();
        }
        if (abandoned != null) {
            queue.completeFailed(abandoned);
        } else {
            own.complete();
            writer.durableSignal().publish();
        }
        return true;
    }

    /**
     * Queues a barrier: completes once everything queued before it is written (and synced if
     * {@code sync}). Every barrier is waited for, so it is refused on the writer thread.
     *
     * @param call the public method that waits for it, for {@link #checkMayBlock}'s message
     * @throws WalFailedException if the log failed
     * @throws WalClosedException if the log is closed
     */
    public CompletableFuture<Void> barrier(boolean sync, String call) throws IOException {
        checkMayBlock(call);
        return queue.barrier(sync);
    }

    /** The last sequence number handed out, or the last recovered one. */
    public long lastSequence() {
        return queue.lastSequence();
    }

    /** Every record up to this sequence is durable. */
    public long durableSequence() {
        return writer.durableSequence();
    }

    /**
     * The last record of the last batch written to the OS: durable once its fdatasync returned, not
     * before. Not what readers may read ({@link #readableMark()} is).
     */
    public long writtenSequence() {
        return writer.writtenSequence();
    }

    /**
     * What readers may read now: in {@link Durability#SYNC} the durable mark (never a record a power
     * cut could erase); in {@link Durability#BUFFERED}, whose appends are acknowledged before they
     * are written, the write mark (what the OS has: it survives a crash of this process, not a power
     * cut).
     */
    public WriteMark readableMark() {
        return config.durability() == Durability.SYNC ? writer.durableMark() : writer.mark();
    }

    /**
     * The durable mark (complete batches fdatasync'ed), in every durability mode: what tailers
     * follow, and {@link #durableSignal()} tells them when it moves.
     */
    WriteMark durableMark() {
        return writer.durableMark();
    }

    /** Published when the durable mark moves, and woken when the log fails. */
    MarkSignal durableSignal() {
        return writer.durableSignal();
    }

    /** Whether the calling thread is the writer thread. */
    boolean onWriterThread() {
        return Thread.currentThread() == thread;
    }

    /** The failure that stopped the log, or {@code null}. */
    public WalFailedException failure() {
        return queue.failure();
    }

    /** Counters and latency percentiles since open. */
    public WalStats stats(String ioLayer) {
        return writer.stats(ioLayer, failure() != null);
    }

    /** The writer thread: one batch at a time until the queue is closed and empty, or the log failed. */
    private void run() {
        while (queue.awaitRequest()) {
            List<CommitRequest> abandoned;
            commitLock.lock();
            try {
                abandoned = writeNextBatch();
            } finally {
                commitLock.unlock();
            }
            try {
                if (abandoned != null) {
                    queue.completeFailed(abandoned);
                    return;
                }
                complete(batch);
                // Tailers after the acknowledgements: the appenders go on first. One volatile read
                // when no tailer waits.
                writer.durableSignal().publish();
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Under the commit lock: takes (gathering, see the class comment), writes and syncs one batch
     * into {@link #batch}, whose futures the caller completes after releasing the lock. Returns what
     * the failure abandoned if the log failed, else null.
     */
    private List<CommitRequest> writeNextBatch() {
        boolean gathers = config.tuning().gatherBatches() && config.durability() == Durability.SYNC;
        queue.takeBatch(batch, gathers ? writer.lastBatchRecords() : 0,
                Math.min(writer.lastSyncNanos() / 8, MAX_GATHER_NANOS));
        if (batch.isEmpty()) {
            return null;
        }
        try {
            writer.commit(batch);
            return null;
        } catch (Throwable t) {
            List<CommitRequest> abandoned = queue.fail(t, batch);
            writer.durableSignal().wakeAll(); // tailers end once they delivered what is durable
            return abandoned;
        }
    }

    /**
     * Completes the futures of a batch the writer committed, in sequence order, outside the commit
     * lock: their callbacks run here.
     */
    private static void complete(List<CommitRequest> batch) {
        // Indexed: an iterator per batch is garbage on the append path.
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).complete();
        }
    }

    /**
     * Stops the log because an operation outside the writer (a checkpoint's commit) failed in a way
     * that leaves the durable state unknown until the next open. Pending appends fail.
     */
    public void fail(Throwable cause) {
        queue.completeFailed(queue.fail(cause, List.of()));
        writer.durableSignal().wakeAll();
    }

    /**
     * Stops accepting work, lets the writer finish everything queued, then makes it all durable and
     * writes a seal, so a later recovery knows every record in this log was acknowledged.
     *
     * @return where the log ends now, durably: for the clean-close mark
     * @throws WalFailedException if the log had failed (what was not durable then is lost), or the
     *     final sync or seal failed
     */
    CloseMark close() throws IOException {
        checkMayBlock("close");
        queue.close();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        // A self-committing appender that queued before closing may still be writing.
        commitLock.lock();
        try {
            WalFailedException failed = failure();
            if (failed != null) {
                // Nothing queued since the failure was written: say so, a BUFFERED caller must know.
                throw new WalFailedException("closed a failed log; records not yet durable when it failed are "
                        + "lost: " + failed.getMessage(), failed.getCause());
            }
            try {
                return writer.seal();
            } catch (IOException e) {
                throw new WalFailedException("closing " + config.dir() + " failed: " + e.getMessage(), e);
            }
        } finally {
            writer.closeFile();
            commitLock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
