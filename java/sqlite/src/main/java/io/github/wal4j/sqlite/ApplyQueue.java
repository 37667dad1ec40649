package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The hand-off from the committing threads to the single applier thread, in WAL sequence order.
 * Committers {@link #submit} their changes once the WAL append returned, in whatever order their
 * threads get there (the WAL assigns sequence numbers in the order it writes, but a committer may
 * be descheduled between its append and its submit); the applier {@link #take}s only the run of
 * consecutive sequence numbers that starts at the next one the database needs, so it never applies
 * a change before one that precedes it in the WAL, and never skips one.
 *
 * <p>Thread-safe: {@link #submit} from any thread, the rest from the applier thread (and from the
 * node, to {@link #stop} or {@link #kill} it).
 */
final class ApplyQueue {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final TreeMap<Long, PendingChange> waiting = new TreeMap<>();
    private long next;
    private boolean stopping;
    private Function<PendingChange, WalException> dead;

    /** @param next the sequence number of the first change to hand out (the database's applied + 1) */
    ApplyQueue(long next) {
        this.next = next;
    }

    /**
     * Queues a change durable in the WAL. If the applier has ended ({@link #kill}), the change is
     * failed at once with the reason the applier ended.
     */
    void submit(PendingChange change) {
        lock.lock();
        try {
            if (dead != null) {
                change.failed(dead.apply(change));
                return;
            }
            if (change.sequence() < next || waiting.putIfAbsent(change.sequence(), change) != null) {
                change.failed(new ChangeNotAppliedException(change.sequence(), "change " + change.sequence()
                        + " is durable in the write-ahead log, but the node had already applied or queued that"
                        + " sequence number (next to apply: " + next + "): something else appends to the node's"
                        + " WAL. It is applied at the next open if the database lacks it", null));
                return;
            }
            if (change.sequence() == next) {
                arrived.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the change with the next sequence number is queued, then removes and returns it
     * with the consecutive ones after it, at most {@code maxChanges} of them and, past the first, at
     * most {@code maxBytes} of changes in all.
     *
     * @param waitNanos the longest to wait for the next change; {@code Long.MAX_VALUE}: no limit
     * @return the batch, in sequence order; empty if {@code waitNanos} passed first; null once the
     *     queue is stopped and the changes that were consecutive are taken
     * @throws InterruptedException if the applier thread is interrupted while waiting
     */
    List<PendingChange> take(int maxChanges, long maxBytes, long waitNanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = waitNanos;
            while (!waiting.containsKey(next)) {
                if (stopping || dead != null) {
                    return null;
                }
                if (waitNanos == Long.MAX_VALUE) {
                    arrived.await();
                } else if (remaining <= 0) {
                    return List.of();
                } else {
                    remaining = arrived.awaitNanos(remaining);
                }
            }
            List<PendingChange> batch = new ArrayList<>();
            long bytes = 0;
            PendingChange c;
            while ((c = waiting.get(next)) != null && batch.size() < maxChanges
                    && (batch.isEmpty() || bytes + c.change().length <= maxBytes)) {
                waiting.remove(next);
                batch.add(c);
                bytes += c.change().length;
                next++;
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Puts back the changes of a batch that were not applied (its time ran out), to be taken first. */
    void putBack(List<PendingChange> rest) {
        if (rest.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (PendingChange c : rest) {
                waiting.put(c.sequence(), c);
            }
            next = rest.get(0).sequence();
        } finally {
            lock.unlock();
        }
    }

    /**
     * No change will fill a gap any more (the node is closing, or an append failed): {@link #take}
     * hands out what is consecutive, then returns null.
     */
    void stop() {
        lock.lock();
        try {
            stopping = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The applier has ended: fails every queued change, and every one submitted from now on, with
     * {@code why}'s exception for it.
     */
    void kill(Function<PendingChange, WalException> why) {
        lock.lock();
        try {
            if (dead == null) {
                dead = why;
            }
            for (PendingChange c : waiting.values()) {
                c.failed(dead.apply(c));
            }
            waiting.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
