package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.DurableLog;
import io.github.wal4j.WalException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.bookkeeper.client.BKException;
import org.apache.bookkeeper.client.BookKeeper;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DurableLog contract on {@link BookKeeperLog} (3 bookies, 3/3/2), with ledgers rolled every
 * 2 KiB so that replay, readers and checkpoints cross ledger boundaries and whole ledgers are deleted.
 */
class BookKeeperLogContractTest extends DurableLogContract {
    @RegisterExtension
    static final BookKeeperCluster cluster = BookKeeperCluster.of(3);
    private final Map<DurableLog, BookKeeperLogOptions> options = new IdentityHashMap<>();

    @Override
    DurableLog create() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("contract")
                .withRoll(2048, Duration.ofMinutes(10))
                .withMaxRecordSize(MAX_RECORD);
        DurableLog log = BookKeeperLog.open(o);
        options.put(log, o);
        return log;
    }

    @Override
    DurableLog reopen(DurableLog log) throws Exception {
        BookKeeperLogOptions o = options.get(log);
        DurableLog again = BookKeeperLog.open(o);
        options.put(again, o);
        return again;
    }

    @Test
    void importFromALocalLogKeepsEverySequenceAndTheCheckpoint(@TempDir Path dir) throws Exception {
        BookKeeperLogOptions o = cluster.newLog("import").withRoll(2048, Duration.ofMinutes(10));
        try (WriteAheadLog local = WriteAheadLog.open(dir, WalOptions.defaults())) {
            for (long i = 1; i <= 120; i++) {
                local.append(record(i));
            }
            local.checkpoint(40);
            try (BookKeeperLog log = BookKeeperLog.importFrom(local, o)) {
                assertEquals(40, log.checkpointSequence());
                assertEquals(120, log.lastSequence());
                assertEquals(120, log.durableSequence());
                assertRecords(41, 120, replayAll(log, 1));
                assertEquals(121, log.append(record(121)));
            }
            assertThrows(WalException.class, () -> BookKeeperLog.importFrom(local, o));
        }
        try (BookKeeperLog again = BookKeeperLog.open(o)) {
            assertRecords(41, 121, readAll(again, 1));
        }
    }

    @Test
    void ledgersRollBySizeAndACheckpointDeletesTheWholeLedgersItCovers() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("roll").withRoll(1024, Duration.ofMinutes(10));
        try (BookKeeperLog log = BookKeeperLog.open(o)) {
            for (long i = 1; i <= 200; i++) {
                log.append(record(i));
            }
            List<Long> before = log.ledgerIds();
            assertTrue(before.size() >= 5, "ledgers after 200 appends with 1 KiB ledgers: " + before);
            log.checkpoint(100);
            List<Long> after = log.ledgerIds();
            List<Long> removed = new ArrayList<>(before);
            removed.removeAll(after);
            assertTrue(before.containsAll(after), before + " then " + after);
            assertTrue(!removed.isEmpty() && after.size() >= 2, before + " then " + after);
            assertRecords(101, 200, replayAll(log, 1));
            BookKeeper bk = cluster.bookKeeperClient();
            try {
                for (long id : removed) {
                    assertThrows(BKException.class, () -> bk.openLedgerNoRecovery(id, BookKeeper.DigestType.CRC32C,
                            "wal4j".getBytes(StandardCharsets.UTF_8)).close(), "ledger " + id + " still exists");
                }
                // A ledger the list still names is there.
                bk.openLedgerNoRecovery(after.get(0), BookKeeper.DigestType.CRC32C,
                        "wal4j".getBytes(StandardCharsets.UTF_8)).close();
            } finally {
                bk.close();
            }
        }
        try (BookKeeperLog again = BookKeeperLog.open(o)) {
            assertRecords(101, 200, readAll(again, 1));
        }
    }

    @Test
    void aLedgerRollsAfterItsIntervalAtTheNextAppend() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("rolltime").withRoll(1L << 30, Duration.ofMillis(300));
        try (BookKeeperLog log = BookKeeperLog.open(o)) {
            log.append(record(1));
            log.append(record(2));
            assertEquals(1, log.ledgerIds().size());
            Thread.sleep(400);
            log.append(record(3));
            assertEquals(2, log.ledgerIds().size(), "ledgers after the interval: " + log.ledgerIds());
            assertRecords(1, 3, readAll(log, 1));
        }
    }
}
