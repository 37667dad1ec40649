package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.testing.FaultPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@link SqliteNodeOptions#withOverlappedApply overlapped apply} a batch is applied while its
 * WAL fdatasync runs, and the order still holds ({@link CommitOrder}): SQLite never commits a
 * change before the WAL has it durable, and a failed fdatasync rolls the batch back, so that SQLite
 * and the WAL agree and the next open applies each change once. The WAL runs on the test kit's
 * {@link FaultPlan} layer, whose failing fdatasync can be held while the test looks at the database.
 */
class OverlappedApplyTest {
    private static final int ACCOUNTS = 4;

    @TempDir
    Path tmp;

    /** Faults on the segments only (a segment is created as {@code <id>.wal.tmp} and renamed). */
    private static FaultPlan.FaultyStorage segmentFaults() {
        return FaultPlan.create().only(p -> p.getFileName().toString().contains(".wal")).overJavaLayer();
    }

    private static SqliteNodeOptions options(FaultPlan.FaultyStorage storage) {
        SqliteNodeOptions options = SqliteNodeOptions.defaults().withSchema(Bank.schema(ACCOUNTS)).withOverlappedApply(true);
        return storage == null ? options : options.withWalOptions(WalOptions.defaults().withStorage(storage));
    }

    private static byte[] transfer(long id) {
        return new Bank.Transfer(id, (int) (id % ACCOUNTS), (int) ((id + 1) % ACCOUNTS), 1).encode();
    }

    private static void closeFailed(SqliteCommitNode node) {
        try {
            node.close();
        } catch (IOException expected) {
            // The WAL failed: closing it says that records not yet durable may be lost.
        }
    }

