package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * The committers take turns applying: a lone committer leads its own change at once; batches are
 * handed out strictly in sequence order, without gaps, whatever order changes arrive in; one leader
 * at a time; a leader's leftovers come first; a failing leader fails its batch and everything after
 * it and no committer is left waiting. The schedules are seeded: a failure names the seed
 * ({@code -Dwal4j.applyQueue.seed=N} runs that one).
 */
class ApplyQueueTest {
    private static PendingChange change(long sequence, int size) {
        return new PendingChange(sequence, new byte[size]);
    }

    private static List<Long> sequences(List<PendingChange> batch) {
        return batch.stream().map(PendingChange::sequence).toList();
    }

    private static ApplyQueue queue(long next) {
        return new ApplyQueue(next, 100, 1000, () -> 0, 0);
    }

    @Test
    void aLoneCommitterLeadsItsOwnChangeWithoutWaiting() throws Exception {
        ApplyQueue queue = queue(1);
        PendingChange mine = change(1, 1);
        queue.submit(mine);
        List<PendingChange> batch = queue.awaitTurn(mine);
        assertEquals(List.of(1L), sequences(batch), "its own change, led by its own thread");
        queue.completed(batch);
        queue.release(List.of());
        assertNull(queue.awaitTurn(mine), "done: nothing more to lead");
        queue.outcome(mine);
    }

    /**
     * Overlapped apply: a new leader's batch ends at the WAL's write mark when its first change is
     * at or below it (the batch whose fdatasync runs), and takes every queued change when its first
     * change is above it (not written yet: all of them go into the WAL's next batch).
     */
    @Test
    void overlappedANewLeaderTakesChangesUpToTheWalsWriteMarkWhenItsFirstChangeIsWritten() throws Exception {
        AtomicLong written = new AtomicLong();
        ApplyQueue queue = ApplyQueue.overlapped(1, 100, 1000, written::get);
        PendingChange one = change(1, 1);
        queue.submit(one);
        queue.submit(change(2, 1));
        List<PendingChange> first = queue.awaitTurn(one);
        assertEquals(List.of(1L, 2L), sequences(first), "nothing written yet: everything queued");
        // While 1 and 2 are applied: the WAL wrote 3 and 4 and syncs them; 5 and 6 were appended after.
        PendingChange three = change(3, 1);
        queue.submit(three);
        queue.submit(change(4, 1));
        PendingChange five = change(5, 1);
        queue.submit(five);
        queue.submit(change(6, 1));
        written.set(4);
        queue.completed(first);
        queue.release(List.of());
        List<PendingChange> second = queue.awaitTurn(three);
        assertEquals(List.of(3L, 4L), sequences(second), "the batch under way, and none of the next");
        queue.completed(second);
        queue.release(List.of());
        List<PendingChange> third = queue.awaitTurn(five);
        assertEquals(List.of(5L, 6L), sequences(third), "5 above the mark: everything queued");
        queue.completed(third);
        queue.release(List.of());
        // The mark at the last change queued (written, durable or under way): all of them.
        PendingChange seven = change(7, 1);
        queue.submit(seven);
        queue.submit(change(8, 1));
        written.set(8);
        assertEquals(List.of(7L, 8L), sequences(queue.awaitTurn(seven)));
    }

