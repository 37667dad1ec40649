package io.github.wal4j.log;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.spi.Storage;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The tailers of an open log: creates them ({@link #tail}, {@link #subscribe}), tells a checkpoint
 * which segments they still hold ({@link #heldFrom()}), and ends them all when the log closes
 * ({@link #closeAll}). With no tailer it costs nothing: the writer's only part in tailing is
 * {@link MarkSignal#publish()}, one volatile read while nobody waits (or only coalesced waiters).
 *
 * <p>Thread-safe. The engine creates tailers and closes the registry under its lifecycle lock, so
 * neither runs beside a checkpoint's choice of what to delete.
 */
final class TailRegistry {

    /** What tailers need of their log. */
    interface Log {
        /** Complete batches fdatasync'ed: a tailer never reads past it. */
        WriteMark durableMark();

        /** The failure that stopped the log, or null. */
        WalFailedException failure();

        /** The last sequence the checkpoint in force covers (0: none). */
        long checkpointSequence();

        /** Refuses a call that waits for the writer on the writer thread. */
        void checkMayBlock(String call);

        /**
         * Deletes the segments the checkpoint in force covers that no tailer holds any more (a
         * holding tailer moved on or closed). Never blocks the writer thread: there it does nothing,
         * and the next checkpoint or open deletes them.
         */
        void releaseHeld();
    }

    private final Log log;
    private final MarkSignal signal;
    private final Storage storage;
    private final SegmentList segments;
    private final int maxRecordSize;
    private final SegmentKeys keys;
    private final Path directory;
    private final Set<LogTailer> tailers = ConcurrentHashMap.newKeySet();
    private TailDispatcher dispatcher;
    private boolean closed;

    TailRegistry(Log log, MarkSignal signal, Storage storage, SegmentList segments, int maxRecordSize,
            SegmentKeys keys, Path directory) {
        this.log = log;
        this.signal = signal;
        this.storage = storage;
        this.segments = segments;
        this.maxRecordSize = maxRecordSize;
        this.keys = keys;
        this.directory = directory;
    }

    /**
     * A blocking tailer from {@code fromSequence}, which the caller checked against the log's ends,
     * spinning up to {@code spinNanos} on the durable mark before it parks, and with a delay
     * {@code delayNanos} above zero parking where commits do not wake it, for at most that long.
     */
    synchronized LogTailer tail(long fromSequence, boolean holds, long spinNanos, long delayNanos)
            throws WalClosedException {
        checkOpen();
        LogTailer tailer = new LogTailer(this, log, signal,
                new SegmentFollower(storage, segments, fromSequence, maxRecordSize, keys), fromSequence, holds,
                spinNanos, delayNanos);
        tailers.add(tailer);
        return tailer;
    }

    /**
     * A subscription from {@code fromSequence}, its first task submitted; with {@code delayNanos}
     * above zero the dispatcher may look for its records that late (see {@link TailDispatcher}).
     */
    TailSubscription subscribe(long fromSequence, boolean holds, int perTask, long delayNanos, Executor executor,
            PayloadVisitor visitor) throws WalClosedException {
        TailSubscription subscription;
        synchronized (this) {
            LogTailer tailer = tail(fromSequence, holds, 0, delayNanos);
            if (dispatcher == null) {
                dispatcher = new TailDispatcher(log, signal, String.valueOf(directory.getFileName()));
            }
            subscription = new TailSubscription(tailer, executor, visitor, perTask, dispatcher);
        }
        subscription.schedule();
        return subscription;
    }

    private void checkOpen() throws WalClosedException {
        if (closed) {
            throw new WalClosedException("write-ahead log " + directory + " is closed");
        }
    }

    /** A tailer ended: it no longer holds segments or needs ending at close. */
    void removed(LogTailer tailer) {
        tailers.remove(tailer);
    }

    /**
     * The lowest position of a tailer that holds segments ({@link io.github.wal4j.TailOptions.Checkpoints#HOLD_SEGMENTS}),
     * or {@link Long#MAX_VALUE} if none: a checkpoint deletes no segment holding a record from there on.
     */
    long heldFrom() {
        long lowest = Long.MAX_VALUE;
        for (LogTailer t : tailers) {
            if (t.holds() && !t.isEnded()) {
                lowest = Math.min(lowest, t.nextSequence());
            }
        }
        return lowest;
    }

    /**
     * Ends every tailer and subscription with {@link WalClosedException} (the log closed) and stops
     * the dispatcher; later {@link #tail} calls are refused.
     */
    void closeAll() {
        TailDispatcher stopping;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = dispatcher;
        }
        String message = "the write-ahead log " + directory + " was closed";
        // A subscription hears of its tailer's end (LogTailer#onEnd) and ends with it.
        for (LogTailer t : tailers) {
            t.end(new WalClosedException(message));
        }
        if (stopping != null) {
            stopping.stop();
        }
    }
}
