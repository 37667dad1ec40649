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
 * <p>Cost to the writer: with no tailer waiting, {@link #publish()} is one volatile read. When some
 * wait, it takes the lock and wakes <i>one</i> of them, whatever their number: each woken waiter
 * wakes the next before it reads (a relay), so the writer's cost does not grow with the tailers.
 * It never waits for a tailer itself (the lock is held by a waiter only between testing its
 * condition and parking). The relay ends: a waiter passes each new {@link #generation} on once,
 * and the condition queue is first in, first out, so the wake-up reaches every waiter and then
 * stops at one that passed it already.
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
    /** Under {@link #lock}: counts the wake-ups, so that a waiter passes each one on once. */
    private long generation;

    /** The durable mark moved: wakes every waiting tailer. Called by the writer after the move. */
    void publish() {
        if (waiting.get() != 0) {
            lock.lock();
            try {
                generation++;
                moved.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Wakes every waiting tailer whatever it waits for: for a close, a failure, or a new task of the
     * tail dispatcher, after the caller changed what their tests read.
     */
    void wakeAll() {
        lock.lock();
        try {
            generation++;
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
            long seen = generation;
            long left = nanos;
            while (true) {
                if (ready.getAsBoolean()) {
                    return true;
                }
                if (left <= 0) {
                    return false;
                }
                left = moved.awaitNanos(left);
                if (generation != seen) {
                    // The relay: wake the next waiter before looking, once per wake-up.
                    seen = generation;
                    moved.signal();
                }
            }
        } finally {
            waiting.decrementAndGet();
            lock.unlock();
        }
    }
}
