package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.FaultPlan;
import io.github.wal4j.testing.FaultPlan.Errno;
import io.github.wal4j.testing.FaultPlan.FaultyStorage;
import io.github.wal4j.testing.FaultPlan.Operation;
import io.github.wal4j.testing.internal.Records;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WriteAheadLog#stats()}: counts, group commit, ordered percentiles, and the failure flag. */
class WalStatsTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 200;
    private static final int SIZE = 64;

    @TempDir
    Path tmp;

    private static void assertOrdered(WalStats s) {
        assertTrue(s.batchSizeP50() >= 1 && s.batchSizeP50() <= s.batchSizeMax(), s::toString);
        assertTrue(s.appendP50Micros() >= 1, s::toString);
        assertTrue(s.appendP50Micros() <= s.appendP99Micros(), s::toString);
        assertTrue(s.appendP99Micros() <= s.appendP999Micros(), s::toString);
        assertTrue(s.appendP999Micros() <= s.appendMaxMicros(), s::toString);
        assertTrue(s.fsyncP50Micros() >= 1, s::toString);
        assertTrue(s.fsyncP50Micros() <= s.fsyncP99Micros(), s::toString);
        assertTrue(s.fsyncP99Micros() <= s.fsyncMaxMicros(), s::toString);
    }

    @Test
    void concurrentAppendsAreCountedAndGroupCommitted() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            WalStats empty = wal.stats();
            assertEquals(0, empty.appends());
            assertEquals(0, empty.batches());
            assertEquals(0, empty.failures());
            assertEquals(0.0, empty.meanBatchSize());

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < PER_THREAD; i++) {
                            wal.append(new byte[SIZE]);
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            WalStats s = wal.stats();
            long n = THREADS * PER_THREAD;
            assertEquals(wal.ioLayer(), s.ioLayer());
            assertEquals(n, s.appends(), s::toString);
            assertEquals(n * SIZE, s.bytes(), s::toString);
            assertTrue(s.batches() >= 1 && s.batches() <= s.appends(), s::toString);
            assertTrue(s.fsyncs() >= 1, s::toString);
            assertTrue(s.fsyncs() >= s.batches(), "SYNC durability syncs every batch: " + s);
            assertTrue(s.batchSizeMax() <= n, s::toString);
            assertEquals((double) s.appends() / s.batches(), s.meanBatchSize(), 1e-9);
            assertEquals(0, s.failures(), s::toString);
            assertOrdered(s);

            WalStats again = wal.stats();
            assertEquals(s.appends(), again.appends(), "a snapshot does not reset the counters");
            assertEquals(s.appendMaxMicros(), again.appendMaxMicros());
        }
    }

    @Test
    void aFailedWriteFailsTheLogAndSetsFailures() throws Exception {
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), WalOptions.defaults().withStorage(storage))) {
            Records.append(wal, 1, 5, SIZE);
            WalStats healthy = wal.stats();
            assertEquals(0, healthy.failures());
            assertEquals(5, healthy.appends());

            storage.failNext(Operation.WRITE, 1, Errno.EIO);
            assertThrows(WalFailedException.class, () -> wal.append(new byte[SIZE]));
            WalStats failed = wal.stats();
            assertEquals(1, failed.failures(), failed::toString);
            assertEquals(5, failed.appends(), "the failed record was never acknowledged: " + failed);
            assertEquals("java", failed.ioLayer(), "the layer the faults are injected over");
            assertThrows(WalFailedException.class, () -> wal.append(new byte[SIZE]));
            assertEquals(1, wal.stats().failures(), "failures is a flag, not a count of calls");
        } catch (WalFailedException closeAfterFailure) {
            // close() of a failed log may report the failure again; the assertions above are what matter
        }
    }
}
