package io.github.wal4j.log;

import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WalTailer;
import io.github.wal4j.WalTruncatedException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One tailer of an open log (the contract is {@link WalTailer}'s): a {@link SegmentFollower} that
 * reads up to the durable mark, and waits on the log's {@link MarkSignal} when it caught up (in its
 * coalesced queue, which commits never wake, when it has a maximum delivery delay).
 *
 * <p>The rules it keeps: it reads only up to {@link TailRegistry.Log#durableMark()}, in every
 * durability mode; without {@code holds} it checks its position against the checkpoint in force
 * before handing out each record, and ends with {@link WalTruncatedException} if the checkpoint
 * covers the position (also when a checkpoint deleted the segments from there on, so that the
 * record found lies further on: the checkpoint is in force before its segments go); with {@code holds} it is counted in {@link TailRegistry#heldFrom()}, so no segment
 * holding its next record is deleted, and it asks for the deletion of what it left behind when it
 * moves to the next segment or closes.
 *
 * <p>Threads: the reading calls hold {@link #reading}; {@link #close()} and {@link #end} only set
 * the reason, wake the signal, and close the file if the reading lock is free (else the reader
 * closes it as its call returns), so they never block.
 */
final class LogTailer implements WalTailer {
    private final TailRegistry registry;
    private final TailRegistry.Log log;
    private final MarkSignal signal;
    private final boolean holds;
    /** How long {@link #await} tests the durable mark on this thread before it parks on the signal. */
    private final long spinNanos;
    /**
     * Above zero: it waits on the signal's coalesced queue, which commits never wake, looking at the
     * durable mark at least this often; zero: a commit that moves the mark wakes it.
     */
    private final long delayNanos;
    private final SegmentFollower follower;
    private final ReentrantLock reading = new ReentrantLock();
    private volatile long nextSequence;
    private volatile long lastSequence;
    /** Why this tailer ended, or null while it runs. */
    private volatile IOException ended;
    /** Told once why the tailer ended (a subscription ends with its tailer); set before it is shared. */
    private volatile Consumer<IOException> onEnd = reason -> { };
    /** Under {@link #reading}: whether the follower's file was closed. */
    private boolean released;

    LogTailer(TailRegistry registry, TailRegistry.Log log, MarkSignal signal, SegmentFollower follower,
            long fromSequence, boolean holds, long spinNanos, long delayNanos) {
        this.registry = registry;
        this.spinNanos = spinNanos;
        this.delayNanos = delayNanos;
        this.log = log;
        this.signal = signal;
        this.follower = follower;
        this.holds = holds;
        this.nextSequence = fromSequence;
        this.lastSequence = fromSequence - 1;
    }

    @Override
    public WalRecord next(Duration timeout) throws IOException {
        long nanos = nanos(timeout);
        reading.lock();
        try {
            return await(nanos, "WalTailer.next") ? new WalRecord(follower.sequence(), follower.copy()) : null;
        } finally {
            afterCall();
        }
    }

    @Override
    public ByteBuffer nextView(Duration timeout) throws IOException {
        long nanos = nanos(timeout);
        reading.lock();
        try {
            return await(nanos, "WalTailer.nextView") ? follower.view() : null;
        } finally {
            afterCall();
        }
    }

    private static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Under {@link #reading}: moves the follower to the next durable record, waiting up to
     * {@code nanos}; false on timeout.
     */
    private boolean await(long nanos, String call) throws IOException {
        log.checkMayBlock(call);
        long deadline = System.nanoTime() + nanos;
        while (true) {
            IOException reason = ended;
            if (reason != null) {
                throw reason;
            }
            WriteMark mark = log.durableMark();
            if (step(mark)) {
                return true;
            }
            WalFailedException failed = log.failure();
            if (failed != null) {
                throw end(new WalFailedException("the write-ahead log failed; this tailer delivered every record"
                        + " that was durable before the failure: " + failed.getMessage(), failed.getCause()));
            }
            long left = deadline - System.nanoTime();
            if (nanos == 0 || left <= 0) {
                return false;
            }
            if (spinNanos > 0 && spin(mark, Math.min(left, spinNanos))) {
                continue;
            }
            left = deadline - System.nanoTime();
            BooleanSupplier moved = () -> ended != null || log.durableMark() != mark || log.failure() != null;
            try {
                if (delayNanos > 0) {
                    signal.awaitCoalesced(moved, left, delayNanos);
                } else {
                    signal.await(moved, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for a durable record at sequence "
                        + nextSequence);
            }
        }
    }

    /**
     * Tests, for up to {@code nanos}, whether the durable mark moved from {@code mark} (or the tailer
     * ended, or the log failed), without parking: the writer wakes only parked tailers, so while
     * this runs a commit costs it nothing for this tailer. True as soon as one did.
     */
    private boolean spin(WriteMark mark, long nanos) {
        long start = System.nanoTime();
        while (true) {
            for (int i = 0; i < 64; i++) {
                if (ended != null || log.durableMark() != mark || log.failure() != null) {
                    return true;
                }
                Thread.onSpinWait();
            }
            if (System.nanoTime() - start >= nanos) {
                return false;
            }
        }
    }

    /** One move of the follower within {@code mark}, with the checkpoint rule; true if a record is there. */
    private boolean step(WriteMark mark) throws IOException {
        long segment = follower.segmentId();
        boolean found;
        try {
            found = follower.advance(mark);
        } catch (IOException | RuntimeException e) {
            long start = log.checkpointSequence() + 1;
            if (!holds && nextSequence < start) {
                WalTruncatedException truncated = new WalTruncatedException(nextSequence, start);
                truncated.initCause(e);
                throw end(truncated);
            }
            if (e instanceof NoSuchFileException) {
                throw end(new WalException("segment " + e.getMessage() + " was deleted while the tailer at sequence "
                        + nextSequence + " still had to read it", e));
            }
            throw end(e instanceof IOException io ? io
                    : new WalException("the tailer at sequence " + nextSequence + " failed: " + e, e));
        }
        if (holds && segment >= 0 && follower.segmentId() != segment) {
            // The segment left behind may be one a checkpoint covers and only this tailer kept.
            nextSequence = found ? follower.sequence() : follower.nextSequence();
            log.releaseHeld();
        }
        if (!found) {
            return false;
        }
        long sequence = follower.sequence();
        if (!holds) {
            // The position, not the record found: if a checkpoint deleted the segments holding the
            // records from the position on, the first record found may lie past the log's start,
            // and handing it out would skip the ones between silently.
            long start = log.checkpointSequence() + 1;
            if (nextSequence < start) {
                throw end(new WalTruncatedException(nextSequence, start));
            }
        }
        lastSequence = sequence;
        nextSequence = sequence + 1;
        return true;
    }

    /**
     * Ends this tailer with {@code reason} unless it ended already, deregisters it and wakes it;
     * returns the reason it ended with (the first one).
     */
    IOException end(IOException reason) {
        IOException first;
        synchronized (this) {
            if (ended == null) {
                ended = reason;
            }
            first = ended;
        }
        if (first == reason) {
            registry.removed(this);
            onEnd.accept(reason);
            signal.wakeAll();
            if (reading.tryLock()) {
                afterCall();
            }
        }
        return first;
    }

    /** Under {@link #reading}: closes the file once ended, then releases the lock. */
    private void afterCall() {
        try {
            if (ended != null && !released) {
                released = true;
                try {
                    follower.close();
                } catch (IOException ignored) {
                    // Read-only file: nothing can be lost by a failed close.
                }
            }
        } finally {
            reading.unlock();
        }
    }

    /** Sets what hears why this tailer ended; before anyone else can end it. */
    void onEnd(Consumer<IOException> listener) {
        onEnd = listener;
    }

    /** Whether this tailer ended. */
    boolean isEnded() {
        return ended != null;
    }

    /** How long a durable record may wait for this tailer (zero: the writer wakes it). */
    long delayNanos() {
        return delayNanos;
    }

    /** Whether this tailer keeps the segments from its position from deletion. */
    boolean holds() {
        return holds;
    }

    @Override
    public long lastSequence() {
        return lastSequence;
    }

    @Override
    public long nextSequence() {
        return nextSequence;
    }

    @Override
    public void close() {
        end(new WalClosedException("this tailer was closed"));
        if (holds) {
            log.releaseHeld();
        }
    }
}
