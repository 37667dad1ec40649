package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import io.github.wal4j.bookkeeper.internal.LogMetadata;
import io.github.wal4j.testing.AckWriter;
import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.internal.ChildSupport;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.BookKeeper;
import org.apache.zookeeper.ZooKeeper;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer at a time: a second writer fences the first while it writes; a writer whose ZooKeeper
 * session expires stops acknowledging; a writer JVM killed with SIGKILL loses nothing it
 * acknowledged. In every case the next writer's log holds every acknowledged record at its
 * sequence, once, with sequences contiguous.
 */
class WriterTakeoverTest {
    @RegisterExtension
    static final BookKeeperCluster cluster = BookKeeperCluster.of(3);

    @TempDir
    Path dir;

    /** Small ledgers, so the first writer also rolls (and its roll's compare-and-set can lose). */
    private static BookKeeperLogOptions options() {
        return cluster.newLog("takeover").withRoll(16 * 1024, Duration.ofMinutes(10));
    }

    @Test
    void aSecondWriterFencesTheFirstWhileItWrites() throws Exception {
        BookKeeperLogOptions o = options();
        BookKeeperLog first = BookKeeperLog.open(o);
        Appender a = new Appender(first, "a");
        a.awaitAcks(1500, 60_000);
        BookKeeperLog second = BookKeeperLog.open(o);
        try {
            Throwable fenced = a.awaitFailure(30_000);
            a.close();
            // A failure of another type must say what it was: the message holds its stack trace and causes.
            assertInstanceOf(WalFencedException.class, fenced, () -> "the first writer's failure: " + stackOf(fenced));
            assertEquals(first.epoch() + 1, second.epoch());
            // Nothing acknowledged after the fence: the deposed writer refuses, and all it acknowledged
            // is below the second writer's first sequence.
            assertThrows(WalFencedException.class, () -> first.append("late".getBytes(StandardCharsets.UTF_8)));
            long secondFirst = second.lastSequence() + 1;
            for (long seq : a.acked.keySet()) {
                assertTrue(seq < secondFirst, "acknowledged " + seq + " at or after the new writer's start " + secondFirst);
            }
            Appender b = new Appender(second, "b");
            b.awaitAcks(200, 60_000);
            b.close();
            List<WalRecord> all = DurableLogContract.readAll(second, 1);
            Appender.assertHoldsEveryAck(all, 1, a.acked);
            Appender.assertHoldsEveryAck(all, 1, b.acked);
            assertEquals(second.durableSequence(), all.size());
        } finally {
            second.close();
            first.close();
        }
    }

    @Test
    void aWriterWhoseSessionExpiresStopsAcknowledgingAndTheNextTakesOver() throws Exception {
        // No roll during the test: the writer must notice the expiry itself, not through a failed
        // metadata update.
        BookKeeperLogOptions o = cluster.newLog("expiry");
        BookKeeperLog first = BookKeeperLog.open(o);
        Appender a = new Appender(first, "a");
        a.awaitAcks(500, 60_000);
        cluster.expireSession(first.zooKeeperSessionId(), first.zooKeeperSessionPassword());
        Throwable failure = a.awaitFailure(30_000);
        a.close();
        assertInstanceOf(WalMetadataException.class, failure, "the expired writer's failure");
        int ackedAtFailure = a.acked.size();
        CompletionException late = assertThrows(CompletionException.class,
                () -> first.appendAsync("late".getBytes(StandardCharsets.UTF_8)).join());
        assertInstanceOf(WalMetadataException.class, late.getCause());
        assertEquals(ackedAtFailure, a.acked.size(), "acknowledged after the failure");
        try (BookKeeperLog second = BookKeeperLog.open(o)) {
            long start = second.lastSequence() + 1;
            assertEquals(start, second.append("b-0".getBytes(StandardCharsets.UTF_8)));
            List<WalRecord> all = DurableLogContract.readAll(second, 1);
            Appender.assertHoldsEveryAck(all, 1, a.acked);
        } finally {
            first.close();
        }
    }

