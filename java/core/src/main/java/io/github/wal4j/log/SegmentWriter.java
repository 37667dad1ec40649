package io.github.wal4j.log;

import io.github.wal4j.Durability;
import io.github.wal4j.WalStats;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Writes batches to the log's active segment and makes them durable: frames a batch
 * ({@link BatchEncoder}), writes it with one positional write, fdatasyncs when the durability mode
 * or a barrier asks, rotates to a new segment when a batch does not fit, and seals the log when it
 * closes cleanly. It owns the {@link ActiveSegment}, the write and durable marks, and the commit
 * statistics.
 *
 * <p>Guarantees: every sync follows the writes it covers; the durable mark, the durable sequence and
 * the {@link io.github.wal4j.DurableWatermark} move only after a sync returned, and before
 * {@link #commit} returns, so a caller that acknowledges after {@code commit} never acknowledges
 * what a power cut could erase. A segment is left behind only synced, so an older segment never
 * holds unsynced data. A failed write, sync or segment creation throws and is never retried
 * (after a failed fsync the page cache may lie): the caller must fail the log.
 *
 * <p>Threads: not thread-safe; one caller at a time, which {@link GroupCommitter} ensures with its
 * commit lock (the writer thread, or a self-committing appender). {@link #mark()},
 * {@link #durableMark()}, {@link #durableSequence()}, {@link #writtenSequence()}, {@link #lastBatchRecords()} and
 * {@link #stats} may be read on any thread.
 */
final class SegmentWriter {
    /** Never committed: asked whether a recording enables {@link Events.Fsync} (a field read, no allocation). */
    private static final Events.Fsync FSYNC_EVENTS = new Events.Fsync();

    private final CommitConfig config;
    private final SegmentList segments;
    /** Bytes a record's seal adds; the same for every segment this writer creates or continues. */
    private final int sealOverhead;
    private final BatchEncoder encoder = new BatchEncoder();
    private final CommitStats stats = new CommitStats();
    private final boolean sealedAtOpen;
    private ActiveSegment active;
    private boolean appendedSinceOpen;
    private long unsyncedBytes;
    private int unsyncedRecords;
    /** The size of the last synced batch, and how long its sync took. */
    private volatile int lastBatchRecords;
    private long lastSyncNanos;
    /** The segment id the preparer was last asked for: asked once, not after every batch past half. */
    private long preparationAsked;
    private volatile long writtenSequence;
    private volatile long durableSequence;
    /** Complete batches handed to the OS. */
    private volatile WriteMark mark;
    /** Complete batches fdatasync'ed: {@link #mark} as it was when the last sync returned. */
    private volatile WriteMark durableMark;
    /**
     * What tailers wait on: published by the caller of {@link #commit} once it completed the batch's
     * futures ({@link GroupCommitter}), so that acknowledgements go out before tailers are woken.
     */
    private final MarkSignal durableSignal = new MarkSignal();

    /**
     * Continues {@code active}, whose valid data ends at its write offset, and which recovery left
     * durable up to there.
     *
     * @param segments the log's segments, which a rotation adds to
     * @param nextSequence the sequence number of the next record
     * @param sealedAtOpen whether the segment's last batch is a seal (nothing to seal again)
     */
    SegmentWriter(CommitConfig config, SegmentList segments, ActiveSegment active, long nextSequence,
            boolean sealedAtOpen) {
        this.config = config;
        this.segments = segments;
        this.active = active;
        this.sealOverhead = active.sealer.overhead();
        this.sealedAtOpen = sealedAtOpen;
        this.writtenSequence = nextSequence - 1;
        this.durableSequence = nextSequence - 1;
        this.mark = new WriteMark(active.header.segmentId(), active.writeOffset, nextSequence);
        // Recovery synced what it adopted: the log starts durable up to where it ends.
        this.durableMark = mark;
    }

    /** Bytes a record's seal adds to its framing, in every segment this writer writes. */
    int sealOverhead() {
        return sealOverhead;
    }

    /**
     * Writes the records of {@code batch} (consecutive sequence numbers, in order; a group's records
     * among them, all of them) as one batch, in one segment (rotating first if it does not fit), then
     * syncs if the mode is {@link Durability#SYNC} or a barrier in it asks for a sync, and counts the
     * batch. When this returns, every request in it may be acknowledged.
     *
     * @throws IOException if a write, sync or rotation failed: the log must fail
     */
    void commit(List<CommitRequest> batch) throws IOException {
        int count = 0;
        long recordsLength = 0;
        long payloadBytes = 0;
        long first = 0;
        long last = 0;
        boolean syncRequested = false;
        // Indexed loops here and below: an iterator per batch is garbage on the append path.
        for (int i = 0; i < batch.size(); i++) {
            CommitRequest request = batch.get(i);
            if (request instanceof CommitRequest.Append a) {
                if (count++ == 0) {
                    first = a.sequence();
                }
                last = a.sequence();
                recordsLength += a.framedSize();
                payloadBytes += a.payload().length;
            } else if (request instanceof CommitRequest.Group g) {
                // A group is part of this one batch, whole: its records are written and synced together.
                if (count == 0) {
                    first = g.first();
                }
                count += g.size();
                last = g.last();
                recordsLength += g.framedSize();
                for (byte[] payload : g.payloads()) {
                    payloadBytes += payload.length;
                }
            } else if (((CommitRequest.Barrier) request).sync()) {
                syncRequested = true;
            }
        }
        if (count > 0) {
            write(batch, count, first, last, (int) recordsLength);
        }
        boolean sync = syncRequested || (count > 0 && config.durability() == Durability.SYNC);
        if (sync && durableSequence < writtenSequence) {
            long started = System.nanoTime();
            sync();
            lastSyncNanos = System.nanoTime() - started;
            lastBatchRecords = count;
        }
        if (count > 0) {
            // Counted once the batch is as durable as its mode promises, never before, and by one
            // caller at a time: the recorders take one writer.
            stats.batch(count, payloadBytes);
            long now = System.nanoTime();
            for (int i = 0; i < batch.size(); i++) {
                CommitRequest request = batch.get(i);
                if (request instanceof CommitRequest.Append a) {
                    stats.acknowledged(now - a.enqueued(), 1);
                } else if (request instanceof CommitRequest.Group g) {
                    stats.acknowledged(now - g.enqueued(), g.size());
                }
            }
            prepareNextIfDue();
        }
    }

    /**
     * Once the active segment is half full, has the {@link SegmentPreparer} write the next one's
     * blocks (after this batch's sync, so a direct executor's work never delays a sync). Half: a
     * log that never fills half a segment (a short-lived one, most tests) prepares nothing, and the
     * other half leaves the preparation the time of half a segment's appends. Measured here
     * (docs/benchmarks.md, "Prepared segments"): zero-filling and syncing 64 MiB took 0.10-0.12 s
     * ({@code dd conv=fdatasync}); half a 64 MiB segment took about 4-5 s of 100-byte appends from 16
     * threads and about 0.13 s of 64 KiB ones, where some rotations still came first.
     */
    private void prepareNextIfDue() {
        SegmentPreparer preparer = config.preparer();
        long next = active.header.segmentId() + 1;
        if (preparer != null && next != preparationAsked && active.writeOffset > config.segmentSize() / 2) {
            preparationAsked = next;
            preparer.prepare(next);
        }
    }

    private void write(List<CommitRequest> batch, int count, long first, long last, int recordsLength)
            throws IOException {
        int alignment = active.header.alignment();
        if (active.writeOffset > alignment
                && active.writeOffset + BatchHeader.footprint(recordsLength, alignment) > config.segmentSize()) {
            rotate(first);
        }
        ByteBuffer b = encoder.batch(active, batch, count, first, recordsLength, durableSequence);
        long total = b.remaining();
        active.file.write(b, active.writeOffset);
        active.writeOffset += total;
        unsyncedBytes += total;
        unsyncedRecords += count;
        appendedSinceOpen = true;
        writtenSequence = last;
        mark = new WriteMark(active.header.segmentId(), active.writeOffset, last + 1);
    }

    /**
     * fdatasync of the active segment, timed and traced; everything written so far becomes durable,
     * and the durable watermark (if any) hears of it before anything it covers is acknowledged.
     */
    private void sync() throws IOException {
        // An event object only while a recording enables the event: one per batch is garbage.
        Events.Fsync event = FSYNC_EVENTS.isEnabled() ? new Events.Fsync() : null;
        if (event != null) {
            event.begin();
        }
        long started = System.nanoTime();
        active.file.sync();
        stats.fsync(System.nanoTime() - started);
        if (event != null) {
            event.end();
            if (event.shouldCommit()) {
                event.segment = active.path.getFileName().toString();
                event.records = unsyncedRecords;
                event.bytes = unsyncedBytes;
                event.commit();
            }
        }
        unsyncedBytes = 0;
        unsyncedRecords = 0;
        durableMark = mark;
        durableSequence = writtenSequence;
        if (config.watermark() != null) {
            config.watermark().durable(durableSequence);
        }
    }

    /** Syncs the active segment, then creates the next one (durable, header and directory entry) and continues there. */
    private void rotate(long firstSequence) throws IOException {
        if (durableSequence < writtenSequence) {
            sync();
        }
        Events.SegmentRotation event = new Events.SegmentRotation();
        event.begin();
        long id = active.header.segmentId() + 1;
        SegmentPreparer.Prepared prepared = config.preparer() == null ? null : config.preparer().take(id);
        ActiveSegment next = prepared != null
                ? ActiveSegment.createPrepared(config.storage(), config.dir(), config.keys(), id, firstSequence,
                        config.alignment(), config.directIo(), prepared.file(), prepared.recycled())
                : ActiveSegment.create(config.storage(), config.dir(), config.keys(), id, firstSequence,
                        config.alignment(), config.segmentSize(), config.directIo());
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
            event.prepared = prepared != null;
            event.recycled = prepared != null && prepared.recycled();
            event.commit();
        }
    }

    /**
     * Makes everything written durable and, unless the segment already ends in a seal that covers
     * it, writes a seal (a batch without records whose durable-through mark covers the whole log)
     * and syncs it, so a later recovery knows every record in this log was acknowledged. The file
     * stays open: {@link #closeFile()} closes it.
     *
     * @return where the log ends now, durably: for the clean-close mark
     * @throws IOException if a sync or the seal's write failed
     */
    CloseMark seal() throws IOException {
        if (durableSequence < writtenSequence) {
            sync();
        }
        if (appendedSinceOpen || !sealedAtOpen) {
            ByteBuffer b = encoder.seal(active, writtenSequence + 1, durableSequence);
            long total = b.remaining();
            active.file.write(b, active.writeOffset);
            active.writeOffset += total;
            active.file.sync();
        }
        return new CloseMark(writtenSequence, active.header.segmentId(), active.writeOffset);
    }

    /** Closes the active segment's file; nothing is written after. */
    void closeFile() throws IOException {
        active.file.close();
    }

    /** Every record up to this sequence is durable. */
    long durableSequence() {
        return durableSequence;
    }

    /** The last record of the last batch written (handed to the OS); at least {@link #durableSequence()}. */
    long writtenSequence() {
        return writtenSequence;
    }

    /** Complete batches handed to the OS. */
    WriteMark mark() {
        return mark;
    }

    /** Complete batches fdatasync'ed. */
    WriteMark durableMark() {
        return durableMark;
    }

    /** The signal of a moved {@link #durableMark()}, which the committer publishes after each commit. */
    MarkSignal durableSignal() {
        return durableSignal;
    }

    /** The number of records in the last batch that was synced (0 before the first). */
    int lastBatchRecords() {
        return lastBatchRecords;
    }

    /** How long the last sync of a batch took, in nanoseconds; read by the one caller of {@link #commit}. */
    long lastSyncNanos() {
        return lastSyncNanos;
    }

    /** Counters and latency percentiles since open. */
    WalStats stats(String ioLayer, boolean failed) {
        return stats.snapshot(ioLayer, failed);
    }
}