    private static void awaitWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() - deadline < 0, "the committer did not come to wait: " + t.getState());
            Thread.sleep(1);
        }
    }

    /** Waits until {@code t} is parked inside {@code method} (a method name of the node's classes). */
    private static void awaitParkedIn(Thread t, String method) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING
                || java.util.Arrays.stream(t.getStackTrace()).noneMatch(f -> f.getMethodName().equals(method))) {
            assertTrue(System.nanoTime() - deadline < 0, t.getName() + " did not come to wait in " + method + ": "
                    + t.getState() + " " + java.util.Arrays.toString(t.getStackTrace()));
            Thread.sleep(1);
        }
    }

    /** Commits {@code change} on a thread of its own, putting what it returned or threw into {@code outcomes}. */
    private static Thread committer(SqliteCommitNode node, long id, Map<Long, Object> outcomes) {
        Thread t = new Thread(() -> {
            try {
                outcomes.put(id, node.commit(transfer(id)));
            } catch (Throwable e) {
                outcomes.put(id, e);
            }
        }, "committer of change " + id);
        t.start();
        return t;
    }

    /**
     * A new leader takes the changes the WAL has written into the batch whose fdatasync runs, and no
     * more: changes appended behind that batch (in the WAL's next one) go to the next SQLite
     * transaction, so the transaction's committers wait for one fdatasync. Here change 3's
     * fdatasync is held (its batch holds 3 alone) while 4 and 5 queue behind it, and 2's leader then
     * hands on: the transaction led by 3's committer holds exactly 3; the one after it, 4 and 5.
     */
    @Test
    void aTransactionHoldsExactlyTheChangesOfTheWalBatchWhoseFdatasyncRuns() throws Exception {
        FaultPlan.FaultyStorage faulty = segmentFaults();
        Path db = tmp.resolve("bank.db");
        CountDownLatch applyingTwo = new CountDownLatch(1);
        CountDownLatch finishTwo = new CountDownLatch(1);
        // Each transaction by its first change (the node's applying row), and the changes applied in it.
        Map<Long, List<Long>> transactions = new ConcurrentHashMap<>();
        ChangeApplier bank = Bank.applier();
        ChangeApplier applier = (c, sequence, change) -> {
            long first;
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT sequence FROM " + SqliteCommitNode.APPLYING_TABLE)) {
                r.next();
                first = r.getLong(1);
            }
            transactions.computeIfAbsent(first, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(sequence);
            bank.apply(c, sequence, change);
            if (sequence == 2) {
                applyingTwo.countDown();
                try {
                    assertTrue(finishTwo.await(20, TimeUnit.SECONDS), "change 2's applier was never let go");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        };
        io.github.wal4j.WriteAheadLog wal = io.github.wal4j.WriteAheadLog.open(tmp.resolve("wal"),
                WalOptions.defaults().withStorage(faulty));
        Map<Long, Object> outcomes = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        // No checkpoint by time: the held sync must be a batch's, never a checkpoint's.
        SqliteNodeOptions options = options(null).withCheckpointPolicy(
                SqliteCheckpointPolicy.defaults().withInterval(java.time.Duration.ZERO));
        try (SqliteCommitNode node = SqliteCommitNode.open(wal, db, applier, options)) {
            assertEquals(1, node.commit(transfer(1)));
            Thread two = committer(node, 2, outcomes);
            threads.add(two);
            assertTrue(applyingTwo.await(10, TimeUnit.SECONDS), "change 2 was not applied");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (wal.durableSequence() < 2) {
                assertTrue(System.nanoTime() - deadline < 0, "change 2 never became durable");
                Thread.sleep(1);
            }
            // Change 2's leader is inside its transaction; the WAL writes 3 alone and holds its fdatasync.
            FaultPlan.FailureHold hold = faulty.holdNext(FaultPlan.Operation.SYNC);
            try {
                Thread three = committer(node, 3, outcomes);
                threads.add(three);
                assertTrue(hold.awaitEntered(10, TimeUnit.SECONDS), "change 3's fdatasync did not start");
                awaitParkedIn(three, "awaitTurn");
                threads.add(committer(node, 4, outcomes));
                awaitParkedIn(threads.get(2), "awaitTurn");
                threads.add(committer(node, 5, outcomes));
                awaitParkedIn(threads.get(3), "awaitTurn");
                assertEquals(5, wal.lastSequence());
                assertEquals(3, wal.writtenSequence(), "the WAL's batch in its fdatasync holds change 3 alone");
                assertEquals(2, wal.durableSequence());
                finishTwo.countDown();
                // Change 3's committer leads next: it applies its batch and waits for the held fdatasync.
                awaitParkedIn(three, "awaitDurable");
                assertEquals(List.of(3L), transactions.get(3L),
                        "the transaction of the WAL batch in its fdatasync holds changes of the next batch");
            } finally {
                finishTwo.countDown();
                hold.release();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(20));
                assertFalse(t.isAlive(), t.getName() + " did not return");
            }
            for (long id = 2; id <= 5; id++) {
                assertEquals(id, outcomes.get(id), "change " + id);
            }
            assertEquals(Map.of(1L, List.of(1L), 2L, List.of(2L), 3L, List.of(3L), 4L, List.of(4L, 5L)),
                    new TreeMap<>(transactions), "the SQLite transactions, each by its first change");
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), Bank.transfers(db));
        }
    }

    @Test
    void aChangeAppliedWhileItsFdatasyncRunsIsNotCommittedToSqliteBeforeTheWalHasIt() throws Exception {
        FaultPlan.FaultyStorage faulty = segmentFaults();
        Path walDir = tmp.resolve("wal");
        Path db = tmp.resolve("bank.db");
        CountDownLatch appliedTwo = new CountDownLatch(1);
        ChangeApplier bank = Bank.applier();
        ChangeApplier applier = (c, sequence, change) -> {
            bank.apply(c, sequence, change);
            if (sequence == 2) {
                appliedTwo.countDown();
            }
        };
        SqliteCommitNode node = SqliteCommitNode.open(walDir, db, applier, options(faulty));
        try {
            assertEquals(1, node.commit(transfer(1)));
            long syncs = faulty.seen(FaultPlan.Operation.SYNC);
            faulty.failNext(FaultPlan.Operation.SYNC, 1, FaultPlan.Errno.EIO);
            FaultPlan.FailureHold hold = faulty.holdNextFailure(FaultPlan.Operation.SYNC);
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread committer = new Thread(() -> {
                try {
                    node.commit(transfer(2));
                    outcome.set(new AssertionError("commit of change 2 returned although its fdatasync failed"));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }, "committer of change 2");
            committer.start();
            try {
                assertTrue(hold.awaitEntered(10, TimeUnit.SECONDS), "change 2's fdatasync did not start");
                assertTrue(appliedTwo.await(10, TimeUnit.SECONDS), "change 2 was not applied while its fdatasync ran");
                // The leader is past the applier and waits: for the WAL here, or, out of order, after its commit.
                awaitWaiting(committer);
                assertEquals(List.of(1L), Bank.transfers(db), "change 2 is in SQLite while its WAL fdatasync has not returned");
                assertEquals(1, Bank.appliedRow(db));
            } finally {
                hold.release();
            }
            committer.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(committer.isAlive(), "the commit of change 2 did not return after its fdatasync failed");
            assertEquals(syncs + 1, faulty.seen(FaultPlan.Operation.SYNC), "one fdatasync, change 2's, failed");
            assertInstanceOf(WalException.class, outcome.get(), "the typed failure of the append");
            assertEquals(List.of(1L), Bank.transfers(db), "the rolled-back transaction left nothing of change 2");
            assertTrue(node.stopped());
        } finally {
            closeFailed(node);
        }
        // Change 2 was written before its fdatasync failed: whether the WAL has it is the WAL's to say.
        try (SqliteCommitNode again = SqliteCommitNode.open(walDir, db, Bank.applier(), options(null))) {
            long applied = again.appliedSequence();
            assertTrue(applied == 1 || applied == 2, "applied " + applied);
            assertEquals(applied - 1, again.replayedAtOpen());
            assertEquals(applied + 1, again.commit(transfer(3)));
        }
        List<Long> ids = Bank.transfers(db);
        assertTrue(ids.equals(List.of(1L, 2L, 3L)) || ids.equals(List.of(1L, 3L)), "each change once, in order: " + ids);
    }

    @Test
    void aFailedFdatasyncMidOverlapLeavesSqliteWithExactlyTheAcknowledgedChangesAndReplayAppliesEachOnce()
            throws Exception {
        String one = System.getProperty("wal4j.overlappedApply.seed");
        long seed = one != null ? Long.parseLong(one) : System.nanoTime();
        String label = "seed " + seed + " (-Dwal4j.overlappedApply.seed=" + seed + ")";
        System.out.println("OverlappedApplyTest: " + label);
        Random random = new Random(seed);
        int threads = 2 + random.nextInt(15);
        int perThread = 40;
        FaultPlan.FaultyStorage faulty = segmentFaults();
        Path walDir = tmp.resolve("wal");
        Path db = tmp.resolve("bank.db");
        Map<Long, Throwable> failed = new ConcurrentHashMap<>();
        Map<Long, Long> acknowledged = new ConcurrentHashMap<>();
        SqliteCommitNode node = SqliteCommitNode.open(walDir, db, Bank.applier(), options(faulty)
                .withBatchLimits(1 + random.nextInt(32), 1 << 20, java.time.Duration.ofMillis(10)));
        try {
            // The n-th fdatasync from now fails, while the committers keep the WAL and the applier busy.
            faulty.failNext(FaultPlan.Operation.SYNC, 2 + random.nextInt(30), FaultPlan.Errno.EIO);
            List<Thread> committers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long base = (t + 1) * 1_000L;
                Thread committer = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long id = base + i;
                        try {
                            acknowledged.put(id, node.commit(transfer(id)));
                        } catch (IOException e) {
                            failed.put(id, e);
                            return; // the node is stopped: every later commit is refused
                        }
                    }
                }, "committer " + t);
                committers.add(committer);
                committer.start();
            }
            for (Thread committer : committers) {
                committer.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(committer.isAlive(), label + ": a committer still waits 60 s after the fdatasync failed");
            }
            assertEquals(1, faulty.failed(FaultPlan.Operation.SYNC), label + ": the fdatasync failed");
            assertTrue(node.stopped(), label);
            failed.values().forEach(e -> assertInstanceOf(WalException.class, e, label + ": a typed failure"));
            assertFalse(failed.isEmpty(), label);
            // Before any replay: SQLite holds exactly the acknowledged changes, in sequence order, once each.
            TreeMap<Long, Long> bySequence = new TreeMap<>();
            acknowledged.forEach((id, sequence) -> bySequence.put(sequence, id));
            assertEquals(new ArrayList<>(bySequence.values()), Bank.transfers(db),
                    label + ": SQLite holds a change that was not acknowledged, or lacks one that was");
            long applied = Bank.appliedRow(db);
            assertEquals(bySequence.isEmpty() ? 0 : bySequence.lastKey(), applied, label);
            assertTrue(bySequence.isEmpty() || bySequence.lastKey() == bySequence.size(), label + ": a gap " + bySequence);
        } finally {
            closeFailed(node);
        }
        try (SqliteCommitNode again = SqliteCommitNode.open(walDir, db, Bank.applier(), options(null))) {
            List<Long> ids = Bank.transfers(db);
            assertEquals(again.appliedSequence(), ids.size(), label + ": one row per applied change");
            assertEquals(ids.size(), ids.stream().distinct().count(), label + ": a change applied twice: " + ids);
            for (long id : acknowledged.keySet()) {
                assertTrue(ids.contains(id), label + ": acknowledged change " + id + " lost");
            }
            for (long id : ids) {
                // Each committer stops at its first failure: every change handed to commit is in one of the two.
                assertTrue(acknowledged.containsKey(id) || failed.containsKey(id),
                        label + ": change " + id + " was never committed");
            }
            assertNotNull(again.read(c -> {
                try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
                    r.next();
                    assertEquals("ok", r.getString(1), label);
                }
                try (Statement s = c.createStatement();
                        ResultSet r = s.executeQuery("SELECT SUM(balance) FROM accounts")) {
                    r.next();
                    assertEquals(ACCOUNTS * Bank.INITIAL, r.getLong(1), label + ": money created or destroyed");
                }
                return Boolean.TRUE;
            }));
        }
    }
}
