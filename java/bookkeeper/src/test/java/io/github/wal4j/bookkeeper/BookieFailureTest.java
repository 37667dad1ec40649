package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bookie of the active ensemble fails while the log writes (4 bookies, ensemble 3, so one can
 * replace it): appends go on, and every acknowledged append reads back, from this writer and from
 * the next one. A bookie killed (stopped: its connections drop) is replaced at once; a suspended one
 * (it accepts connections and answers nothing, as under SIGSTOP) only after the add timeout.
 */
class BookieFailureTest {
    @RegisterExtension
    static final BookKeeperCluster cluster = BookKeeperCluster.of(4);

    @AfterEach
    void restartBookies() throws Exception {
        cluster.restartStoppedBookies();
    }

    private static BookKeeperLogOptions options(int ackQuorum) {
        return cluster.newLog("bookie", 3, 3, ackQuorum)
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(2));
    }

    /** The cluster index of a bookie in the active ensemble of {@code log}. */
    private static int ensembleMember(BookKeeperLog log) throws Exception {
        List<String> ensemble = log.activeEnsemble();
        for (int i = 0; i < cluster.bookieCount(); i++) {
            if (ensemble.contains(cluster.bookieServer(i).getBookieId().toString())) {
                return i;
            }
        }
        throw new AssertionError("no bookie of the cluster is in the ensemble " + ensemble);
    }

    private static void assertEveryAckReadsBack(BookKeeperLogOptions o, BookKeeperLog log, Appender a)
            throws Exception {
        Appender.assertHoldsEveryAck(DurableLogContract.readAll(log, 1), 1, a.acked);
        log.close();
        try (BookKeeperLog next = BookKeeperLog.open(o)) {
            List<WalRecord> all = DurableLogContract.readAll(next, 1);
            Appender.assertHoldsEveryAck(all, 1, a.acked);
        }
    }

    /**
     * Also the test of the lock order between the log and BookKeeper's workers: when the log sent
     * adds while holding its own lock, one run in about eight stalled here for good after the
     * bookie stopped (the appender held the log's lock waiting for a {@code PendingAddOp} monitor,
     * whose worker waited for the log's lock to complete an add: "only 1148 of 3148 acks within
     * 60000 ms").
     */
    @Test
    void writesContinueWhenABookieOfTheEnsembleDies() throws Exception {
        BookKeeperLogOptions o = options(2);
        BookKeeperLog log = BookKeeperLog.open(o);
        Appender a = new Appender(log, "a");
        a.awaitAcks(1000, 60_000);
        int victim = ensembleMember(log);
        cluster.stopBookie(victim);
        int before = a.acked.size();
        a.awaitAcks(before + 2000, 60_000);
        a.close();
        assertNull(a.failure.get(), "an append failed");
        assertTrue(a.acked.size() >= before + 2000);
        assertEveryAckReadsBack(o, log, a);
    }

    @Test
    void aSuspendedBookieStallsAppendsForABoundedTimeAndLosesNothing() throws Exception {
        // Ack quorum 3: every add needs the suspended bookie until the add timeout (2 s) has it
        // replaced, so the stall is real and its bound is the log's add timeout.
        BookKeeperLogOptions o = options(3);
        BookKeeperLog log = BookKeeperLog.open(o);
        Appender a = new Appender(log, "a");
        a.awaitAcks(500, 60_000);
        int victim = ensembleMember(log);
        cluster.bookieServer(victim).suspendProcessing();
        try {
            int before = a.acked.size();
            // Through the add timeout (2 s) that replaces the silent bookie, and well past it.
            a.awaitAcks(before + 1500, 60_000);
            Thread.sleep(3000);
            a.awaitAcks(a.acked.size() + 500, 60_000);
        } finally {
            cluster.bookieServer(victim).resumeProcessing();
        }
        a.close();
        assertNull(a.failure.get(), "an append failed");
        long longestMs = TimeUnit.NANOSECONDS.toMillis(a.longestWaitNanos.get());
        assertTrue(longestMs < 10_000, "an append waited " + longestMs + " ms for its acknowledgement");
        assertEveryAckReadsBack(o, log, a);
    }
}
