package io.github.wal4j.log;

import io.github.wal4j.Durability;
import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.RecoveryReport;
import io.github.wal4j.SnapshotWriter;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.WalSequenceAheadException;
import io.github.wal4j.WalSnapshot;
import io.github.wal4j.WalSubscription;
import io.github.wal4j.WalTailer;
import io.github.wal4j.WalTruncatedException;
import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * An open log: its {@link LogDirectory} (locked while open), its {@link Checkpointer}, the segment
 * list and the writer ({@link GroupCommitter}). The public {@code WriteAheadLog} is a facade over
 * it: appends, flush and fsync go through it to the writer ({@link #append}, {@link #barrier}),
 * reads to {@link #reader}, checkpoints to {@link #checkpoint}. Thread-safe; a checkpoint and close are serialized with each other.
 */
public final class LogEngine {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j");

    private final LogDirectory directory;
    private final LogConfig options;
    private final Storage storage;
    private final SegmentList segments;
    private final GroupCommitter committer;
    /** Writes the next segment's blocks ahead of rotation; null when switched off. */
    private final SegmentPreparer preparer;
    private final Checkpointer checkpointer;
    private final TailRegistry tails;
    private final RecoveryReport report;
    /** Held by a checkpoint and by close, so that neither runs beside the other. */
    private final Object lifecycleLock = new Object();
    private volatile boolean closed;
    private final boolean directIo;
    private final SegmentKeys keys;
    /** The clean-close mark recovery found (null if none): close writes a new one only if it differs. */
    private final CloseMark closeMarkAtOpen;

    private LogEngine(LogDirectory directory, LogConfig options, CheckpointStore checkpoints, Checkpoint checkpoint,
            Recovery.Result recovered, int alignment, boolean directIo, SegmentKeys keys) {
        Path dir = directory.path();
        Storage storage = directory.storage();
        this.directory = directory;
        this.directIo = directIo;
        this.options = options;
        this.storage = storage;
        this.segments = recovered.segments();
        this.report = recovered.report();
        this.keys = keys;
        this.closeMarkAtOpen = recovered.closeMark();
        CommitConfig commit = new CommitConfig(storage, dir, keys, options.durability(), options.segmentSize(),
                alignment, directIo, options.maxBatchBytes(), options.durableWatermark(),
                CommitTuning.fromSystemProperties(), options.inFlightLimit(), preparer(options, storage, dir));
        this.preparer = commit.preparer();
        this.committer = new GroupCommitter(commit, segments, recovered.active(), recovered.nextSequence(),
                recovered.sealed());
        this.tails = new TailRegistry(new TailRegistry.Log() {
            @Override
            public WriteMark durableMark() {
                return committer.durableMark();
            }

            @Override
            public WalFailedException failure() {
                return committer.failure();
            }

            @Override
            public long checkpointSequence() {
                return checkpointer.inForce().upToSequence();
            }

            @Override
            public void checkMayBlock(String call) {
                committer.checkMayBlock(call);
            }

            @Override
            public void releaseHeld() {
                if (!committer.onWriterThread()) {
                    deleteReleasedSegments();
                }
            }
        }, committer.durableSignal(), storage, segments, options.maxRecordSize(), keys, dir);
        this.checkpointer = new Checkpointer(directory, checkpoints, checkpoint, segments, new Checkpointer.Writer() {
            @Override
            public long lastSequence() {
                return committer.lastSequence();
            }

            @Override
            public void syncAll() throws IOException {
                Futures.await(committer.barrier(true, "checkpoint"));
            }

            @Override
            public void fail(Throwable cause) {
                committer.fail(cause);
            }
        }, tails::heldFrom, options.segmentRecycling() ? preparer : null);
        committer.start();
    }

    /**
     * Prepares and locks the directory ({@link LogDirectory#open}), completes any interrupted
     * checkpoint and runs recovery, lending every record after the checkpoint to {@code replay} (if
     * not null) during its scan. On any failure the lock is released again.
     */
    public static LogEngine open(Path dir, LogConfig options, Storage layer, PayloadVisitor replay)
            throws IOException {
        LogDirectory directory = LogDirectory.open(dir, options, layer);
        Path abs = directory.path();
        Storage storage = directory.storage();
        try {
            SegmentKeys keys = new SegmentKeys(options.protection(), options.keys(), options.maxRecordSize());
            CheckpointStore checkpoints = new CheckpointStore(storage, abs, keys);
            Checkpointer.AtOpen found = Checkpointer.inForceAtOpen(directory, checkpoints, keys);
            Checkpoint checkpoint = found.checkpoint();
            Events.Recovery event = new Events.Recovery();
            event.begin();
            int directAlignment = directory.directIoAlignment(options.directIo());
            boolean directIo = directAlignment > 0;
            int alignment = batchAlignment(storage, abs, directAlignment);
            long anchored = options.durableWatermark() == null ? 0 : options.durableWatermark().lastDurable();
            Recovery.Result recovered = new Recovery(storage, abs, options.maxRecordSize(), options.recoveryMode(),
                    keys, anchored).run(checkpoint, alignment, options.segmentSize(), directIo, replay);
            recovered = withFindingsFirst(recovered, Checkpointer.completeAtOpen(directory, found));
            RecoveryReport report = recovered.report();
            event.end();
            if (event.shouldCommit()) {
                event.directory = abs.toString();
                event.summary = report.summary();
                event.bytesCut = report.bytesCut();
                event.nextSequence = report.nextSequence();
                event.commit();
            }
            LOG.log(report.clean() ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                    () -> report.summary() + " [" + abs + ", " + storage.name() + " I/O]");
            LogEngine engine = new LogEngine(directory, options, checkpoints, checkpoint, recovered, alignment,
                    directIo, keys);
            // A segment recovery started (a protected log starts one at every open) may leave the
            // one before it covered by the checkpoint: deleted as a checkpoint deletes them.
            engine.checkpointer.deleteCovered(checkpoint.upToSequence());
            return engine;
        } catch (IOException | RuntimeException | Error e) {
            directory.close();
            throw e;
        }
    }

    /**
     * The preparer of the next segment ({@link SegmentPreparer}), or null when the options switch
     * preparation off. The first segment of a log is never prepared: it is created at open, the
     * old way, so opening a new log writes no zeros in the foreground.
     */
    private static SegmentPreparer preparer(LogConfig options, Storage storage, Path dir) {
        return options.segmentPreparation() || options.segmentRecycling()
                ? new SegmentPreparer(storage, dir, options.segmentSize(), SegmentPreparer.chunkFor(options.segmentSize()),
                        options.segmentPreparation(), options.segmentRecycling())
                : null;
    }

    /** {@code recovered} with {@code findings} before its own in the report. */
    private static Recovery.Result withFindingsFirst(Recovery.Result recovered, List<RecoveryReport.Finding> findings) {
        if (findings.isEmpty()) {
            return recovered;
        }
        RecoveryReport r = recovered.report();
        List<RecoveryReport.Finding> all = new ArrayList<>(findings);
        all.addAll(r.findings());
        return new Recovery.Result(recovered.segments(), recovered.active(), recovered.nextSequence(),
                recovered.sealed(), new RecoveryReport(List.copyOf(all), r.checkpointSequence(),
                        r.nextSequence(), r.bytesCut(), r.millis()), recovered.closeMark());
    }

    /**
     * The alignment of batches in new segments in {@code dir}: whole blocks of the unit the device
     * tears in (at least 4 KiB, {@link Alignment#forBlockSize}), so that no later write ever
     * rewrites a block holding acknowledged data; with direct I/O, also a multiple of its block.
     *
     * @param directAlignment the direct-I/O block ({@link LogDirectory#directIoAlignment}), 0 for
     *     buffered writes
     */
    public static int batchAlignment(Storage storage, Path dir, int directAlignment) throws IOException {
        return Math.max(directAlignment, Alignment.forBlockSize(storage.blockSize(dir)));
    }

    /** Whether this log writes its segments with direct I/O. */
    public boolean directIo() {
        return directIo;
    }

    /** The settings the log was opened with. */
    public LogConfig config() {
        return options;
    }

    /**
     * Appends a record through the single writer and waits until it is acknowledged
     * ({@link GroupCommitter#append(byte[])}); refused on the writer thread.
     *
     * @return its sequence number
     */
    public long append(byte[] payload) throws IOException {
        return committer.append(payload);
    }

    /**
     * Queues a record for the single writer ({@link GroupCommitter#appendAsync(byte[])}): the
     * future completes with its sequence number once the record is acknowledged.
     */
    public CompletableFuture<Long> appendAsync(byte[] payload) throws IOException {
        return committer.appendAsync(payload);
    }

    /**
     * Queues records as one atomic group ({@link GroupCommitter#appendAll}): the future completes with
     * the last one's sequence once all of them are acknowledged together.
     */
    public CompletableFuture<Long> appendAll(List<byte[]> payloads, boolean callerWaits) throws IOException {
        return committer.appendAll(payloads, callerWaits);
    }

    /**
     * A barrier behind everything queued so far ({@link GroupCommitter#barrier}): complete once it is
     * written, and synced if {@code sync}; refused on the writer thread.
     */
    public CompletableFuture<Void> barrier(boolean sync, String call) throws IOException {
        return committer.barrier(sync, call);
    }

    /** Refuses a blocking call on the writer thread ({@link GroupCommitter#checkMayBlock}). */
    public void checkMayBlock(String call) {
        committer.checkMayBlock(call);
    }

    /** The last sequence number handed out, or the last recovered one. */
    public long lastSequence() {
        return committer.lastSequence();
    }

    /** Every record up to this sequence is durable. */
    public long durableSequence() {
        return committer.durableSequence();
    }

    /** The last record of the last batch written, durable or not ({@link GroupCommitter#writtenSequence}). */
    public long writtenSequence() {
        return committer.writtenSequence();
    }

    /** The file layer every file operation of this log goes through. */
    public Storage storage() {
        return storage;
    }

    /** The real path of the log's directory. */
    public Path directory() {
        return directory.path();
    }

    /** What recovery found and did at open. */
    public RecoveryReport report() {
        return report;
    }

    /** The checkpoint in force ({@link Checkpoint#NONE} if none). */
    public Checkpoint checkpoint() {
        return checkpointer.inForce();
    }

    /** The last sequence the checkpoint in force covers (0: none). */
    public long checkpointSequence() {
        return checkpointer.inForce().upToSequence();
    }

    /** The snapshot the checkpoint in force names, as the API describes it; empty if it names none. */
    public Optional<WalSnapshot> snapshot() {
        Checkpoint inForce = checkpointer.inForce();
        return inForce.snapshot() == null ? Optional.empty() : Optional.of(new WalSnapshot(inForce.snapshot(),
                inForce.upToSequence(), inForce.snapshotLength(), inForce.snapshotCrc()));
    }

    /**
     * @throws WalClosedException if the log is closed
     * @throws WalFailedException if a write, fsync or checkpoint commit failed (sticky)
     */
    public void ensureOpen() throws IOException {
        if (closed) {
            throw new WalClosedException("write-ahead log " + directory.path() + " is closed");
        }
        WalException failed = committer.failure();
        if (failed != null) {
            throw new WalFailedException(failed.getMessage(), failed.getCause());
        }
    }

    /**
     * A reader from {@code fromSequence}, but never before the checkpoint, up to the readable mark
     * ({@link GroupCommitter#readableMark()}): in SYNC mode only durable records.
     *
     * @param call the public method, for the writer-thread refusal's message
     */
    public LogReader reader(long fromSequence, String call) throws IOException {
        committer.checkMayBlock(call);
        ensureOpen();
        // Everything appended before this call is made readable first, so a reader sees it: in SYNC
        // mode durable (a record reaches the durable mark only once synced, and the barrier waits for
        // the sync its batch gets anyway), in BUFFERED mode written (an acknowledged record may still
        // sit in the queue).
        Futures.await(committer.barrier(options.durability() == Durability.SYNC, call));
        WriteMark mark = committer.readableMark();
        return new LogReader(storage, segments, segments.snapshot(), mark,
                Math.max(fromSequence, checkpointer.inForce().upToSequence() + 1), options.maxRecordSize(), keys);
    }

    /**
     * A tailer from {@code fromSequence} ({@link TailRegistry#tail}), following the durable mark.
     * Checked and registered under the lifecycle lock, so that no checkpoint deletes its first
     * segment between the check and the registration.
     *
     * @param holds whether checkpoints keep the segments it still has to read
     * @param spinNanos how long it tests the durable mark before it parks, when it caught up
     * @param delayNanos its maximum delivery delay: above zero commits do not wake it
     * @throws WalTruncatedException if {@code fromSequence} is at or below the checkpoint in force
     * @throws WalSequenceAheadException if it is past the sequence the next append gets
     */
    public WalTailer tail(long fromSequence, boolean holds, long spinNanos, long delayNanos) throws IOException {
        committer.checkMayBlock("tail");
        synchronized (lifecycleLock) {
            checkTailStart(fromSequence);
            return tails.tail(fromSequence, holds, spinNanos, delayNanos);
        }
    }

    /**
     * A subscription from {@code fromSequence} ({@link TailRegistry#subscribe}), checked as
     * {@link #tail}; {@code visitor} runs in tasks on {@code executor}, up to {@code perTask}
     * records each, a durable record waiting up to {@code delayNanos} for its task.
     */
    public WalSubscription subscribe(long fromSequence, boolean holds, int perTask, long delayNanos,
            Executor executor, PayloadVisitor visitor) throws IOException {
        committer.checkMayBlock("subscribe");
        synchronized (lifecycleLock) {
            checkTailStart(fromSequence);
            return tails.subscribe(fromSequence, holds, perTask, delayNanos, executor, visitor);
        }
    }

    private void checkTailStart(long fromSequence) throws IOException {
        ensureOpen();
        long start = checkpointer.inForce().upToSequence() + 1;
        if (fromSequence < start) {
            throw new WalTruncatedException(fromSequence, start);
        }
        long next = committer.lastSequence() + 1;
        if (fromSequence > next) {
            throw new WalSequenceAheadException(fromSequence, next);
        }
    }

    /** Deletes the covered segments that a holding tailer kept and no longer needs. */
    private void deleteReleasedSegments() {
        synchronized (lifecycleLock) {
            if (!closed) {
                checkpointer.deleteCovered(checkpointer.inForce().upToSequence());
            }
        }
    }

    /**
     * Makes the checkpoint at {@code upTo} durable, with a snapshot if {@code snapshotPath} is given,
     * then deletes the segments it covers ({@link Checkpointer#checkpoint}). Serialized with other
     * checkpoints and close.
     */
    public void checkpoint(long upTo, Path snapshotPath, SnapshotWriter writer) throws IOException {
        committer.checkMayBlock("checkpoint");
        synchronized (lifecycleLock) {
            ensureOpen();
            checkpointer.checkpoint(upTo, snapshotPath, writer);
        }
    }

    /** Counters and latency percentiles since open. */
    public io.github.wal4j.WalStats stats() {
        return committer.stats(storage.name());
    }

    /**
     * Drains the writer, seals and syncs the newest segment, writes the clean-close mark if it
     * changed, and releases the lock (in every case). Idempotent; serialized with checkpoints.
     *
     * @throws WalException if the clean-close mark could not be written: every record is durable
     *     and sealed by then
     */
    public void close() throws IOException {
        committer.checkMayBlock("close");
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                CloseMark mark = committer.close();
                if (!mark.equals(closeMarkAtOpen)) {
                    try {
                        new CloseMarkStore(storage, directory.path()).write(mark);
                    } catch (IOException e) {
                        throw new WalException("closing " + directory.path() + ": every record is durable and sealed, but the"
                                + " clean-close mark (" + LogFiles.CLOSE_MARK + ") could not be written, so a later"
                                + " truncation of the newest segment may go unnoticed: " + e.getMessage(), e);
                    }
                }
            } finally {
                tails.closeAll();
                try {
                    if (preparer != null) {
                        // The writer has stopped: no rotation can take the file any more.
                        preparer.close();
                    }
                } finally {
                    directory.close();
                }
            }
        }
    }
}