    /**
     * The child: appends until killed (64 in flight), one ack line per acknowledged append. With a
     * fourth argument, a kill point ({@code open}, or {@code roll:K} for its K-th roll): there, after
     * the ledger is created and before the list names it, it writes
     * {@code unlisted <step> <ledger id> <first sequence>} and waits for the SIGKILL.
     */
    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(120);
        BookKeeperLogOptions o = BookKeeperLogOptions.of(args[0], args[1]).withRoll(16 * 1024, Duration.ofMinutes(10));
        AckWriter ack = new AckWriter(Path.of(args[2]));
        if (args.length > 3) {
            stopBeforeListing(args[3], ack);
        }
        BookKeeperLog log = BookKeeperLog.open(o);
        ack.line("open " + log.epoch());
        Semaphore window = new Semaphore(64);
        for (long i = 0; ; i++) {
            window.acquire();
            String payload = "c-" + i;
            log.appendAsync(payload.getBytes(StandardCharsets.UTF_8)).whenComplete((seq, e) -> {
                if (e != null) {
                    ChildSupport.bad(ack, "append of " + payload + " failed", e);
                    Runtime.getRuntime().halt(3);
                }
                try {
                    ack.line("ack " + seq + " " + payload);
                } catch (IOException io) {
                    Runtime.getRuntime().halt(5);
                }
                window.release();
            });
        }
    }

    private static void stopBeforeListing(String killPoint, AckWriter ack) {
        AtomicInteger rolls = new AtomicInteger();
        BookKeeperLog.beforeListing = (step, ledgerId, firstSequence) -> {
            boolean here = step.equals("open") ? killPoint.equals("open")
                    : killPoint.equals("roll:" + rolls.incrementAndGet());
            if (!here) {
                return;
            }
            try {
                ack.line("unlisted " + step + " " + ledgerId + " " + firstSequence);
            } catch (IOException e) {
                Runtime.getRuntime().halt(5);
            }
            while (true) {
                LockSupport.park(); // until the SIGKILL (or the watchdog)
            }
        };
    }

    /** The kill point's line: {@code [ledger id, first sequence]} of the ledger no list names. */
    private static long[] unlisted(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("unlisted ")) {
                String[] w = line.split(" ");
                return new long[] {Long.parseLong(w[2]), Long.parseLong(w[3])};
            }
        }
        throw new AssertionError("no unlisted line in " + lines.size() + " lines");
    }

    private static Map<Long, String> childAcks(Path ackFile) throws IOException {
        Map<Long, String> acked = new TreeMap<>();
        for (String line : AckFile.readAll(ackFile)) {
            assertTrue(!line.startsWith("BAD"), line);
            if (line.startsWith("ack ")) {
                String[] w = line.split(" ");
                acked.put(Long.parseLong(w[1]), w[2]);
            }
        }
        return acked;
    }

    /**
     * What the next writer must find after a writer died between creating a ledger and listing it:
     * the records up to {@code lastSequence} (every acknowledged one once, contiguous), its own
     * appends from {@code lastSequence + 1}, the unlisted ledger in no list, and
     * {@link BookKeeperLog#deleteOrphanLedgers} deleting exactly that ledger.
     */
    private static void assertNextWriterIgnoresTheUnlistedLedger(BookKeeperLogOptions o, Map<Long, String> acked,
            long lastSequence, long orphan, String context) throws Exception {
        try (BookKeeperLog next = BookKeeperLog.open(o)) {
            List<WalRecord> all = DurableLogContract.readAll(next, 1);
            Appender.assertHoldsEveryAck(all, 1, acked);
            assertEquals(lastSequence, all.size(), context + ": records in the log");
            assertEquals(lastSequence, next.lastSequence(), context);
            assertTrue(!next.ledgerIds().contains(orphan), context + ": the unlisted ledger " + orphan
                    + " is in the next writer's list " + next.ledgerIds());
            assertEquals(List.of(orphan), BookKeeperLog.deleteOrphanLedgers(o), context + ": orphans deleted");
            BookKeeper bk = cluster.bookKeeperClient();
            try {
                assertThrows(org.apache.bookkeeper.client.BKException.class, () -> bk.openLedgerNoRecovery(orphan,
                        BookKeeper.DigestType.CRC32C, "wal4j".getBytes(StandardCharsets.UTF_8)).close());
            } finally {
                bk.close();
            }
            assertEquals(lastSequence + 1, next.append("after".getBytes(StandardCharsets.UTF_8)), context);
            assertEquals(lastSequence + 1, DurableLogContract.readAll(next, 1).size(), context);
        }
    }

    /**
     * The writer JVM dies at its K-th roll (K seeded), after it sealed its ledger and created the
     * next one, before the list named the new one: the list still shows the sealed ledger open.
     * Every record of the sealed ledger was acknowledged (a roll waits for the adds in flight), so
     * the next writer must hold exactly the child's acknowledgements.
     */
    @Test
    void aWriterKilledBetweenCreatingItsNextLedgerAndListingItLosesNothing() throws Exception {
        long seed = Seeds.seed("WriterTakeoverTest.roll");
        int roll = 1 + new Random(seed).nextInt(3);
        String context = "seed " + seed + ", killed at roll " + roll;
        BookKeeperLogOptions o = options();
        Path ackFile = dir.resolve("acks");
        AckFile acks = new AckFile(ackFile);
        long[] unlisted;
        try (CrashJvm child = CrashJvm.start(WriterTakeoverTest.class, dir, "writer", cluster.zooKeeper(),
                o.logPath(), ackFile.toString(), "roll:" + roll)) {
            unlisted = unlisted(acks.awaitLines(child, lines -> AckFile.count(lines, "unlisted") == 1, 90_000,
                    context));
            // The sealed ledger's last acknowledgements may still be on their way to the file.
            long sealed = unlisted[1] - 1;
            acks.awaitLines(child, lines -> AckFile.count(lines, "ack") == sealed, 10_000,
                    context + ": " + sealed + " acks of the sealed ledger");
            child.kill();
        }
        Map<Long, String> acked = childAcks(ackFile);
        assertEquals(unlisted[1] - 1, acked.size(), context);
        assertNextWriterIgnoresTheUnlistedLedger(o, acked, unlisted[1] - 1, unlisted[0], context);
    }

    /**
     * A new writer dies in its open, after it fenced the log's writer and created its ledger, before
     * its compare-and-set: the list names none of its work. The writer after it must hold exactly
     * what the first acknowledged and start where the dead opener would have. The first writer is
     * idle when the opener comes (a writer that rolls meanwhile would write on in a ledger the
     * opener never saw, and rightly so: an open that did not list its ledger deposed nobody).
     */
    @Test
    void anOpenerKilledBetweenCreatingItsLedgerAndListingItLosesNothing() throws Exception {
        BookKeeperLogOptions o = options();
        BookKeeperLog first = BookKeeperLog.open(o);
        Appender a = new Appender(first, "a");
        Path ackFile = dir.resolve("acks");
        long[] unlisted;
        try {
            a.awaitAcks(500, 60_000);
            a.close();
            try (CrashJvm child = CrashJvm.start(WriterTakeoverTest.class, dir, "opener", cluster.zooKeeper(),
                    o.logPath(), ackFile.toString(), "open")) {
                unlisted = unlisted(new AckFile(ackFile).awaitLines(child,
                        lines -> AckFile.count(lines, "unlisted") == 1, 90_000, "the opener's kill point"));
                child.kill();
            }
            // The opener's recovery sealed the first writer's ledger before it died.
            assertThrows(WalFencedException.class, () -> first.append("late".getBytes(StandardCharsets.UTF_8)));
        } finally {
            a.close();
            try {
                first.close();
            } catch (IOException fenced) {
                // A fenced writer's close: nothing to seal.
            }
        }
        assertEquals(0, childAcks(ackFile).size(), "the opener acknowledged nothing");
        assertEquals(a.acked.size(), unlisted[1] - 1, "the opener's first sequence");
        assertNextWriterIgnoresTheUnlistedLedger(o, a.acked, unlisted[1] - 1, unlisted[0], "opener killed");
    }

    @Test
    void aWriterKilledWithSigkillLosesNothingItAcknowledged() throws Exception {
        BookKeeperLogOptions o = options();
        Path ackFile = dir.resolve("acks");
        AckFile acks = new AckFile(ackFile);
        try (CrashJvm child = CrashJvm.start(WriterTakeoverTest.class, dir, "writer", cluster.zooKeeper(),
                o.logPath(), ackFile.toString())) {
            acks.awaitLines(child, lines -> AckFile.count(lines, "ack") >= 800, 90_000, "800 acks");
            child.kill();
        }
        Map<Long, String> acked = childAcks(ackFile);
        assertTrue(acked.size() >= 800, acked.size() + " acks");
        try (BookKeeperLog next = BookKeeperLog.open(o)) {
            List<WalRecord> all = DurableLogContract.readAll(next, 1);
            Appender.assertHoldsEveryAck(all, 1, acked);
            assertEquals(next.lastSequence(), all.size());
            assertEquals(all.size() + 1L, next.append("after".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void writersOpeningAtOnceLeaveOneOwnerAndNoLedgerOutsideTheList() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("race");
        Map<Long, String> acked = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<BookKeeperLog> opened = new ArrayList<>();
        try {
            for (int round = 0; round < 3; round++) {
                List<Future<BookKeeperLog>> opens = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    Callable<BookKeeperLog> open = () -> BookKeeperLog.open(o);
                    opens.add(pool.submit(open));
                }
                for (Future<BookKeeperLog> f : opens) {
                    try {
                        opened.add(f.get(120, TimeUnit.SECONDS));
                    } catch (java.util.concurrent.ExecutionException e) {
                        // Lost every attempt to others: typed, and it created nothing that stays.
                        assertInstanceOf(WalFencedException.class, e.getCause(), () -> stackOf(e.getCause()));
                    }
                }
                // Every open writer tries one append: only the last one to open may succeed.
                int succeeded = 0;
                for (BookKeeperLog log : opened) {
                    String payload = "r" + round + "-e" + log.epoch();
                    try {
                        acked.put(log.append(payload.getBytes(StandardCharsets.UTF_8)), payload);
                        succeeded++;
                    } catch (WalFencedException expected) {
                        // Fenced by a later open.
                    }
                }
                assertEquals(1, succeeded, "writers that could append after round " + round);
                for (BookKeeperLog log : opened) {
                    try {
                        log.close();
                    } catch (java.io.IOException fenced) {
                        // A fenced writer's close: nothing to seal.
                    }
                }
                opened.clear();
            }
        } finally {
            pool.shutdownNow();
        }
        ZooKeeper zk = cluster.client();
        Set<Long> listed = new HashSet<>();
        try {
            LogMetadata m = LogMetadata.decode("test", zk.getData(o.logPath(), false, null));
            for (LogMetadata.Ledger l : m.ledgers()) {
                listed.add(l.id());
            }
        } finally {
            zk.close();
        }
        BookKeeper bk = cluster.bookKeeperClient();
        Set<Long> ofThisLog = new HashSet<>();
        try {
            // An admin on the client: closing the client is what ends both.
            for (long id : new org.apache.bookkeeper.client.BookKeeperAdmin(bk).listLedgers()) {
                byte[] owner = bk.getLedgerMetadata(id).get(30, TimeUnit.SECONDS).getCustomMetadata().get("wal4j-log");
                if (owner != null && new String(owner, StandardCharsets.UTF_8).equals(o.logPath())) {
                    ofThisLog.add(id);
                }
            }
        } finally {
            bk.close();
        }
        assertTrue(listed.containsAll(ofThisLog), "ledgers of the log in no list (orphans): "
                + ofThisLog.stream().filter(id -> !listed.contains(id)).toList() + "; listed " + listed);
        try (BookKeeperLog last = BookKeeperLog.open(o)) {
            List<WalRecord> all = DurableLogContract.readAll(last, 1);
            Appender.assertHoldsEveryAck(all, 1, acked);
            assertEquals(acked.size(), all.size());
        }
    }

    @Test
    void deleteOrphanLedgersRemovesOnlyUnlistedLedgersNoWriterCanStillList() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("orphans");
        byte[] password = "wal4j".getBytes(StandardCharsets.UTF_8);
        BookKeeper bk = cluster.bookKeeperClient();
        try {
            // What an opener of epoch 1 leaves when it dies between creating its ledger and its CAS
            // (a ledger of before wal4j-step was recorded: treated as a roll's).
            long orphan = ledgerOf(bk, o, 1, null, password);
            try (BookKeeperLog w1 = BookKeeperLog.open(o)) {
                assertEquals(1, w1.epoch());
                w1.append("one".getBytes(StandardCharsets.UTF_8));
                // Epoch 1 is the writer's own: the ledger could be its roll about to be listed.
                assertEquals(List.of(), BookKeeperLog.deleteOrphanLedgers(o));
            }
            try (BookKeeperLog w2 = BookKeeperLog.open(o)) {
                // Epoch 3: an open in progress, not to be touched; a roll of epoch 2: perhaps w2's own.
                long opening = ledgerOf(bk, o, 3, "open", password);
                long rolling = ledgerOf(bk, o, 2, "roll", password);
                // An open of epoch 2 lost (or died before) its CAS: w2 listed epoch 2 first.
                long lostOpen = ledgerOf(bk, o, 2, "open", password);
                assertEquals(Set.of(orphan, lostOpen), Set.copyOf(BookKeeperLog.deleteOrphanLedgers(o)));
                for (long gone : List.of(orphan, lostOpen)) {
                    assertThrows(org.apache.bookkeeper.client.BKException.class,
                            () -> bk.openLedgerNoRecovery(gone, BookKeeper.DigestType.CRC32C, password).close());
                }
                for (long kept : List.of(opening, rolling)) {
                    bk.openLedgerNoRecovery(kept, BookKeeper.DigestType.CRC32C, password).close();
                    bk.deleteLedger(kept);
                }
                assertEquals(2, w2.append("two".getBytes(StandardCharsets.UTF_8)));
                List<WalRecord> all = DurableLogContract.readAll(w2, 1);
                assertEquals(2, all.size());
            }
        } finally {
            bk.close();
        }
    }

    /** A ledger as a writer of {@code epoch} creates it at {@code step} (null: no step recorded). */
    private static long ledgerOf(BookKeeper bk, BookKeeperLogOptions o, long epoch, String step, byte[] password)
            throws Exception {
        Map<String, byte[]> custom = new java.util.HashMap<>();
        custom.put("wal4j-log", o.logPath().getBytes(StandardCharsets.UTF_8));
        custom.put("wal4j-epoch", Long.toString(epoch).getBytes(StandardCharsets.UTF_8));
        if (step != null) {
            custom.put("wal4j-step", step.getBytes(StandardCharsets.UTF_8));
        }
        org.apache.bookkeeper.client.LedgerHandle h = bk.createLedger(3, 3, 2, BookKeeper.DigestType.CRC32C, password,
                custom);
        h.close();
        return h.getId();
    }

    private static String stackOf(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
