package io.github.wal4j.bookkeeper;

import io.github.wal4j.DurableLog;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The DurableLog contract on {@link BookKeeperLog} (3 bookies, 3/3/2), with ledgers rolled every
 * 2 KiB so that replay, readers and checkpoints cross ledger boundaries and whole ledgers are deleted.
 */
class BookKeeperLogContractTest extends DurableLogContract {
    private static BookKeeperCluster cluster;
    private final Map<DurableLog, BookKeeperLogOptions> options = new IdentityHashMap<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = BookKeeperCluster.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    DurableLog create() throws Exception {
        BookKeeperLogOptions o = cluster.newLog("contract", 3, 3, 2)
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
}