    @Test
    void aGapIsWaitedForAndTheCommitterOfTheNextChangeLeadsTheRunAfterIt() throws Exception {
        ApplyQueue queue = queue(5);
        PendingChange seven = change(7, 1);
        PendingChange six = change(6, 1);
        queue.submit(seven);
        queue.submit(six);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<List<PendingChange>> waiter = pool.submit(() -> queue.awaitTurn(seven));
            Thread.sleep(100);
            assertTrue(!waiter.isDone(), "5 is missing: the committer of 7 waits");
            PendingChange five = change(5, 1);
            queue.submit(five);
            List<PendingChange> batch = queue.awaitTurn(five);
            assertEquals(List.of(5L, 6L, 7L), sequences(batch));
            queue.completed(batch);
            queue.release(List.of());
            assertNull(waiter.get(10, TimeUnit.SECONDS), "7 was applied by the committer of 5");
            queue.outcome(seven);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The committers of one WAL batch come back from their append together, but on a busy machine
     * one at a time: the first to submit leads. It waits (up to the gathering time) for the others
     * whose appends the WAL has already made durable, so that one SQLite transaction applies them
     * all and they return together, instead of a run of one-change batches.
     */
    @Test
    void aLeaderWaitsForTheChangesTheWalHasAlreadyMadeDurableAndAppliesThemInItsBatch() throws Exception {
        AtomicLong durable = new AtomicLong(3);
        ApplyQueue queue = new ApplyQueue(1, 100, 1000, durable::get, TimeUnit.SECONDS.toNanos(30));
        PendingChange one = change(1, 1);
        PendingChange two = change(2, 1);
        PendingChange three = change(3, 1);
        PendingChange four = change(4, 1);
        queue.submit(one);
        ExecutorService late = Executors.newFixedThreadPool(2);
        try {
            Future<?> others = late.submit(() -> {
                Thread.sleep(100);
                queue.submit(three);
                Thread.sleep(50);
                durable.set(4); // 4 is durable after the leader looked: the next batch's, not waited for
                queue.submit(two);
                return null;
            });
            long started = System.nanoTime();
            List<PendingChange> batch = queue.awaitTurn(one);
            assertEquals(List.of(1L, 2L, 3L), sequences(batch),
                    "the leader's batch holds every change durable when it started to lead, not only those queued then");
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20), "4 was not waited for");
            others.get(10, TimeUnit.SECONDS);
            queue.completed(batch);
            queue.release(List.of());
            queue.submit(four);
            assertTrue(two.done() && three.done() && !four.done(), "2 and 3 applied with 1; 4 is the next batch's");
            assertEquals(List.of(4L), sequences(queue.awaitTurn(four)));
        } finally {
            late.shutdownNow();
        }
    }

    /** A change durable in the WAL whose committer does not come (descheduled) is waited for no longer than the gathering time. */
    @Test
    void theLeaderWaitsForAMissingDurableChangeOnlyUpToTheGatheringTime() throws Exception {
        ApplyQueue queue = new ApplyQueue(1, 100, 1000, () -> 5, TimeUnit.MILLISECONDS.toNanos(50));
        PendingChange one = change(1, 1);
        queue.submit(one);
        queue.submit(change(3, 1));
        long started = System.nanoTime();
        List<PendingChange> batch = queue.awaitTurn(one);
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(List.of(1L), sequences(batch), "2 never came: 1 alone, 3 waits for it");
        assertTrue(waitedMillis >= 40, "waited " + waitedMillis + " ms for 2, the gathering time is 50 ms");
    }

    /** An append that failed ends the gathering at once: the change the leader waits for may never exist. */
    @Test
    void aStopEndsTheGatheringAtOnce() throws Exception {
        ApplyQueue queue = new ApplyQueue(1, 100, 1000, () -> 3, TimeUnit.SECONDS.toNanos(60));
        PendingChange one = change(1, 1);
        queue.submit(one);
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        try {
            stopper.submit(() -> {
                Thread.sleep(100);
                queue.stop(c -> new ChangeNotAppliedException(c.sequence(), "stopped", null));
                return null;
            });
            long started = System.nanoTime();
            List<PendingChange> batch = queue.awaitTurn(one);
            assertEquals(List.of(1L), sequences(batch));
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(30), "the stop ended the gathering");
        } finally {
            stopper.shutdownNow();
        }
    }

    @Test
    void batchesAreBoundedByCountAndBytesAndALeadersLeftoversComeFirst() throws Exception {
        ApplyQueue queue = new ApplyQueue(1, 2, 25, () -> 0, 0);
        List<PendingChange> all = new ArrayList<>();
        for (long s = 1; s <= 6; s++) {
            PendingChange c = change(s, 10);
            all.add(c);
            queue.submit(c);
        }
        List<PendingChange> batch = queue.awaitTurn(all.get(5));
        assertEquals(List.of(1L, 2L), sequences(batch), "two changes at most");
        queue.completed(batch.subList(0, 1));
        queue.release(batch.subList(1, 2)); // its time ran out after 1
        batch = queue.awaitTurn(all.get(5));
        assertEquals(List.of(2L, 3L), sequences(batch), "the leftover first");
        queue.completed(batch);
        queue.release(List.of());
        ApplyQueue bytes = new ApplyQueue(1, 100, 25, () -> 0, 0);
        for (long s = 1; s <= 3; s++) {
            bytes.submit(change(s, 10));
        }
        PendingChange big = change(4, 500);
        bytes.submit(big);
        batch = bytes.awaitTurn(big);
        assertEquals(List.of(1L, 2L), sequences(batch), "25 bytes hold two changes of 10");
        bytes.completed(batch);
        bytes.release(List.of());
        batch = bytes.awaitTurn(big);
        assertEquals(List.of(3L), sequences(batch), "3 and the big one do not fit together");
        bytes.completed(batch);
        bytes.release(List.of());
        assertEquals(List.of(4L), sequences(bytes.awaitTurn(big)), "a change larger than the bound goes alone");
    }

    @Test
    void onlyOneLeaderAtATime() throws Exception {
        ApplyQueue queue = queue(1);
        PendingChange one = change(1, 1);
        PendingChange two = change(2, 1);
        queue.submit(one);
        List<PendingChange> first = queue.awaitTurn(one);
        queue.submit(two);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<List<PendingChange>> second = pool.submit(() -> queue.awaitTurn(two));
            Thread.sleep(100);
            assertTrue(!second.isDone(), "2 is queued, but a leader is applying: its committer waits");
            queue.completed(first);
            queue.release(List.of());
            assertEquals(List.of(2L), sequences(second.get(10, TimeUnit.SECONDS)), "handed on to the committer of 2");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStoppedQueueAppliesWhatIsConsecutiveThenFailsTheRestAndALateSubmit() throws Exception {
        ApplyQueue queue = queue(1);
        PendingChange one = change(1, 1);
        queue.submit(one);
        PendingChange afterGap = change(3, 1);
        queue.submit(afterGap);
        queue.stop(c -> new ChangeNotAppliedException(c.sequence(), "stopped", null));
        assertTrue(!afterGap.done(), "1 is still to apply");
        List<PendingChange> batch = queue.awaitTurn(one);
        assertEquals(List.of(1L), sequences(batch));
        queue.completed(batch);
        queue.release(List.of());
        assertNull(queue.awaitTurn(afterGap), "2 will never come: 3 failed");
        assertEquals(3, assertThrows(ChangeNotAppliedException.class, () -> queue.outcome(afterGap)).sequence());
        PendingChange late = change(2, 1);
        queue.submit(late);
        assertNull(queue.awaitTurn(late));
        assertEquals(2, assertThrows(ChangeNotAppliedException.class, () -> queue.outcome(late)).sequence());
    }

    @Test
    void aSeededScheduleOfManyCommittersAppliesEveryChangeOnceInOrderWithOneLeaderAtATime() throws Exception {
        for (long seed : seeds()) {
            run(seed, Long.MAX_VALUE);
        }
    }

    @Test
    void aLeaderFailingMidBatchFailsThatChangeAndEveryOneAfterAndNoCommitterIsLeftWaiting() throws Exception {
        for (long seed : seeds()) {
            run(seed, 1 + new Random(seed).nextInt(400));
        }
    }

    private static long[] seeds() {
        String one = System.getProperty("wal4j.applyQueue.seed");
        if (one != null) {
            return new long[] {Long.parseLong(one)};
        }
        long base = System.nanoTime();
        return new long[] {base, base + 1, base + 2, base + 3, base + 4};
    }

    /**
     * 16 committers, 40 changes each: "appends" take sequence numbers under a lock (as the WAL hands
     * them out), then a seeded pause before the submit lets later sequences arrive first; a leader
     * "applies" its batch with a seeded pause, now and then only a prefix of it (as when the batch's
     * time runs out), and fails at sequence {@code failAt}.
     */
    private static void run(long seed, long failAt) throws Exception {
        String label = "seed " + seed + " (-Dwal4j.applyQueue.seed=" + seed + "), failing at " + failAt;
        int threads = 16;
        int perThread = 40;
        int total = threads * perThread;
        ApplyQueue queue = new ApplyQueue(1, 8, 1 << 20, () -> 0, 0);
        ReentrantLock wal = new ReentrantLock();
        AtomicLong lastSequence = new AtomicLong();
        AtomicInteger leaders = new AtomicInteger();
        AtomicInteger maxLeaders = new AtomicInteger();
        AtomicInteger leaderships = new AtomicInteger();
        List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        ChangeNotAppliedException failure = new ChangeNotAppliedException(failAt, "refused (simulated)", null);
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(seed * 31 + t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        PendingChange mine;
                        wal.lock();
                        try {
                            mine = change(lastSequence.incrementAndGet(), 1);
                        } finally {
                            wal.unlock();
                        }
                        pause(random);
                        queue.submit(mine);
                        List<PendingChange> batch;
                        while ((batch = queue.awaitTurn(mine)) != null) {
                            lead(batch, random, failAt, failure, queue, leaders, maxLeaders, applied, violations);
                            leaderships.incrementAndGet();
                        }
                        try {
                            queue.outcome(mine);
                            if (!applied.contains(mine.sequence())) {
                                violations.add(mine.sequence() + " returned before it was applied");
                            }
                        } catch (ChangeNotAppliedException e) {
                            failed.incrementAndGet();
                            if (mine.sequence() < failAt) {
                                violations.add(mine.sequence() + " failed, before the failing " + failAt);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS); // a committer left waiting times out here
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), violations, label);
        assertEquals(1, maxLeaders.get(), label + ": one leader at a time");
        long appliedUpTo = Math.min(total, failAt - 1);
        List<Long> expected = new ArrayList<>();
        for (long s = 1; s <= appliedUpTo; s++) {
            expected.add(s);
        }
        assertEquals(expected, applied, label + ": every change before the failing one, once, in order");
        assertEquals(total - appliedUpTo, failed.get(), label + ": the failing change and every one after it failed");
        System.out.println("[wal4j] ApplyQueueTest " + label + ": " + leaderships.get() + " batches for " + total
                + " changes");
    }

    private static void lead(List<PendingChange> batch, Random random, long failAt, ChangeNotAppliedException failure,
            ApplyQueue queue, AtomicInteger leaders, AtomicInteger maxLeaders, List<Long> applied,
            List<String> violations) {
        maxLeaders.accumulateAndGet(leaders.incrementAndGet(), Math::max);
        List<PendingChange> rest = List.of();
        try {
            long expected = applied.isEmpty() ? 1 : applied.get(applied.size() - 1) + 1;
            for (int i = 0; i < batch.size(); i++) {
                if (batch.get(i).sequence() != expected + i) {
                    violations.add("batch " + sequences(batch) + " after " + (expected - 1));
                }
            }
            int take = batch.size() > 1 && random.nextInt(4) == 0 ? 1 + random.nextInt(batch.size() - 1) : batch.size();
            pause(random);
            List<PendingChange> done = new ArrayList<>();
            for (PendingChange c : batch.subList(0, take)) {
                if (c.sequence() == failAt) {
                    applied.addAll(sequences(done)); // before their committers can return and look
                    queue.completed(done);
                    queue.kill(x -> failure);
                    for (PendingChange f : batch.subList(done.size(), batch.size())) {
                        queue.fail(f, failure);
                    }
                    return;
                }
                done.add(c);
            }
            applied.addAll(sequences(done));
            queue.completed(done);
            rest = batch.subList(take, batch.size());
        } finally {
            leaders.decrementAndGet();
            queue.release(rest);
        }
    }

    private static void pause(Random random) {
        int r = random.nextInt(10);
        if (r < 2) {
            try {
                Thread.sleep(0, 1 + random.nextInt(200_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (r < 5) {
            Thread.yield();
        }
    }

    @Test
    void aKilledQueueFailsTheQueuedAndLaterChangesWithTheReason() throws Exception {
        ApplyQueue queue = queue(1);
        PendingChange two = change(2, 1);
        queue.submit(two);
        ChangeNotAppliedException why = new ChangeNotAppliedException(2, "killed", null);
        queue.kill(c -> why);
        assertNull(queue.awaitTurn(two));
        assertSame(why, assertThrows(ChangeNotAppliedException.class, () -> queue.outcome(two)));
        PendingChange one = change(1, 1);
        queue.submit(one);
        assertNull(queue.awaitTurn(one), "dead: not even the next change is led");
        assertSame(why, assertThrows(ChangeNotAppliedException.class, () -> queue.outcome(one)));
    }
}
