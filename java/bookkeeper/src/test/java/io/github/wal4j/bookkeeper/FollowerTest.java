package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WalTruncatedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A follower in another process reads the log as it grows, never fencing the writer: across
 * ledgers, across a change of writer, up to the last acknowledged record of an idle writer, and
 * it ends with WalTruncatedException where a checkpoint removed what it was to read.
 */
class FollowerTest {
    @RegisterExtension
    static final BookKeeperCluster cluster = BookKeeperCluster.of(3);

    @Test
    void aFollowerReadsEveryRecordOnceAcrossLedgersAndAWriterChange() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("follow").withRoll(8 * 1024, Duration.ofMinutes(10));
        BookKeeperLog first = BookKeeperLog.open(o);
        List<WalRecord> followed = new ArrayList<>();
        try (BookKeeperLogFollower follower = BookKeeperLogFollower.open(o, 1)) {
            // The follower reads the active ledger while the writer writes it: that must not fence it.
            Map<Long, String> steps = new TreeMap<>();
            for (int i = 1; i <= 200; i++) {
                String payload = "p-" + i;
                steps.put(first.append(payload.getBytes(StandardCharsets.UTF_8)), payload);
                if (i % 20 == 0) {
                    while (followed.size() < i) {
                        WalRecord r = follower.next(Duration.ofSeconds(10));
                        assertNotNull(r, "no record within 10 s after " + followed.size());
                        followed.add(r);
                    }
                }
            }
            assertEquals(1, first.ledgerIds().size(), "still in the first ledger");
            Appender.assertHoldsEveryAck(followed, 1, steps);
            Appender a = new Appender(first, "a");
            a.awaitAcks(1500, 60_000);
            a.close();
            if (a.failure.get() != null) {
                throw new AssertionError("the writer failed while followed", a.failure.get());
            }
            try (BookKeeperLog second = BookKeeperLog.open(o)) {
                second.append("b-0".getBytes(StandardCharsets.UTF_8));
                List<WalRecord> log = DurableLogContract.readAll(second, 1);
                while (followed.size() < log.size()) {
                    WalRecord r = follower.next(Duration.ofSeconds(10));
                    assertNotNull(r, "no record within 10 s after " + followed.size() + " of " + log.size());
                    followed.add(r);
                }
                assertEquals(log.size(), followed.size());
                for (int i = 0; i < log.size(); i++) {
                    assertEquals(log.get(i), followed.get(i), "record " + (i + 1));
                }
                Appender.assertHoldsEveryAck(followed, 1, a.acked);
                Appender.assertHoldsEveryAck(followed, 1, steps);
                assertEquals(log.size() + 1L, follower.nextSequence());
            } finally {
                first.close();
            }
        }
    }

    @Test
    void theLastRecordOfAnIdleWriterReachesTheFollower() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("idle");
        BookKeeperLog log = BookKeeperLog.open(o);
        BookKeeperLogFollower follower = BookKeeperLogFollower.open(o, 1);
        try {
            for (int i = 1; i <= 5; i++) {
                log.append(("r" + i).getBytes(StandardCharsets.UTF_8));
            }
            // No add after the fifth: only the explicit last-add-confirmed makes it visible.
            for (int i = 1; i <= 5; i++) {
                WalRecord r = follower.next(Duration.ofSeconds(5));
                assertNotNull(r, "record " + i + " did not reach the follower within 5 s");
                assertEquals(i, r.sequence());
                assertArrayEquals(("r" + i).getBytes(StandardCharsets.UTF_8), r.payload());
            }
            assertEquals(null, follower.next(Duration.ofMillis(200)));
        } finally {
            follower.close();
            log.close();
        }
        assertThrows(WalClosedException.class, () -> follower.next(Duration.ofMillis(10)));
    }

    @Test
    void aFollowerBehindTheCheckpointEndsWithWalTruncatedException() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("truncated").withRoll(1024, Duration.ofMinutes(10));
        try (BookKeeperLog log = BookKeeperLog.open(o)) {
            for (int i = 1; i <= 100; i++) {
                log.append(("r" + i).getBytes(StandardCharsets.UTF_8));
            }
            log.checkpoint(50);
            try (BookKeeperLogFollower follower = BookKeeperLogFollower.open(o, 1)) {
                WalTruncatedException e = assertThrows(WalTruncatedException.class,
                        () -> follower.next(Duration.ofSeconds(5)));
                assertEquals(true, e.getMessage().contains("51"), e.getMessage());
            }
            try (BookKeeperLogFollower follower = BookKeeperLogFollower.open(o, 51)) {
                assertEquals(51, follower.next(Duration.ofSeconds(5)).sequence());
            }
        }
    }
}
