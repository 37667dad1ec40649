package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Property: no wake-up of the {@link MarkSignal} is lost. A publisher moves a mark (a volatile
 * field, as the writer moves the durable mark) and publishes, in bursts, then waits until every
 * waiter saw the mark; the waiters wait for the mark to pass what they saw, some with a long timeout
 * (a tailer parked for good: if no one wakes it, it stays parked for {@link #LONG_WAIT}) and some
 * with short ones that run out again and again (a timeout at the moment the publisher claims the
 * waiter must hand the wake-up on). Some waiters' tests take a lock the publisher holds while it
 * moves the mark (as a tailer's test of the log's failure may take the commit queue's lock beside
 * the appenders): a test that parks on the lock consumes the thread's unpark permit, so the signal
 * must not count on the permit alone. A waiter still behind the mark {@link #STALL} after it moved
 * was not woken: a lost wake-up. The schedule (number and kinds of waiters, burst lengths, spins,
 * {@link MarkSignal#wakeAll()} among the publishes) comes from one seed per case, printed first
 * ({@code -Dwal4j.seed=<seed>} replays it); thread timing adds its own variation. Some waiters are
 * coalesced ({@link MarkSignal#awaitCoalesced}, short delays): nobody signals them, they must see
 * every move by looking themselves. Beside the property: a publish never claims a coalesced waiter,
 * a wakeAll ends its wait at once, and it looks itself within its delay.
 */
class MarkSignalTest {
    private static final long LONG_WAIT = 60_000_000_000L;
    private static final long STALL = 10_000_000_000L;

    private volatile long mark;
    private volatile boolean stop;

    @Test
    void everyWaiterSeesEveryMoveWithinItsTimeout() throws Exception {
        long seed = Long.getLong("wal4j.seed", new Random().nextLong());
        System.out.println("MarkSignalTest seed " + seed + " (replay: -Dwal4j.seed=" + seed + ")");
        Random random = new Random(seed);
        List<String> violations = new ArrayList<>();
        for (int c = 0; c < 10 && violations.isEmpty(); c++) {
            String v = runCase(random.nextLong());
            if (v != null) {
                violations.add("case " + c + " (seed " + seed + "): " + v);
            }
        }
        assertEquals(List.of(), violations);
    }

    /** One schedule; the lost wake-up found, or null. */
    private String runCase(long caseSeed) throws Exception {
        Random random = new Random(caseSeed);
        MarkSignal signal = new MarkSignal();
        mark = 0;
        stop = false;
        ReentrantLock shared = new ReentrantLock();
        int count = 2 + random.nextInt(4);
        long[] timeouts = new long[count];
        boolean[] locks = new boolean[count];
        // Coalesced waiters and their delays come from a Random of their own, so that the rest of a
        // case seed's schedule stays what it was without them.
        Random kinds = new Random(caseSeed ^ 0x9E3779B97F4A7C15L);
        long[] delays = new long[count];
        AtomicLongArray seen = new AtomicLongArray(count);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // At least one waiter parks for good, so that a lost wake-up shows as a stall.
            timeouts[i] = i == 0 || random.nextInt(3) == 0 ? LONG_WAIT : 1_000 + random.nextInt(300_000);
            locks[i] = i == 0 || random.nextBoolean();
            delays[i] = i > 0 && kinds.nextInt(3) == 0 ? 1_000 + kinds.nextInt(3_000_000) : 0;
            int id = i;
            Thread t = new Thread(() -> {
                try {
                    while (!stop) {
                        long last = seen.get(id);
                        BooleanSupplier moved = () -> {
                            if (locks[id]) {
                                shared.lock();
                                shared.unlock();
                            }
                            return stop || mark != last;
                        };
                        if (delays[id] > 0) {
                            signal.awaitCoalesced(moved, timeouts[id], delays[id]);
                        } else {
                            signal.await(moved, timeouts[id]);
                        }
                        seen.set(id, mark);
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }, "waiter-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        // Another holder of the shared lock, as the other appenders are: the waiters' tests park on it.
        Thread contender = new Thread(() -> {
            Random r = new Random(caseSeed);
            while (!stop) {
                shared.lock();
                try {
                    for (int s = r.nextInt(3_000); s > 0; s--) {
                        Thread.onSpinWait();
                    }
                } finally {
                    shared.unlock();
                }
                Thread.yield();
            }
        }, "contender");
        contender.setDaemon(true);
        threads.add(contender);
        contender.start();
        String lost = null;
        int moves = 3_000 + random.nextInt(3_000);
        try {
            for (int m = 1; m <= moves && lost == null && failed.get() == null; ) {
                int burst = 1 + random.nextInt(4);
                for (int b = 0; b < burst && m <= moves; b++, m++) {
                    shared.lock();
                    try {
                        mark = m;
                        for (int s = random.nextInt(2) * random.nextInt(5_000); s > 0; s--) {
                            Thread.onSpinWait();
                        }
                    } finally {
                        shared.unlock();
                    }
                    if (random.nextInt(50) == 0) {
                        signal.wakeAll();
                    } else {
                        signal.publish();
                    }
                    int spin = random.nextInt(3) == 0 ? random.nextInt(20_000) : 0;
                    for (int s = 0; s < spin; s++) {
                        Thread.onSpinWait();
                    }
                }
                long target = mark;
                long deadline = System.nanoTime() + STALL;
                for (int i = 0; i < count && lost == null; i++) {
                    while (seen.get(i) != target && System.nanoTime() < deadline && failed.get() == null) {
                        Thread.onSpinWait();
                        Thread.yield();
                    }
                    if (seen.get(i) != target && failed.get() == null) {
                        lost = "waiter " + i + " (timeout " + timeouts[i] + " ns, delay " + delays[i]
                                + " ns) still saw " + seen.get(i)
                                + " " + STALL / 1_000_000_000 + " s after the mark moved to " + target
                                + ": a lost wake-up (" + count + " waiters, case seed " + caseSeed + ")";
                    }
                }
            }
        } finally {
            stop = true;
            signal.wakeAll();
            for (Thread t : threads) {
                t.join(STALL / 1_000_000);
            }
        }
        if (failed.get() != null) {
            throw new AssertionError("a waiter failed", failed.get());
        }
        return lost;
    }

    @Test
    void awaitReturnsAtOnceWhenReadyAndTimesOutWhenNotMoved() throws Exception {
        MarkSignal signal = new MarkSignal();
        assertTrue(signal.await(() -> true, 0));
        assertFalse(signal.await(() -> false, 0));
        assertFalse(signal.await(() -> false, 2_000_000));
        // Nobody waits any more: a publish finds no one, and a later wait still times out.
        signal.publish();
        assertFalse(signal.await(() -> false, 1_000_000));
    }

    @Test
    void anInterruptedWaiterThrowsAndKeepsNoClaim() throws Exception {
        MarkSignal signal = new MarkSignal();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                signal.await(() -> false, LONG_WAIT);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        while (t.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        t.interrupt();
        t.join(STALL / 1_000_000);
        assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        // The waiter that left is not the one a publish claims: a new waiter is woken.
        AtomicReference<Boolean> woke = new AtomicReference<>();
        Thread second = new Thread(() -> {
            try {
                woke.set(signal.await(() -> mark == 1, LONG_WAIT));
            } catch (InterruptedException e) {
                woke.set(false);
            }
        });
        second.start();
        while (second.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        mark = 1;
        signal.publish();
        second.join(STALL / 1_000_000);
        assertEquals(Boolean.TRUE, woke.get());
    }

    /** Starts a daemon thread that runs {@code wait}, counted in {@code waiting} while it waits. */
    private static Thread waiter(String name, AtomicInteger waiting, AtomicReference<Object> result, Waiting wait) {
        Thread t = new Thread(() -> {
            try {
                result.set(wait.run());
            } catch (Throwable e) {
                result.set(e);
            } finally {
                waiting.decrementAndGet();
            }
        }, name);
        t.setDaemon(true);
        waiting.incrementAndGet();
        t.start();
        return t;
    }

    private interface Waiting {
        boolean run() throws InterruptedException;
    }

    private static void awaitParked(Thread t) {
        long deadline = System.nanoTime() + STALL;
        while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, t.getName() + " did not park");
            Thread.onSpinWait();
        }
    }

    @Test
    void aPublishNeverClaimsACoalescedWaiterAndAWakeAllEndsItsWaitAtOnce() throws Exception {
        MarkSignal signal = new MarkSignal();
        AtomicInteger coalescedWaiting = new AtomicInteger();
        AtomicInteger plainWaiting = new AtomicInteger();
        AtomicReference<Object> coalescedResult = new AtomicReference<>();
        AtomicReference<Object> plainResult = new AtomicReference<>();
        // Its delay is longer than the test: only a signal can end its wait within it.
        Thread coalesced = waiter("coalesced", coalescedWaiting, coalescedResult,
                () -> signal.awaitCoalesced(() -> mark == 1, LONG_WAIT, LONG_WAIT));
        Thread plain = waiter("plain", plainWaiting, plainResult, () -> signal.await(() -> mark == 1, LONG_WAIT));
        awaitParked(coalesced);
        awaitParked(plain);
        mark = 1;
        for (int i = 0; i < 100; i++) {
            signal.publish();
        }
        plain.join(STALL / 1_000_000);
        assertEquals(Boolean.TRUE, plainResult.get(), "the publish woke the plain waiter");
        Thread.sleep(200);
        assertEquals(1, coalescedWaiting.get(), "a publish claimed a coalesced waiter");
        long woken = System.nanoTime();
        signal.wakeAll();
        coalesced.join(STALL / 1_000_000);
        assertEquals(0, coalescedWaiting.get(), "a wakeAll ended the coalesced wait");
        assertEquals(Boolean.TRUE, coalescedResult.get());
        assertTrue(System.nanoTime() - woken < STALL, "at once, not after its delay");
    }

    @Test
    void aCoalescedWaiterLooksItselfWithinItsDelayAndKeepsToItsTimeout() throws Exception {
        MarkSignal signal = new MarkSignal();
        AtomicInteger waiting = new AtomicInteger();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = waiter("coalesced", waiting, result, () -> signal.awaitCoalesced(() -> mark == 1, LONG_WAIT,
                20_000_000L));
        awaitParked(t);
        mark = 1; // no publish, no wakeAll
        t.join(STALL / 1_000_000);
        assertEquals(Boolean.TRUE, result.get(), "it saw the mark move within its delay, unsignalled");
        // A timeout shorter than the delay ends the wait at the timeout.
        long started = System.nanoTime();
        assertFalse(signal.awaitCoalesced(() -> false, 2_000_000, LONG_WAIT));
        assertTrue(System.nanoTime() - started < STALL, "returned at its timeout");
        assertTrue(signal.awaitCoalesced(() -> true, 0, LONG_WAIT));
        assertFalse(signal.awaitCoalesced(() -> false, 0, LONG_WAIT));
    }
}
