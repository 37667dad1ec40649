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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
            assertInstanceOf(WalFencedException.class, fenced, "the first writer's failure");
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

    /** The child: appends until killed (64 in flight), one ack line per acknowledged append. */
    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(120);
        BookKeeperLogOptions o = BookKeeperLogOptions.of(args[0], args[1]).withRoll(16 * 1024, Duration.ofMinutes(10));
        AckWriter ack = new AckWriter(Path.of(args[2]));
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
        Map<Long, String> acked = new TreeMap<>();
        for (String line : AckFile.readAll(ackFile)) {
            assertTrue(!line.startsWith("BAD"), line);
            if (line.startsWith("ack ")) {
                String[] w = line.split(" ");
                acked.put(Long.parseLong(w[1]), w[2]);
            }
        }
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
    void deleteOrphanLedgersRemovesOnlyUnlistedLedgersOfEarlierEpochs() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("orphans");
        byte[] password = "wal4j".getBytes(StandardCharsets.UTF_8);
        BookKeeper bk = cluster.bookKeeperClient();
        try {
            // What an opener of epoch 1 leaves when it dies between creating its ledger and its CAS.
            long orphan = ledgerOf(bk, o, 1, password);
            try (BookKeeperLog w1 = BookKeeperLog.open(o)) {
                assertEquals(1, w1.epoch());
                w1.append("one".getBytes(StandardCharsets.UTF_8));
                // Epoch 1 is the writer's own: the ledger could be its roll about to be listed.
                assertEquals(List.of(), BookKeeperLog.deleteOrphanLedgers(o));
            }
            try (BookKeeperLog w2 = BookKeeperLog.open(o)) {
                // Epoch 3: an open in progress, not to be touched.
                long opening = ledgerOf(bk, o, 3, password);
                assertEquals(List.of(orphan), BookKeeperLog.deleteOrphanLedgers(o));
                assertThrows(org.apache.bookkeeper.client.BKException.class,
                        () -> bk.openLedgerNoRecovery(orphan, BookKeeper.DigestType.CRC32C, password).close());
                bk.openLedgerNoRecovery(opening, BookKeeper.DigestType.CRC32C, password).close();
                bk.deleteLedger(opening);
                assertEquals(2, w2.append("two".getBytes(StandardCharsets.UTF_8)));
                List<WalRecord> all = DurableLogContract.readAll(w2, 1);
                assertEquals(2, all.size());
            }
        } finally {
            bk.close();
        }
    }

    private static long ledgerOf(BookKeeper bk, BookKeeperLogOptions o, long epoch, byte[] password)
            throws Exception {
        org.apache.bookkeeper.client.LedgerHandle h = bk.createLedger(3, 3, 2, BookKeeper.DigestType.CRC32C, password,
                Map.of("wal4j-log", o.logPath().getBytes(StandardCharsets.UTF_8),
                        "wal4j-epoch", Long.toString(epoch).getBytes(StandardCharsets.UTF_8)));
        h.close();
        return h.getId();
    }

    private static String stackOf(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
