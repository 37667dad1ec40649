package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The changes durable in the WAL and not yet applied, in WAL sequence order, and who applies the
 * next batch of them: there is no applier thread, the committers take turns. Committers
 * {@link #submit} their changes once the WAL append returned, in whatever order their threads get
 * there (a committer may be descheduled between its append and its submit), then wait in
 * {@link #awaitTurn}. When no one is applying and the change with the next sequence number the
 * database needs is queued, one waiting committer becomes the <b>leader</b>: it gets the run of
 * consecutive changes that starts there (its own and others', bounded by count and bytes), applies
 * it, settles each change ({@link #completed}, {@link #fail}) and hands on ({@link #release}),
 * waking the committer whose change is next, if one is queued. So a batch is never applied before
 * one that precedes it in the WAL, no change is skipped, at most one thread applies at a time, and
 * a lone committer applies its own change without waking any thread.
 *
 * <p>A new leader also <b>gathers</b>: the committers of one WAL batch return from their append
 * together, but on a busy machine they are scheduled one after another, and the first to submit
 * would otherwise lead a batch of one while the others queue behind it, each returning at a
 * different time and appending again into a smaller WAL batch. So the leader takes, besides what is
 * queued, every change up to the WAL's durable mark as it was when it started to lead, waiting for
 * their committers to submit them (each submit wakes it), at most the gathering time; a change
 * durable later goes to the next batch. Only changes whose appends returned are ever taken.
 *
 * <p>With overlapped apply ({@link SqliteNodeOptions#withOverlappedApply}) changes are submitted
 * as soon as the WAL took them, before they are durable ({@link CommitOrder} makes the leader wait
 * for them before its commit), so there is nothing to gather; instead a new leader's batch is
 * <b>aligned</b> with the WAL's batches: it takes changes only up to the WAL's write mark
 * ({@link io.github.wal4j.DurableLog#writtenSequence()}) when the change it starts from is at or
 * below it (that change is in the batch whose fdatasync runs now, or durable, and the changes after
 * the mark wait for a later fdatasync: they go to the next transaction), and every queued change
 * when it is above it (the WAL has not written that change yet: everything queued here was appended
 * before, so it goes into the WAL's next batch with it). So a transaction's committers wait for one
 * fdatasync, not for the tail of the next one. The mark only shapes batches: what may commit is
 * decided by {@link CommitOrder} on each change's own append, whatever the mark said.
 *
 * <p>Waiting committers park, and are unparked one by one, directly, by the thread that settles
 * their change or hands them the lead: a woken committer whose change is done returns without
 * taking the queue's lock, so the batch's committers do not wake each other in a chain.
 *
 * <p>Thread-safe: every method but {@link #outcome} takes the queue's lock. A leader must call
 * {@link #release} once for every batch {@link #awaitTurn} gave it, whatever happened while it
 * applied it.
 */
final class ApplyQueue {
    private final ReentrantLock lock = new ReentrantLock();
    /** A gathering leader waits on it; a submit of the next change, a stop or a kill signals it. */
    private final Condition arrived = lock.newCondition();
    private final TreeMap<Long, PendingChange> waiting = new TreeMap<>();
    private final int maxChanges;
    private final long maxBytes;
    private final LongSupplier durable;
    private final long gatherNanos;
    /** With overlapped apply: the WAL's write mark, which a new leader's batch is aligned with; else null. */
    private final LongSupplier written;
    private long next;
    private boolean leading;
    private boolean gathering;
    private Function<PendingChange, WalException> stopping;
    private Function<PendingChange, WalException> dead;

    /**
     * @param next the sequence number of the first change to apply (the database's applied + 1)
     * @param maxChanges at most this many changes in a batch
     * @param maxBytes at most this many bytes of changes in a batch, past its first change
     * @param durable the WAL's durable mark ({@link io.github.wal4j.DurableLog#durableSequence()}):
     *     the changes up to it are durable, and their committers are on their way to submit them
     * @param gatherNanos a new leader waits at most this long for them
     */
    ApplyQueue(long next, int maxChanges, long maxBytes, LongSupplier durable, long gatherNanos) {
        this(next, maxChanges, maxBytes, durable, gatherNanos, null);
    }

    private ApplyQueue(long next, int maxChanges, long maxBytes, LongSupplier durable, long gatherNanos,
            LongSupplier written) {
        this.next = next;
        this.maxChanges = maxChanges;
        this.maxBytes = maxBytes;
        this.durable = durable;
        this.gatherNanos = gatherNanos;
        this.written = written;
    }

    /**
     * A queue for overlapped apply: changes are submitted before they are durable, nothing is
     * gathered, and each new leader's batch is aligned with the WAL's batch under way (the class
     * comment).
     *
     * @param next the sequence number of the first change to apply (the database's applied + 1)
     * @param written the WAL's write mark ({@link io.github.wal4j.DurableLog#writtenSequence()})
     */
    static ApplyQueue overlapped(long next, int maxChanges, long maxBytes, LongSupplier written) {
        return new ApplyQueue(next, maxChanges, maxBytes, () -> 0L, 0, Objects.requireNonNull(written, "written"));
    }

    /**
     * Queues a change durable in the WAL, from its committer's thread (the one that then waits in
     * {@link #awaitTurn}). If the queue is dead ({@link #kill}), the change is failed at once with
     * the reason.
     */
    void submit(PendingChange change) {
        lock.lock();
        try {
            change.owner(Thread.currentThread());
            if (dead != null) {
                change.settle(dead.apply(change));
                return;
            }
            if (change.sequence() < next || waiting.putIfAbsent(change.sequence(), change) != null) {
                change.settle(new ChangeNotAppliedException(change.sequence(), "change " + change.sequence()
                        + " is durable in the write-ahead log, but the node had already applied or queued that"
                        + " sequence number (next to apply: " + next + "): something else appends to the node's"
                        + " WAL. It is applied at the next open if the database lacks it", null));
            } else if (gathering && change.sequence() == next) {
                arrived.signal();
            }
            // If it is next and no one leads, its own committer leads when it comes to awaitTurn.
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code mine} (submitted) is done, or until the calling thread is to apply the next
     * batch. Interrupts do not end the wait (the change is durable in the WAL and on its way into
     * the database: waiting is the only honest answer); the interrupt flag is kept.
     *
     * @return null once {@code mine} is done ({@link #outcome}); otherwise the batch the caller now
     *     leads, in sequence order, which it must {@link #release}
     */
    List<PendingChange> awaitTurn(PendingChange mine) {
        while (!mine.done()) {
            lock.lock();
            try {
                if (mine.done()) {
                    break;
                }
                mine.owner(Thread.currentThread()); // the thread that waits is the one to wake
                if (!leading && waiting.containsKey(next)) {
                    leading = true;
                    List<PendingChange> batch = new ArrayList<>();
                    take(batch, written == null ? Long.MAX_VALUE : alignedEnd());
                    gather(batch);
                    return batch;
                }
            } finally {
                lock.unlock();
            }
            // An unpark between the look above and this park leaves a permit: the park returns at once.
            LockSupport.park(this);
        }
        return null;
    }

    /**
     * With overlapped apply and the lock held, for a new leader: the last change its batch may take
     * (the class comment). The write mark is read after the queue's content is fixed (under the
     * lock), so a change queued here was appended before the mark was read. If the WAL's writer
     * has taken its next batch but not finished writing it, the mark is still below {@code next}
     * and the batch may reach past it: its committers then wait one fdatasync more, as they would
     * without alignment.
     */
    private long alignedEnd() {
        long mark = written.getAsLong();
        return mark >= next ? mark : Long.MAX_VALUE;
    }

    /**
     * Adds the run of queued changes from {@code next} to {@code batch}, within the bounds and up
     * to change {@code end} (the first change always, whatever its size); returns how many.
     */
    private int take(List<PendingChange> batch, long end) {
        long bytes = 0;
        for (PendingChange c : batch) {
            bytes += c.change().length;
        }
        int taken = 0;
        PendingChange c;
        while ((c = waiting.get(next)) != null && batch.size() < maxChanges
                && (batch.isEmpty() || (bytes + c.change().length <= maxBytes && next <= end))) {
            waiting.remove(next);
            batch.add(c);
            bytes += c.change().length;
            next++;
            taken++;
        }
        return taken;
    }

    /**
     * With the lock held, as the new leader of {@code batch}: adds the changes up to the durable
     * mark of now as their committers submit them, until the batch is full, the gathering time is
     * over, or the queue stops. An interrupt ends the gathering (the flag is kept).
     */
    private void gather(List<PendingChange> batch) {
        long upTo = durable.getAsLong();
        if (next > upTo || batch.size() >= maxChanges || gatherNanos <= 0) {
            return;
        }
        long deadline = System.nanoTime() + gatherNanos;
        gathering = true;
        try {
            while (next <= upTo && batch.size() < maxChanges && stopping == null && dead == null) {
                if (waiting.containsKey(next)) {
                    if (take(batch, Long.MAX_VALUE) == 0) {
                        return; // the bytes bound
                    }
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    arrived.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            gathering = false;
        }
    }

    /** The changes are committed in the database: their committers return. */
    void completed(List<PendingChange> done) {
        List<Thread> wake = new ArrayList<>(done.size());
        lock.lock();
        try {
            for (PendingChange c : done) {
                if (c.settle(null)) {
                    wake.add(c.owner());
                }
            }
        } finally {
            lock.unlock();
        }
        wake.forEach(LockSupport::unpark);
    }

    /** The change is not applied (it is durable in the WAL): its committer throws {@code failure}. */
    void fail(PendingChange change, WalException failure) {
        Thread wake = null;
        lock.lock();
        try {
            if (change.settle(failure)) {
                wake = change.owner();
            }
        } finally {
            lock.unlock();
        }
        if (wake != null) {
            LockSupport.unpark(wake);
        }
    }

    /**
     * The leader is done with its batch: {@code rest}, the changes of it that it did not start (its
     * time ran out), go back to be taken first, and the committer of the next change, if it is
     * queued, is woken to lead. If the queue is stopping and the next change is not queued, no
     * change will fill the gap: the queue dies with the stop's reason.
     */
    void release(List<PendingChange> rest) {
        lock.lock();
        try {
            for (PendingChange c : rest) {
                if (!c.done()) {
                    waiting.put(c.sequence(), c);
                }
            }
            if (!rest.isEmpty()) {
                next = Math.min(next, rest.get(0).sequence());
            }
            leading = false;
            handOn();
        } finally {
            lock.unlock();
        }
    }

    /** With no leader: wakes the committer of the next change, or ends a stopping queue at its gap. */
    private void handOn() {
        PendingChange first = waiting.get(next);
        if (first != null) {
            LockSupport.unpark(first.owner());
        } else if (stopping != null) {
            killLocked(stopping);
        }
    }

    /**
     * No change will fill a gap any more (an append failed, and whether it took a sequence number is
     * unknown): what is consecutive is still applied, then every change after the gap, and every
     * one submitted from then on, fails with {@code why}'s exception for it.
     */
    void stop(Function<PendingChange, WalException> why) {
        lock.lock();
        try {
            if (stopping == null) {
                stopping = why;
            }
            arrived.signal();
            if (!leading) {
                handOn();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * No change will be applied any more (the node stopped): fails every queued change, and every
     * one submitted from now on, with {@code why}'s exception for it.
     */
    void kill(Function<PendingChange, WalException> why) {
        lock.lock();
        try {
            killLocked(why);
        } finally {
            lock.unlock();
        }
    }

    private void killLocked(Function<PendingChange, WalException> why) {
        if (dead == null) {
            dead = why;
        }
        arrived.signal();
        for (PendingChange c : waiting.values()) {
            if (c.settle(dead.apply(c))) {
                LockSupport.unpark(c.owner());
            }
        }
        waiting.clear();
    }

    /**
     * The outcome of a change that is done ({@link #awaitTurn} returned null for it).
     *
     * @throws WalException the applier's verdict: {@link ChangeNotAppliedException},
     *     {@link ApplierEndedTransactionException}
     */
    void outcome(PendingChange change) throws IOException {
        if (!change.done()) {
            throw new IllegalStateException("change " + change.sequence() + " is not done");
        }
        WalException failure = change.failure();
        if (failure != null) {
            throw failure;
        }
    }
}
