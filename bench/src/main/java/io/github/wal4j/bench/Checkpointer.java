package io.github.wal4j.bench;

import io.github.wal4j.WriteAheadLog;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A daemon thread that checkpoints a log up to its durable sequence every {@code periodMillis}, as
 * a database applying the log would: segments every record of which is durable and checkpointed
 * are freed (deleted, or kept for recycling with {@code withSegmentRecycling}). Each checkpoint is
 * durable when it returns (the checkpoint file replaced, its directory synced), so its writes and
 * syncs are part of what a measurement with it running counts.
 *
 * <p>Stopped by a flag, never an interrupt: an interrupt closes a java-layer file channel in the
 * middle of the checkpoint's sync and fails the log. {@link #close} stops it, waits for it and
 * throws what a checkpoint threw, if one failed (the thread stops at the first failure).
 */
final class Checkpointer implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong checkpoints = new AtomicLong();
    private final Thread thread;
    private volatile Throwable failure;

    private Checkpointer(WriteAheadLog wal, long periodMillis) {
        thread = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Thread.sleep(periodMillis);
                    wal.checkpoint(wal.durableSequence());
                    checkpoints.incrementAndGet();
                }
            } catch (Throwable t) {
                failure = t;
            }
        }, "bench-checkpointer");
        thread.setDaemon(true);
    }

    /** Starts checkpointing {@code wal}; the first checkpoint comes {@code periodMillis} from now. */
    static Checkpointer start(WriteAheadLog wal, long periodMillis) {
        if (periodMillis <= 0) {
            throw new IllegalArgumentException("period " + periodMillis + " ms");
        }
        Checkpointer c = new Checkpointer(wal, periodMillis);
        c.thread.start();
        return c;
    }

    /** Checkpoints done so far. */
    long checkpoints() {
        return checkpoints.get();
    }

    /**
     * Stops the thread (after the checkpoint in progress, if any) and waits for it.
     *
     * @throws IllegalStateException if a checkpoint failed
     */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join();
        if (failure != null) {
            throw new IllegalStateException("a checkpoint failed", failure);
        }
    }
}
