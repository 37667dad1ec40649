package io.github.wal4j.log;

import io.github.wal4j.DurableWatermark;
import io.github.wal4j.Durability;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The single writer of the log. Appenders put records on a queue and get a future; one thread
 * drains the queue into a batch, writes it with one positional write, fdatasyncs once, and then
 * completes the batch's futures in sequence order. While it syncs, new appends queue up and form
 * the next batch, so the number of fdatasyncs per record falls as concurrency rises.
 *
 * <p>Guarantees: sequence numbers are assigned under the queue lock in the order records are
 * queued, which is the order they are written; no future completes before its record and all
 * earlier records are synced (in {@link Durability#SYNC}); after a failed write or sync nothing is
 * acknowledged again and every later call throws {@link WalFailedException}. No appender holds a
 * lock across an fsync.
 *
 * <p>Self-commit: a caller that blocks on its append anyway ({@link #append(byte[], boolean)} with
 * {@code callerWaits}) writes and syncs its own record on its own thread when it is alone: the queue
 * was empty, no batch is in progress and the last synced batch held one record. That saves the two
 * thread hand-offs (wake the writer, wake the appender) that otherwise cost a lone appender about
 * as much as its {@code pwrite}. Whoever writes, the writer thread or a self-committing caller,
 * holds {@link #commitLock}, so writes, syncs and the state below stay serial. It needs a storage
 * layer whose I/O an interrupt cannot break ({@link Storage#interruptSafe()}): an interrupted
 * {@code FileChannel} closes itself, which would fail the log for every appender.
 *
 * <p>Futures complete outside {@link #commitLock}, after the batch is written and synced, so a
 * callback attached to one (which runs on the completing thread: the writer thread, for every
 * future a caller can see) never finds the commit state half-updated. The writer thread must never
 * block on the log, since only it can complete what it would wait for: blocking calls from it are
 * refused ({@link #checkMayBlock}), and {@link #append(byte[], boolean) appendAsync} from it never
 * waits for queue room.
 *
 * <p>Two marks tell readers how far they may read: the write mark (complete batches handed to the
 * OS) and the durable mark (complete batches fdatasync'ed). {@link #readableMark()} gives the durable
 * one in {@link Durability#SYNC}: a reader never returns a record that a power cut could still erase.
 */
public final class GroupCommitter {
    private static final long MAX_QUEUED_BYTES = 64L << 20;

    /** What a reader may read: complete batches up to {@code offset} of segment {@code segmentId}. */
    public record WriteMark(long segmentId, long offset, long nextSequence) {
    }

    private record Pending(long sequence, byte[] payload, CompletableFuture<Long> future, long enqueued) {
    }

    private record Barrier(boolean sync, CompletableFuture<Void> future) {
    }

    private final Storage storage;
    private final Path dir;
    private final Durability durability;
    private final long segmentSize;
    private final int alignment;
    private final boolean directIo;
    private final int maxBatchBytes;
    private final SegmentList segments;
    private final SegmentKeys keys;
    private final DurableWatermark watermark;
    /** Bytes a record's seal adds; the same for every segment this writer creates or continues. */
    private final int sealOverhead;
    private final Checksums checksums = new Checksums();
    private final CommitStats stats = new CommitStats();
    private long unsyncedBytes;
    private int unsyncedRecords;
    private final ReentrantLock lock = new ReentrantLock();
    /** Held while writing, syncing or closing: by the writer thread or a self-committing appender. */
    private final ReentrantLock commitLock = new ReentrantLock();
    /** Whether lone blocking appenders commit their own records; off with {@code -Dwal4j.selfCommit=false}. */
    private final boolean selfCommit;
    private final Condition work = lock.newCondition();
    private final Condition room = lock.newCondition();
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private final Thread thread;
    private long queuedBytes;
    private int queuedRecords;
    /** Whether the writer may wait briefly for a batch to fill; see {@link #gather()}. */
    private final boolean gatherBatches = !"false".equals(System.getProperty("wal4j.groupCommitWait"));
    // Written under commitLock: the size and sync time of the last synced batch.
    private volatile int lastBatchRecords;
    private long lastSyncNanos;
    // Under lock: the writer is waiting in gather() for this many queued records (0: not gathering).
    private int gatherWanted;
    private long nextSequence;
    private boolean closing;
    private WalFailedException failure;

    // Under commitLock; the writer thread's own batch (a self-committer uses a list of its own).
    private final List<Object> batch = new ArrayList<>();
    private ActiveSegment active;
    /** Grown on demand (to a full batch plus one record), so a log of small appends keeps it small. */
    private ByteBuffer buffer = aligned(256 << 10);
    private boolean appendedSinceOpen;
    private final boolean sealedAtOpen;

    private volatile long writtenSequence;
    private volatile long durableSequence;
    /** Complete batches handed to the OS. */
    private volatile WriteMark mark;
    /** Complete batches fdatasync'ed: {@link #mark} as it was when the last sync returned. */
    private volatile WriteMark durableMark;

    /**
     * Starts the writer on {@code active}, whose valid data ends at its write offset.
     *
     * @param nextSequence the sequence number of the next record
     * @param sealedAtOpen whether the segment's last batch is a seal (nothing to seal again)
     */
    GroupCommitter(Storage storage, Path dir, Durability durability, long segmentSize, int alignment, boolean directIo, int maxBatchBytes, SegmentList segments, SegmentKeys keys,
            DurableWatermark watermark, ActiveSegment active, long nextSequence, boolean sealedAtOpen) {
        this.keys = keys;
        this.watermark = watermark;
        this.sealOverhead = active.sealer.overhead();
        this.alignment = alignment;
        this.maxBatchBytes = Math.min(maxBatchBytes, BatchHeader.TARGET_RECORDS_LENGTH);
        this.directIo = directIo;
        this.storage = storage;
        this.dir = dir;
        this.durability = durability;
        this.segmentSize = segmentSize;
        this.segments = segments;
        this.active = active;
        this.nextSequence = nextSequence;
        this.sealedAtOpen = sealedAtOpen;
        this.writtenSequence = nextSequence - 1;
        this.durableSequence = nextSequence - 1;
        this.mark = new WriteMark(active.header.segmentId(), active.writeOffset, nextSequence);
        // Recovery synced what it adopted: the log starts durable up to where it ends.
        this.durableMark = mark;
        this.selfCommit = durability == Durability.SYNC && storage.interruptSafe()
                && !"false".equals(System.getProperty("wal4j.selfCommit"));
        this.thread = new Thread(this::run, "wal4j-writer-" + dir.getFileName());
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues a record. The future completes with its sequence number once it is acknowledged. */
    public CompletableFuture<Long> append(byte[] payload) throws IOException {
        return append(payload, false);
    }

    /**
     * Queues a record. The future completes with its sequence number once it is acknowledged.
     *
     * @param callerWaits the caller blocks on the future right away, so when it is alone it may write
     *     and sync the record on its own thread (the future is then complete when this returns)
     */
    public CompletableFuture<Long> append(byte[] payload, boolean callerWaits) throws IOException {
        if (callerWaits) {
            checkMayBlock("append");
        }
        CompletableFuture<Long> future = new CompletableFuture<>();
        long framed = framedSize(payload.length);
        Pending pending;
        boolean lead;
        // Only the writer thread makes room, so it never waits for room itself: a callback that
        // appends from it is let through past the bound (its caller's chain bounds it).
        boolean mayWait = Thread.currentThread() != thread;
        lock.lock();
        try {
            checkUsable();
            while (mayWait && queuedBytes > MAX_QUEUED_BYTES && !closing && failure == null) {
                room.awaitUninterruptibly();
            }
            checkUsable();
            long sequence = nextSequence++;
            // In BUFFERED mode the call returns before the write, so the caller may reuse its array.
            byte[] bytes = durability == Durability.BUFFERED ? payload.clone() : payload;
            lead = callerWaits && selfCommit && queue.isEmpty() && lastBatchRecords <= 1;
            pending = new Pending(sequence, bytes, future, System.nanoTime());
            queue.add(pending);
            queuedBytes += framed;
            queuedRecords++;
            if (durability == Durability.BUFFERED) {
                // Acknowledged once queued, before the writer can see it (and fail it). Completing
                // under the lock runs no callback: nobody has the future yet.
                future.complete(sequence);
            }
            if (!lead && writerWants()) {
                work.signal();
            }
        } finally {
            lock.unlock();
        }
        if (lead && !commitOwn(pending)) {
            wakeWriter();
        }
        return future;
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
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException(call + "() was called on the wal4j writer thread of " + dir
                    + ", which runs the callbacks attached to appendAsync futures with non-async methods"
                    + " (thenAccept, whenComplete, ...). A blocking call of the log there would wait for the"
                    + " thread it blocks, so wal4j refuses it. Attach the callback with thenAcceptAsync,"
                    + " whenCompleteAsync, ... (it then runs on another thread), or call appendAsync instead"
                    + " of append there");
        }
    }

    /**
     * Whether an append should wake the writer: always, unless it is gathering a batch and the batch
     * is not complete yet. Waking it for every arrival would cost a context switch each, on the very
     * cores the arriving appenders need.
     */
    private boolean writerWants() {
        return gatherWanted == 0 || queuedRecords >= gatherWanted || queuedBytes >= maxBatchBytes;
    }

    private void wakeWriter() {
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
     * Self-commit: writes and syncs {@code own} on the caller's thread if nobody else is writing.
     * Only {@code own} is taken, even if others queued behind it meanwhile: their futures complete
     * on the writer thread, as {@link io.github.wal4j.WriteAheadLog} promises for callbacks.
     *
     * @return false if the commit lock was taken (the writer must be woken instead)
     */
    private boolean commitOwn(Pending own) {
        if (!commitLock.tryLock()) {
            return false;
        }
        List<Object> mine = new ArrayList<>(1);
        List<Object> abandoned = null;
        try {
            lock.lock();
            try {
                if (queue.peek() != own) {
                    // The writer took it already (or the log failed): its future says how it went.
                    return true;
                }
                queue.poll();
                queuedBytes -= framedSize(own.payload.length);
                queuedRecords--;
                room.signalAll();
            } finally {
                lock.unlock();
            }
            mine.add(own);
            try {
                process(mine);
            } catch (Throwable t) {
                abandoned = markFailed(t, mine);
            }
        } finally {
            // Nothing to wake: whoever queued behind own did not lead (the queue was not
            // empty), so it signalled the writer itself; the writer was not gathering, since it
            // gathers only while holding the commit lock.
            commitLock.unlock();
        }
        if (abandoned != null) {
            completeFailed(abandoned);
        } else {
            complete(mine);
        }
        return true;
    }

    /**
     * Queues a barrier: completes once everything queued before it is written (and synced if
     * {@code sync}). Every barrier is waited for, so it is refused on the writer thread.
     *
     * @param call the public method that waits for it, for {@link #checkMayBlock}'s message
     */
    public CompletableFuture<Void> barrier(boolean sync, String call) throws IOException {
        checkMayBlock(call);
        CompletableFuture<Void> future = new CompletableFuture<>();
        lock.lock();
        try {
            checkUsable();
            queue.add(new Barrier(sync, future));
            work.signal();
        } finally {
            lock.unlock();
        }
        return future;
    }

    /** The last sequence number handed out, or the last recovered one. */
    public long lastSequence() {
        lock.lock();
        try {
            return nextSequence - 1;
        } finally {
            lock.unlock();
        }
    }

    /** Every record up to this sequence is durable. */
    public long durableSequence() {
        return durableSequence;
    }

    /**
     * What readers may read now: in {@link Durability#SYNC} the durable mark (never a record a power
     * cut could erase); in {@link Durability#BUFFERED}, whose appends are acknowledged before they
     * are written, the write mark (what the OS has: it survives a crash of this process, not a power
     * cut).
     */
    public WriteMark readableMark() {
        return durability == Durability.SYNC ? durableMark : mark;
    }

    /** The failure that stopped the log, or {@code null}. */
    public WalFailedException failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    private void checkUsable() throws IOException {
        if (failure != null) {
            throw new WalFailedException(failure.getMessage(), failure.getCause());
        }
        if (closing) {
            throw new WalClosedException("write-ahead log " + dir + " is closed");
        }
    }

    private void run() {
        while (true) {
            lock.lock();
            try {
                while (queue.isEmpty() && !closing) {
                    work.awaitUninterruptibly();
                }
                if (queue.isEmpty()) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            List<Object> abandoned;
            commitLock.lock();
            try {
                abandoned = writeNextBatch();
            } finally {
                commitLock.unlock();
            }
            try {
                if (abandoned != null) {
                    completeFailed(abandoned);
                    return;
                }
                complete(batch);
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Under the commit lock: drains, writes and syncs one batch into {@link #batch}, whose futures
     * the caller completes after releasing the lock. Returns what the failure abandoned if the log
     * failed, else null.
     */
    private List<Object> writeNextBatch() {
        lock.lock();
        try {
            gather();
            long bytes = 0;
            while (!queue.isEmpty()) {
                if (queue.peek() instanceof Pending p) {
                    long framed = framedSize(p.payload.length);
                    if (bytes > 0 && bytes + framed > maxBatchBytes) {
                        break;
                    }
                    bytes += framed;
                    queuedRecords--;
                }
                batch.add(queue.poll());
            }
            queuedBytes -= bytes;
            room.signalAll();
        } finally {
            lock.unlock();
        }
        if (batch.isEmpty()) {
            return null;
        }
        try {
            process(batch);
            return null;
        } catch (Throwable t) {
            return markFailed(t, batch);
        }
    }

    /**
     * Group commit's gathering step, under the lock. When the last synced batch held k > 1 records,
     * the appenders it released are coming back one by one as their threads wake; writing the first
     * arrival at once would sync a batch of one or two and leave the rest for the next fdatasync.
     * So the writer waits until k records are queued (or the batch is full, a barrier or close
     * arrives), but never longer than an eighth of the last fdatasync (at most 200 us): a little
     * latency for batches as large as the concurrency. A single appender (k = 1) never waits, and
     * neither does BUFFERED mode (no fdatasync to share). Off with {@code -Dwal4j.groupCommitWait=false}.
     */
    private void gather() {
        int wanted = lastBatchRecords;
        if (!gatherBatches || durability != Durability.SYNC || wanted <= 1 || queue.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + Math.min(lastSyncNanos / 8, 200_000L);
        gatherWanted = wanted;
        try {
            while (queuedRecords < wanted && queuedRecords == queue.size() && !closing
                    && queuedBytes < maxBatchBytes) {
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

    private void process(List<Object> batch) throws IOException {
        int count = 0;
        long recordsLength = 0;
        long first = 0;
        long last = 0;
        boolean syncRequested = false;
        for (Object entry : batch) {
            if (entry instanceof Pending p) {
                if (count++ == 0) {
                    first = p.sequence;
                }
                last = p.sequence;
                recordsLength += framedSize(p.payload.length);
            } else if (((Barrier) entry).sync) {
                syncRequested = true;
            }
        }
        if (count > 0) {
            writeBatch(batch, count, first, last, (int) recordsLength);
        }
        boolean sync = syncRequested || (count > 0 && durability == Durability.SYNC);
        if (sync && durableSequence < writtenSequence) {
            long started = System.nanoTime();
            syncActive();
            lastSyncNanos = System.nanoTime() - started;
            lastBatchRecords = count;
        }
        if (count > 0) {
            // Counted once the batch is as durable as its mode promises, never before, and under
            // the commit lock: the recorders take one writer at a time.
            stats.batch(count, recordsLength - (long) count * (RecordFormat.OVERHEAD + sealOverhead));
            long now = System.nanoTime();
            for (Object entry : batch) {
                if (entry instanceof Pending p) {
                    stats.acknowledged(now - p.enqueued);
                }
            }
        }
    }

    /**
     * Completes the futures of a batch {@link #process} wrote, in sequence order, outside the commit
     * lock: their callbacks run here.
     */
    private static void complete(List<Object> batch) {
        for (Object entry : batch) {
            if (entry instanceof Pending p) {
                p.future.complete(p.sequence);
            } else {
                ((Barrier) entry).future.complete(null);
            }
        }
    }

    private long framedSize(int payloadLength) {
        return RecordFormat.framedSize(payloadLength) + sealOverhead;
    }

    /**
     * fdatasync of the active segment, timed and traced; everything written so far becomes durable,
     * and the durable watermark (if any) hears of it before anything it covers is acknowledged.
     */
    private void syncActive() throws IOException {
        Events.Fsync event = new Events.Fsync();
        event.begin();
        long started = System.nanoTime();
        active.file.sync();
        stats.fsync(System.nanoTime() - started);
        event.end();
        if (event.shouldCommit()) {
            event.segment = active.path.getFileName().toString();
            event.records = unsyncedRecords;
            event.bytes = unsyncedBytes;
            event.commit();
        }
        unsyncedBytes = 0;
        unsyncedRecords = 0;
        durableMark = mark;
        durableSequence = writtenSequence;
        if (watermark != null) {
            watermark.durable(durableSequence);
        }
    }

    /** Counters and latency percentiles since open. */
    public io.github.wal4j.WalStats stats(String ioLayer) {
        return stats.snapshot(ioLayer, failure() != null);
    }

    private void writeBatch(List<Object> batch, int count, long first, long last, int recordsLength)
            throws IOException {
        int alignment = active.header.alignment();
        long total = BatchHeader.footprint(recordsLength, alignment);
        if (active.writeOffset > alignment && active.writeOffset + total > segmentSize) {
            rotate(first);
            alignment = active.header.alignment();
            total = BatchHeader.footprint(recordsLength, alignment);
        }
        ByteBuffer b = bufferFor((int) total);
        long salt = active.header.salt();
        b.position(BatchHeader.SIZE);
        for (Object entry : batch) {
            if (entry instanceof Pending p) {
                RecordFormat.encode(b, salt, p.sequence, p.payload, active.sealer, checksums);
            }
        }
        new BatchHeader(count, first, durableSequence, recordsLength, 0)
                .complete(b, (int) total, salt, active.writeOffset, checksums);
        active.file.write(b.flip(), active.writeOffset);
        active.writeOffset += total;
        unsyncedBytes += total;
        unsyncedRecords += count;
        appendedSinceOpen = true;
        writtenSequence = last;
        mark = new WriteMark(active.header.segmentId(), active.writeOffset, last + 1);
    }

    private ByteBuffer bufferFor(int size) {
        if (buffer.capacity() < size) {
            // Doubling: batches grow with concurrency, and each direct buffer dropped waits for a GC.
            buffer = aligned(Math.max(size, Math.min(2 * buffer.capacity(), BatchHeader.TARGET_RECORDS_LENGTH + (64 << 10))));
        }
        return buffer.clear().limit(size);
    }

    /** A direct buffer at a 4 KiB-aligned address, so direct I/O can take it without a copy. */
    private static ByteBuffer aligned(int size) {
        // alignedSlice rounds both ends inward, so ask for whole pages plus one page of slack.
        int pages = (int) (Alignment.up(size, 4096));
        ByteBuffer b = ByteBuffer.allocateDirect(pages + 4096).alignedSlice(4096);
        if (b.capacity() < size) {
            throw new IllegalStateException("aligned buffer of " + b.capacity() + " bytes for " + size);
        }
        return b;
    }

    /** Closes the active segment (synced first: an older segment never holds unsynced data) and starts the next. */
    private void rotate(long firstSequence) throws IOException {
        if (durableSequence < writtenSequence) {
            syncActive();
        }
        Events.SegmentRotation event = new Events.SegmentRotation();
        event.begin();
        ActiveSegment next = ActiveSegment.create(storage, dir, keys, active.header.segmentId() + 1, firstSequence,
                alignment, segmentSize, directIo);
        segments.add(new SegmentList.Entry(next.header.segmentId(), next.path, firstSequence));
        ActiveSegment old = active;
        active = next;
        mark = new WriteMark(next.header.segmentId(), next.writeOffset, firstSequence);
        // Everything before firstSequence was synced above, and the new header at its creation.
        durableMark = mark;
        old.file.close();
        event.end();
        if (event.shouldCommit()) {
            event.segment = next.path.getFileName().toString();
            event.firstSequence = firstSequence;
            event.commit();
        }
    }

    /**
     * Stops the log because an operation outside the writer (a checkpoint's commit) failed in a way
     * that leaves the durable state unknown until the next open. Pending appends fail.
     */
    public void fail(Throwable cause) {
        completeFailed(markFailed(cause, List.of()));
    }

    /**
     * Makes the failure sticky at once (the caller may hold the commit lock, so that nobody writes
     * after a failed write or sync) and takes every queued entry off the queue; returns them with
     * {@code batch}, for {@link #completeFailed} to fail outside the lock.
     */
    private List<Object> markFailed(Throwable cause, List<Object> batch) {
        WalFailedException failed = new WalFailedException("write-ahead log " + dir + " failed and accepts nothing "
                + "until it is reopened: " + cause.getMessage(), cause);
        List<Object> abandoned = new ArrayList<>(batch);
        lock.lock();
        try {
            failure = failed;
            abandoned.addAll(queue);
            queue.clear();
            queuedBytes = 0;
            queuedRecords = 0;
            room.signalAll();
        } finally {
            lock.unlock();
        }
        return abandoned;
    }

    /** Fails the futures {@link #markFailed} took, with the log's failure. */
    private void completeFailed(List<Object> abandoned) {
        WalFailedException failed = failure();
        for (Object entry : abandoned) {
            if (entry instanceof Pending p) {
                p.future.completeExceptionally(failed);
            } else {
                ((Barrier) entry).future.completeExceptionally(failed);
            }
        }
    }

    /**
     * Stops accepting work, lets the writer finish everything queued, then makes it all durable and
     * writes a seal (a batch without records whose durable-through mark covers the whole log), so a
     * later recovery knows every record in this log was acknowledged.
     *
     * @return where the log ends now, durably: for the clean-close mark
     */
    CloseMark close() throws IOException {
        checkMayBlock("close");
        lock.lock();
        try {
            closing = true;
            work.signal();
        } finally {
            lock.unlock();
        }
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
                if (durableSequence < writtenSequence) {
                    syncActive();
                }
                if (appendedSinceOpen || !sealedAtOpen) {
                    writeSeal();
                    active.file.sync();
                }
            } catch (IOException e) {
                throw new WalFailedException("closing " + dir + " failed: " + e.getMessage(), e);
            }
            return new CloseMark(writtenSequence, active.header.segmentId(), active.writeOffset);
        } finally {
            active.file.close();
            commitLock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeSeal() throws IOException {
        int alignment = active.header.alignment();
        ByteBuffer b = bufferFor(alignment).position(BatchHeader.SIZE);
        BatchHeader.seal(writtenSequence + 1, durableSequence)
                .complete(b, alignment, active.header.salt(), active.writeOffset, checksums);
        active.file.write(b.flip(), active.writeOffset);
        active.writeOffset += alignment;
    }
}
