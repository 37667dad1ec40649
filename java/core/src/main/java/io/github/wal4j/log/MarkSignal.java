package io.github.wal4j.log;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Tells tailers that the durable mark moved (or that their log closed or failed), so that they wait
 * for it instead of polling the files. The writer calls {@link #publish()} after a commit moved the
 * mark (once it completed the commit's futures, so acknowledgements go out first); a tailer that found nothing to read calls {@link #await} with a test of what it waits for.
 *
 * <p>Cost to the writer: with no tailer waiting, {@link #publish()} is one volatile read. Only when
 * one waits does it take the lock to signal the condition; it never waits for a tailer itself (the
 * lock is held by a tailer only between testing its condition and parking).
 *
 * <p>Why no wake-up is lost: the writer writes the mark (a volatile field), then reads
 * {@link #waiting}; a tailer increments {@link #waiting}, then tests the mark. Volatile accesses are
 * totally ordered, so either the writer sees the tailer waiting (and signals under the lock, which
 * it can take only once the tailer parks or gave up), or the tailer sees the new mark.
 *
 * <p>Thread-safe.
 */
final class MarkSignal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition moved = lock.newCondition();
    private final AtomicInteger waiting = new AtomicInteger();

    /** The durable mark moved: wakes every waiting tailer. Called by the writer after the move. */
    void publish() {
        if (waiting.get() != 0) {
            wakeAll();
        }
    }

    /**
     * Wakes every waiting tailer whatever it waits for: for a close, a failure, or a new task of the
     * tail dispatcher, after the caller changed what their tests read.
     */
    void wakeAll() {
        lock.lock();
        try {
            moved.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code ready} is true or {@code nanos} passed; {@code ready} is tested first,
     * then after every wake-up. It must read only volatile state that a {@link #publish()} or
     * {@link #wakeAll()} follows, and must not block.
     *
     * @return the last result of {@code ready}
     * @throws InterruptedException if the thread was interrupted while waiting
     */
    boolean await(BooleanSupplier ready, long nanos) throws InterruptedException {
        lock.lock();
        waiting.incrementAndGet();
        try {
            long left = nanos;
            while (true) {
                if (ready.getAsBoolean()) {
                    return true;
                }
                if (left <= 0) {
                    return false;
                }
                left = moved.awaitNanos(left);
            }
        } finally {
            waiting.decrementAndGet();
            lock.unlock();
        }
    }
}
