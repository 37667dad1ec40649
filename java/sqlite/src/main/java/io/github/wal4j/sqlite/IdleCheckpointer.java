package io.github.wal4j.sqlite;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The body of the node's one background thread, {@code wal4j-sqlite-checkpointer}: keeps the
 * {@link SqliteCheckpointPolicy}'s time bound when no commit comes to check it. Committers leading
 * a batch checkpoint when the count, the bytes or the time is due after their batch; when the
 * commits stop, this thread wakes when the interval of the oldest unchecked change ends and
 * checkpoints (under the connection lock, between batches). It is not on the commit path: it
 * sleeps until the first change after a checkpoint is applied ({@link #wake}), then until the
 * interval ends.
 *
 * <p>Thread-safe: {@link #wake} and {@link #stop} from any thread.
 */
final class IdleCheckpointer implements Runnable {
    private final CheckpointSchedule checkpoints;
    private final ReentrantLock connectionLock;
    private final LongSupplier applied;
    private volatile boolean stopped;
    private volatile Thread thread;

    /** @param applied the last change applied to the database */
    IdleCheckpointer(CheckpointSchedule checkpoints, ReentrantLock connectionLock, LongSupplier applied) {
        this.checkpoints = checkpoints;
        this.connectionLock = connectionLock;
        this.applied = applied;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (!stopped) {
            long wait;
            connectionLock.lock();
            try {
                if (stopped) {
                    return;
                }
                checkpoints.idle(applied.getAsLong());
                wait = checkpoints.nanosUntilDue();
            } finally {
                connectionLock.unlock();
            }
            // Looked at again here, not only under the lock: the checkpoint may have waited (parked) for
            // the WAL, and that wait took the permit of a stop() that came meanwhile.
            if (stopped) {
                return;
            }
            // A wake() or stop() from here on leaves a permit: the park returns at once, and the loop looks again.
            if (wait == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else if (wait > 0) {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    /** Whether {@code t} is this checkpointer's thread (which a listener on it must not call the node from). */
    boolean isRunningOn(Thread t) {
        return thread == t;
    }

    /** The first change after a checkpoint was applied: look again when the interval ends. */
    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Ends the thread's loop; the caller joins the thread. */
    void stop() {
        stopped = true;
        wake();
    }
}
