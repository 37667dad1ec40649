package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many threads commit at once: their changes are applied in WAL order, several per SQLite
 * transaction, each exactly once; a change that fails inside a batch fails it and every change
 * after it, while the changes before it commit; the WAL is never checkpointed past what SQLite
 * made durable; and an applier cannot call the node. There is no applier thread: a lone committer
 * applies its own change, and of many committers one at a time leads the batch of everyone whose
 * append is durable; a seeded schedule of many committers with an applier failing mid-batch loses
 * nothing and leaves no committer waiting, and an interrupted committer that leads still applies.
 */
class ConcurrentCommitTest {
    private static final int ACCOUNTS = 8;

    @TempDir
    Path tmp;

    private SqliteCommitNode open(ChangeApplier applier, SqliteNodeOptions options) throws Exception {
        return SqliteCommitNode.open(tmp.resolve("wal"), tmp.resolve("bank.db"), applier,
                options.withSchema(Bank.schema(ACCOUNTS)));
    }

    private static byte[] transfer(long id) {
        return new Bank.Transfer(id, (int) (id % ACCOUNTS), (int) ((id + 1) % ACCOUNTS), 7).encode();
    }

    /** An applier that also records, per change, the first change of the transaction it is in (the applying row). */
    private static ChangeApplier recordingTransactions(Map<Long, Long> transactionOf) {
        ChangeApplier bank = Bank.applier();
        return (c, sequence, change) -> {
            bank.apply(c, sequence, change);
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT sequence FROM " + SqliteCommitNode.APPLYING_TABLE)) {
                r.next();
                transactionOf.put(sequence, r.getLong(1));
            }
        };
    }

    @ParameterizedTest
    @EnumSource(JournalMode.class)
    void concurrentCommitsAreAppliedInOrderOncePerChangeAndSeveralPerTransaction(JournalMode mode) throws Exception {
        int threads = 16;
        int perThread = 60;
        Map<Long, Long> transactionOf = new ConcurrentHashMap<>();
        Map<Long, Long> sequenceOf = new ConcurrentHashMap<>();
        try (SqliteCommitNode node = open(recordingTransactions(transactionOf),
                NodeDefaults.options().withJournalMode(mode))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long base = t * 1_000L;
                    done.add(pool.submit(() -> {
                        for (long i = 0; i < perThread; i++) {
                            long seq = node.commit(transfer(base + i));
                            // Returned: in the database already, as read through the node's connection.
                            assertTrue(node.appliedSequence() >= seq);
                            sequenceOf.put(base + i, seq);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads * perThread, node.appliedSequence());
        }
        int n = threads * perThread;
        List<long[]> rows = rows();
        assertEquals(n, rows.size(), "one row per change");
        for (int i = 0; i < n; i++) {
            long[] row = rows.get(i);
            assertEquals(i + 1, row[1], "the rows' sequences are 1.." + n);
            assertEquals(sequenceOf.get(row[0]), row[1], "transfer " + row[0] + " at the sequence its commit returned");
        }
        long transactions = transactionOf.values().stream().distinct().count();
        System.out.println("[wal4j] ConcurrentCommitTest[" + mode + "]: " + n + " changes from " + threads
                + " threads in " + transactions + " SQLite transactions");
        assertTrue(transactions < n, "several changes per SQLite transaction: " + transactions + " for " + n);
        for (Map.Entry<Long, Long> e : transactionOf.entrySet()) {
            assertTrue(e.getValue() <= e.getKey(), "change " + e.getKey() + " in a transaction starting at " + e.getValue());
        }
    }

    @Test
    void aFailureInsideABatchCommitsTheChangesBeforeItAndFailsItAndEveryChangeAfterIt() throws Exception {
        long bad = 999;
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        AtomicLong appended = new AtomicLong();
        Map<Long, Long> transactionOf = new ConcurrentHashMap<>();
        ChangeApplier recording = recordingTransactions(transactionOf);
        ChangeApplier applier = (c, sequence, change) -> {
            if (sequence == 1) {
                holding.countDown();
                await(release); // holds the applier so that changes 2..11 queue up and form one batch
            }
            if (Bank.Transfer.decode(change).id() == bad) {
                throw new SQLException("refused (simulated)");
            }
            recording.apply(c, sequence, change);
        };
        Set<Thread> committers = ConcurrentHashMap.newKeySet();
        CommitListener counting = new CommitListener() {
            @Override
            public void appended(long sequence) {
                if (sequence > 1) {
                    committers.add(Thread.currentThread());
                }
                appended.incrementAndGet();
            }
        };
        Map<Long, Object> outcome = new ConcurrentHashMap<>();
        try (SqliteCommitNode node = open(applier, NodeDefaults.options().withListener(counting))) {
            ExecutorService pool = Executors.newCachedThreadPool();
            try {
                List<Future<?>> done = new ArrayList<>();
                // Sequence 1, then 8 good changes (2..9), then the bad one (10), then one more good (11).
                List<Long> ids = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, bad, 11L));
                for (int k = 0; k < ids.size(); k++) {
                    long id = ids.get(k);
                    done.add(pool.submit(() -> {
                        try {
                            outcome.put(id, node.commit(transfer(id)));
                        } catch (Exception e) {
                            outcome.put(id, e);
                        }
                    }));
                    long expected = k + 1;
                    if (k == 0) {
                        holding.await(30, TimeUnit.SECONDS); // change 1 is in a batch of its own, held
                    }
                    // The bad one and the one after it are appended last, in this order.
                    if (k >= 8) {
                        waitFor(() -> appended.get() >= expected);
                    }
                }
                waitFor(() -> appended.get() >= 11);
                // Appended is not yet queued: wait until each committer of 2..11 waits for its turn.
                waitFor(() -> committers.size() == 10 && committers.stream().allMatch(ConcurrentCommitTest::waitsItsTurn));
                release.countDown();
                for (Future<?> f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(node.stopped());
            assertEquals(9, node.appliedSequence());
            assertThrows(NodeStoppedException.class, () -> node.commit(transfer(12)));
        }
        Set<Long> goodSequences = new java.util.TreeSet<>();
        for (Map.Entry<Long, Object> e : outcome.entrySet()) {
            if (e.getKey() == bad || e.getKey() == 11L) {
                ChangeNotAppliedException failed = assertInstanceOf(ChangeNotAppliedException.class, e.getValue(),
                        "the bad change and the one after it");
                assertEquals(e.getKey() == bad ? 10 : 11, failed.sequence());
            } else {
                assertInstanceOf(Long.class, e.getValue(), "transfer " + e.getKey() + ": " + e.getValue());
                goodSequences.add((Long) e.getValue());
            }
        }
        assertEquals(Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), goodSequences);
        // 2..9 were first tried in one batch with 10, then applied one per transaction after the rollback.
        for (long s = 2; s <= 9; s++) {
            assertEquals(s, transactionOf.get(s), "change " + s + " committed in a transaction of its own");
        }
        assertEquals(9, rows().size());
        try (SqliteCommitNode node = open(Bank.applier(), NodeDefaults.options())) {
            assertEquals(2, node.replayedAtOpen());
            assertEquals(11, node.appliedSequence());
        }
        List<Long> order = new ArrayList<>();
        for (long[] row : rows()) {
            order.add(row[0]);
        }
        assertEquals(Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), Set.copyOf(order.subList(0, 9)));
        assertEquals(List.of(bad, 11L), order.subList(9, 11), "the two that failed, replayed at open, in WAL order");
    }

    @Test
    void theWalIsNeverCheckpointedPastWhatSqliteMadeDurable() throws Exception {
        AtomicLong durable = new AtomicLong(-1);
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        AtomicLong checkpoints = new AtomicLong();
        CommitListener watching = new CommitListener() {
            @Override
            public void checkpointed(long sequence) {
                checkpoints.incrementAndGet();
                if (sequence > durable.get()) {
                    violations.add("checkpointed to " + sequence + " with SQLite durable to " + durable.get());
                }
            }
        };
        SqliteNodeOptions options = NodeDefaults.options().withListener(watching)
                .withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(7))
                .withDurablePointHook(durable::set);
        try (SqliteCommitNode node = open(Bank.applier(), options)) {
            for (long id = 1; id <= 40; id++) {
                node.commit(transfer(id));
            }
        }
        assertTrue(checkpoints.get() >= 5, "checkpoints every 7 changes: " + checkpoints.get());
        assertEquals(List.of(), violations);
        // The switch only tests reach breaks the rule, and this test would notice.
        violations.clear();
        durable.set(-1);
        try (SqliteCommitNode node = open(Bank.applier(), options.withCheckpointPastDurablePoint())) {
            for (long id = 41; id <= 50; id++) {
                node.commit(transfer(id));
            }
        }
        assertTrue(!violations.isEmpty(), "the unsafe switch checkpoints past SQLite's durable point");
    }

    @Test
    void aReaderHoldingASnapshotHoldsBackTheWalCheckpointNotTheCommits() throws Exception {
        SqliteNodeOptions options = NodeDefaults.options().withBusyTimeout(java.time.Duration.ofMillis(20))
                .withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(5));
        try (SqliteCommitNode node = open(Bank.applier(), options)) {
            try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("bank.db"))) {
                reader.setAutoCommit(false);
                try (Statement s = reader.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM transfers")) {
                    r.next(); // the read transaction now holds a snapshot without any transfer
                }
                long started = System.nanoTime();
                for (long id = 1; id <= 20; id++) {
                    node.commit(transfer(id));
                }
                long millis = (System.nanoTime() - started) / 1_000_000;
                // SQLite cannot copy frames the reader may still need: the WAL keeps every change.
                assertEquals(0, node.checkpointSequence(), "checkpointed past what SQLite made durable");
                // One attempt waits out the 20 ms busy timeout, then the schedule waits 100 ms before the next.
                assertTrue(millis < 5_000, "20 commits took " + millis + " ms behind a reader");
                reader.rollback();
            }
            Thread.sleep(CheckpointSchedule.RETRY_NANOS / 1_000_000 + 50);
            for (long id = 21; id <= 30; id++) {
                node.commit(transfer(id));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (node.checkpointSequence() < 25 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(node.checkpointSequence() >= 25, "the reader is gone, the checkpoint catches up: "
                    + node.checkpointSequence());
        }
    }

    @Test
    void theApplierThreadCannotCallTheNode() throws Exception {
        SqliteCommitNode[] self = new SqliteCommitNode[1];
        ChangeApplier reentrant = (c, sequence, change) -> {
            if (sequence == 2) {
                try {
                    self[0].commit(transfer(99));
                } catch (java.io.IOException e) {
                    throw new SQLException(e);
                }
            }
            Bank.applier().apply(c, sequence, change);
        };
        try (SqliteCommitNode node = open(reentrant, NodeDefaults.options())) {
            self[0] = node;
            node.commit(transfer(1));
            ChangeNotAppliedException e = assertThrows(ChangeNotAppliedException.class, () -> node.commit(transfer(2)));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("Appliers and listeners must not call the node"),
                    e.getCause().getMessage());
        }
    }

    @Test
    void aLoneCommitterAppliesItsOwnChangeOnItsOwnThread() throws Exception {
        List<Thread> applyingThreads = Collections.synchronizedList(new ArrayList<>());
        ChangeApplier bank = Bank.applier();
        ChangeApplier recording = (c, sequence, change) -> {
            applyingThreads.add(Thread.currentThread());
            bank.apply(c, sequence, change);
        };
        try (SqliteCommitNode node = open(recording, NodeDefaults.options())) {
            for (long id = 1; id <= 5; id++) {
                node.commit(transfer(id));
            }
        }
        assertEquals(5, applyingThreads.size());
        for (Thread t : applyingThreads) {
            assertEquals(Thread.currentThread(), t, "applied by the committing thread itself: no hand-off");
        }
    }

    @Test
    void anInterruptedCommitterThatLeadsStillAppliesAndKeepsItsInterrupt() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Map<Long, Boolean> interruptedWhileApplying = new ConcurrentHashMap<>();
        Map<Long, Thread> appliedOn = new ConcurrentHashMap<>();
        ChangeApplier bank = Bank.applier();
        ChangeApplier applier = (c, sequence, change) -> {
            interruptedWhileApplying.put(sequence, Thread.currentThread().isInterrupted());
            appliedOn.put(sequence, Thread.currentThread());
            if (sequence == 1) {
                holding.countDown();
                await(release); // the committer of 1 leads and holds; the committer of 2 waits its turn
            }
            bank.apply(c, sequence, change);
        };
        AtomicLong appended = new AtomicLong();
        CommitListener counting = new CommitListener() {
            @Override
            public void appended(long sequence) {
                appended.set(sequence);
            }
        };
        try (SqliteCommitNode node = open(applier, NodeDefaults.options().withListener(counting))) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<Long> first = pool.submit(() -> node.commit(transfer(1)));
                await(holding);
                Thread[] second = new Thread[1];
                Future<Boolean> interruptKept = pool.submit(() -> {
                    second[0] = Thread.currentThread();
                    node.commit(transfer(2));
                    return Thread.interrupted();
                });
                waitFor(() -> appended.get() == 2);
                waitFor(() -> second[0] != null && second[0].getState() == Thread.State.WAITING);
                second[0].interrupt(); // while it waits for its turn
                release.countDown();
                assertEquals(1L, first.get(30, TimeUnit.SECONDS));
                assertTrue(interruptKept.get(30, TimeUnit.SECONDS), "the interrupt flag is kept");
                assertEquals(second[0], appliedOn.get(2L), "the committer of 2 led its own change");
                assertEquals(Boolean.FALSE, interruptedWhileApplying.get(2L),
                        "its interrupt is not seen by the applier while it applies");
            } finally {
                pool.shutdownNow();
            }
            assertEquals(2, node.appliedSequence());
            assertTrue(!node.stopped());
        }
        assertEquals(2, rows().size());
    }

    @Test
    void aSeededScheduleOfManyCommittersWithAnApplierFailingMidBatchLosesNothingAndLeavesNoOneWaiting()
            throws Exception {
        String one = System.getProperty("wal4j.concurrentCommit.seed");
        long seed = one != null ? Long.parseLong(one) : System.nanoTime();
        String label = "seed " + seed + " (-Dwal4j.concurrentCommit.seed=" + seed + ")";
        Random random = new Random(seed);
        int threads = 16;
        int perThread = 25;
        long failAt = 20 + random.nextInt(threads * perThread - 40);
        ChangeApplier bank = Bank.applier();
        ChangeApplier applier = (c, sequence, change) -> {
            long r = Bank.Transfer.decode(change).id() * 7919 + seed;
            if (r % 5 == 0) {
                Thread.yield();
            }
            if (sequence == failAt) {
                throw new SQLException("refused (simulated) at " + failAt);
            }
            bank.apply(c, sequence, change);
        };
        Map<Long, Object> outcome = new ConcurrentHashMap<>();
        int dir = Math.floorMod((int) seed, 1_000_000);
        Path walDir = tmp.resolve("wal-" + dir);
        Path db = tmp.resolve("bank-" + dir + ".db");
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, db, applier,
                NodeDefaults.options().withBatchLimits(1 + random.nextInt(16), 1 << 20,
                        java.time.Duration.ofMillis(10)).withSchema(Bank.schema(ACCOUNTS)))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long base = t * 1_000L;
                    Random mine = new Random(seed + t);
                    done.add(pool.submit(() -> {
                        for (long i = 0; i < perThread; i++) {
                            try {
                                outcome.put(base + i, node.commit(transfer(base + i)));
                            } catch (java.io.IOException e) {
                                outcome.put(base + i, e);
                            }
                            if (mine.nextInt(8) == 0) {
                                Thread.sleep(0, mine.nextInt(100_000));
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
            assertTrue(node.stopped(), label);
            assertEquals(failAt - 1, node.appliedSequence(), label);
        }
        long committed = 0;
        long appendedNotApplied = 0;
        for (Map.Entry<Long, Object> e : outcome.entrySet()) {
            Object o = e.getValue();
            if (o instanceof Long s) {
                assertTrue(s < failAt, label + ": transfer " + e.getKey() + " returned " + s + " at or after " + failAt);
                committed++;
            } else if (o instanceof ChangeNotAppliedException n) {
                assertTrue(n.sequence() >= failAt, label + ": " + n.sequence() + " failed before " + failAt);
                appendedNotApplied++;
            } else {
                assertInstanceOf(NodeStoppedException.class, o, label + ": transfer " + e.getKey());
            }
        }
        assertEquals(failAt - 1, committed, label + ": every change before the failing one returned");
        assertTrue(appendedNotApplied >= 1, label);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*), count(DISTINCT sequence), max(sequence) FROM transfers")) {
            r.next();
            assertEquals(failAt - 1, r.getLong(1), label);
            assertEquals(failAt - 1, r.getLong(2), label + ": each once");
            assertEquals(failAt - 1, r.getLong(3), label);
        }
        // Reopened with an applier that accepts it: everything appended is applied exactly once.
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, db, Bank.applier(),
                NodeDefaults.options().withSchema(Bank.schema(ACCOUNTS)))) {
            assertEquals(failAt - 1 + appendedNotApplied, node.appliedSequence(), label);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*), count(DISTINCT transfer_id) FROM transfers")) {
            r.next();
            assertEquals(failAt - 1 + appendedNotApplied, r.getLong(1), label);
            assertEquals(r.getLong(1), r.getLong(2), label + ": each transfer once");
        }
        System.out.println("[wal4j] ConcurrentCommitTest " + label + ": failed at " + failAt + ", "
                + appendedNotApplied + " appended and not applied");
    }

    @Test
    void whenCommitsPauseTheCheckpointerKeepsThePolicysTimeBoundAndWithoutOneNothingMoves() throws Exception {
        AtomicLong durable = new AtomicLong(-1);
        Map<Long, String> checkpointedOn = new ConcurrentHashMap<>();
        CommitListener watching = new CommitListener() {
            @Override
            public void checkpointed(long sequence) {
                checkpointedOn.put(sequence, Thread.currentThread().getName());
            }
        };
        SqliteNodeOptions timed = NodeDefaults.options().withListener(watching).withDurablePointHook(durable::set)
                .withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(Long.MAX_VALUE)
                        .withBytes(Long.MAX_VALUE).withInterval(java.time.Duration.ofMillis(200)));
        try (SqliteCommitNode node = open(Bank.applier(), timed)) {
            for (long id = 1; id <= 3; id++) {
                node.commit(transfer(id));
            }
            // No commit comes to check the time: the checkpointer does. The listener hears of a checkpoint
            // after the WAL's mark moved, so wait for both.
            waitFor(() -> node.checkpointSequence() == 3 && checkpointedOn.containsKey(3L));
            assertTrue(checkpointedOn.get(3L).startsWith("wal4j-sqlite-checkpointer"), checkpointedOn.toString());
            assertEquals(3, durable.get(), "SQLite made durable first");
            node.commit(transfer(4));
            waitFor(() -> node.checkpointSequence() == 4); // and again after the next change
        }
        SqliteNodeOptions untimed = NodeDefaults.options().withCheckpointPolicy(SqliteCheckpointPolicy.defaults()
                .withChanges(Long.MAX_VALUE).withBytes(Long.MAX_VALUE).withInterval(java.time.Duration.ZERO));
        try (SqliteCommitNode node = open(Bank.applier(), untimed)) {
            node.commit(transfer(5));
            Thread.sleep(400);
            assertEquals(4, node.checkpointSequence(), "no bound is due: the WAL keeps change 5 until close");
        }
    }

    private List<long[]> rows() throws SQLException {
        List<long[]> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("bank.db"));
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT transfer_id, sequence FROM transfers ORDER BY sequence")) {
            while (r.next()) {
                rows.add(new long[] {r.getLong(1), r.getLong(2)});
            }
        }
        return rows;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code t} is parked in {@link ApplyQueue#awaitTurn} (its change queued, waiting to be applied or to lead). */
    private static boolean waitsItsTurn(Thread t) {
        StackTraceElement[] stack = t.getStackTrace();
        boolean inAwaitTurn = false;
        for (StackTraceElement e : stack) {
            inAwaitTurn |= e.getClassName().equals(ApplyQueue.class.getName()) && e.getMethodName().equals("awaitTurn");
        }
        return inAwaitTurn && t.getState() == Thread.State.WAITING && stack.length > 0
                && stack[0].getMethodName().equals("park");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 30 s");
            }
            Thread.sleep(1);
        }
    }
}
