package io.github.wal4j.log;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Tells tailers that the durable mark moved (or that their log closed or failed), so that they wait
 * for it instead of polling the files. The writer calls {@link #publish()} after a commit moved the
 * mark (once it completed the commit's futures, so acknowledgements go out first); a tailer that
 * found nothing to read calls {@link #await} with a test of what it waits for.
 *
 * <p>Cost to the writer: with no tailer waiting, {@link #publish()} is one volatile read (is the
 * queue of waiters empty). When some wait, it takes no lock: it claims the first waiter of the
 * queue (a compare-and-set) and unparks it, <i>one</i> whatever their number; each woken waiter
 * wakes the next before it reads (a relay), so the writer's cost does not grow with the tailers,
 * and a tailer busy reading is not in the queue, so it is not woken at all (it tests the mark again
 * before it parks). What is left on the commit path while a tailer is parked is one futex wake of
 * a sleeping thread: on the 2-vCPU benchmark VM about 5-6 us of the waker's CPU (bench
 * {@code WakeProbe}; docs/benchmarks.md, "Tailing readers"), against under 1 us to unpark a thread
 * that is not parked.
 *
 * <p>Why no wake-up is lost: the writer writes the mark (a volatile field), then reads the queue; a
 * waiter adds itself to the queue, then tests the mark. Volatile accesses and the queue's
 * compare-and-sets are totally ordered, so either the writer sees the waiter (and unparks it: an
 * unpark before the park makes the park return at once), or the waiter sees the new mark. A waiter
 * that leaves (its test passed, timeout, interrupt) after the writer claimed it passes the wake-up
 * on as if it had been woken, so a claim never ends at a thread that no longer waits. A waiter
 * looks at its claim before it parks, not only at the permit: its test may park (on a lock), which
 * uses up the permit of an unpark that came meanwhile.
 *
 * <p>Why the relay ends: {@link #generation} counts the wake-ups given while someone waited; a
 * waiter passes the wake-up on only if the generation moved since it last passed one (or since it
 * joined), so each waiter passes each wake-up once, and the relay stops at a waiter that passed it
 * already. The queue is first in, first out: a waiter that goes back to waiting joins at the end.
 *
 * <p>Coalesced waiters ({@link #awaitCoalesced}, tailers with a maximum delivery delay) wait in a
 * second queue that {@link #publish()} never reads: a commit never wakes them, so with only such
 * waiters the commit path stays one volatile read. Each parks for at most its delay, then tests
 * again itself; only {@link #wakeAll()} (a close, a failure, a new task of the dispatcher) wakes
 * them early, every one of them, so no relay is needed there.
 *
 * <p>Thread-safe.
 */
final class MarkSignal {
    private static final int WAITING = 0;
    private static final int WOKEN = 1;
    private static final int LEFT = 2;

    /** One wait of one thread, from joining the queue to being woken or leaving. */
    private static final class Waiter {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Thread thread = Thread.currentThread();
        /** The {@link #generation} its thread read before it joined the queue. */
        final long joinedAt;
        @SuppressWarnings("unused") // through STATE
        private volatile int state = WAITING;

        Waiter(long joinedAt) {
            this.joinedAt = joinedAt;
        }

        boolean moveFrom(int from, int to) {
            return STATE.compareAndSet(this, from, to);
        }

        boolean woken() {
            return state == WOKEN;
        }
    }

    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    /** The coalesced waiters: woken by {@link #wakeAll()} only, never by {@link #publish()}. */
    private final ConcurrentLinkedQueue<Waiter> coalesced = new ConcurrentLinkedQueue<>();
    /** Counts the wake-ups given while someone waited, so that a waiter passes each one on once. */
    private final AtomicLong generation = new AtomicLong();

    /**
     * The durable mark moved: wakes every waiting tailer but the coalesced ones, which look for
     * themselves. Called by the writer after the move.
     */
    void publish() {
        if (!waiters.isEmpty()) {
            generation.incrementAndGet();
            wakeFirst();
        }
    }

    /**
     * Wakes every waiting tailer whatever it waits for: for a close, a failure, or a new task of the
     * tail dispatcher, after the caller changed what their tests read.
     */
    void wakeAll() {
        long now = generation.incrementAndGet();
        wakeEvery(waiters, now);
        wakeEvery(coalesced, now);
    }

    /** Wakes the waiters of {@code queue} that joined before generation {@code now}. */
    private static void wakeEvery(Queue<Waiter> queue, long now) {
        Waiter w;
        while ((w = queue.poll()) != null) {
            if (w.moveFrom(WAITING, WOKEN)) {
                LockSupport.unpark(w.thread);
            }
            if (w.joinedAt >= now) {
                // It joined after the increment, so it tests what the caller changed; so do all
                // behind it (first in, first out). Woken waiters that joined again stop here too.
                return;
            }
        }
    }

    /** Claims and unparks the first waiter still waiting; the ones that left are dropped. */
    private void wakeFirst() {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            if (w.moveFrom(WAITING, WOKEN)) {
                LockSupport.unpark(w.thread);
                return;
            }
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
        if (ready.getAsBoolean()) {
            return true;
        }
        if (nanos <= 0) {
            return false;
        }
        long start = System.nanoTime();
        long seen = generation.get();
        Waiter self = join(waiters, seen);
        try {
            while (true) {
                if (ready.getAsBoolean()) {
                    return true;
                }
                long left = nanos - (System.nanoTime() - start);
                if (left <= 0) {
                    return false;
                }
                if (!self.woken()) {
                    // The claim, not the permit, says whether it was woken: a park inside the test
                    // (a lock it takes) may have used up the permit of the unpark that went with it.
                    LockSupport.parkNanos(this, left);
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (self.woken()) {
                    // The relay: wake the next waiter before looking, once per wake-up.
                    seen = passOn(seen);
                    self = join(waiters, seen);
                }
            }
        } finally {
            if (!self.moveFrom(WAITING, LEFT)) {
                // Claimed as it left: the wake-up it did not wait for goes on to the next.
                passOn(seen);
            } else {
                waiters.remove(self);
            }
        }
    }

    /**
     * As {@link #await}, for a waiter that a {@link #publish()} never wakes: it parks for at most
     * {@code delayNanos} at a time (and never past {@code nanos}), then tests {@code ready} again
     * itself; a {@link #wakeAll()} wakes it at once. So a change of what {@code ready} reads is
     * seen within {@code delayNanos} without anyone signalling it, and a change followed by
     * {@link #wakeAll()} at once. {@code ready} must not block.
     *
     * @return the last result of {@code ready}
     * @throws InterruptedException if the thread was interrupted while waiting
     */
    boolean awaitCoalesced(BooleanSupplier ready, long nanos, long delayNanos) throws InterruptedException {
        if (ready.getAsBoolean()) {
            return true;
        }
        if (nanos <= 0) {
            return false;
        }
        long start = System.nanoTime();
        Waiter self = join(coalesced, generation.get());
        try {
            while (true) {
                if (ready.getAsBoolean()) {
                    return true;
                }
                long left = nanos - (System.nanoTime() - start);
                if (left <= 0) {
                    return false;
                }
                if (!self.woken()) {
                    LockSupport.parkNanos(this, Math.min(left, delayNanos));
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (self.woken()) {
                    // wakeAll took it off the queue: back in before the next test, or the next
                    // wakeAll would miss it.
                    self = join(coalesced, generation.get());
                }
            }
        } finally {
            // A wakeAll wakes every coalesced waiter itself: a claim as it leaves is not passed on.
            if (self.moveFrom(WAITING, LEFT)) {
                coalesced.remove(self);
            }
        }
    }

    private Waiter join(Queue<Waiter> queue, long seen) {
        Waiter w = new Waiter(seen);
        queue.add(w);
        return w;
    }

    /** Wakes the next waiter if a wake-up came since {@code seen}; returns the generation passed on. */
    private long passOn(long seen) {
        long now = generation.get();
        if (now != seen) {
            wakeFirst();
        }
        return now;
    }
}
