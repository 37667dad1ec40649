package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.wal4j.fixtures.SegmentFileLayer;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.io.IoLayers;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.testing.FaultPlan;
import io.github.wal4j.testing.FaultPlan.Errno;
import io.github.wal4j.testing.FaultPlan.FaultyStorage;
import io.github.wal4j.testing.FaultPlan.InjectedIoException;
import io.github.wal4j.testing.FaultPlan.Operation;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-commit: a lone blocking {@code append} writes and syncs its record on the calling thread
 * (saving two thread hand-offs) when the layer's I/O survives interrupts (native), and never
 * otherwise. The tests check where segment writes and syncs run, that an interrupted caller
 * neither breaks the log nor loses its interrupt, that a failed sync on the caller's thread fails
 * the log as a writer-thread failure does, and that both paths interleaved keep sequence numbers
 * contiguous and every acknowledged record recoverable.
 */
class SelfCommitTest {
    @TempDir
    Path tmp;

    /** Notes the name of every thread that writes or syncs a segment file. */
    private static final class ThreadNotingStorage extends SegmentFileLayer {
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        ThreadNotingStorage(Storage delegate) {
            super(delegate);
        }

        @Override
        protected StorageFile wrapSegment(StorageFile file) {
            return new ForwardingStorageFile(file) {
                @Override
                public void write(ByteBuffer src, long position) throws IOException {
                    threads.add(Thread.currentThread().getName());
                    super.write(src, position);
                }

                @Override
                public void sync() throws IOException {
                    threads.add(Thread.currentThread().getName());
                    super.sync();
                }
            };
        }

        Set<String> takeThreads() {
            Set<String> seen = Set.copyOf(threads);
            threads.clear();
            return seen;
        }
    }

    private static Storage nativeLayer() throws IOException {
        Storage storage;
        try {
            storage = IoLayers.select(IoLayers.NATIVE);
        } catch (IOException | RuntimeException | LinkageError e) {
            storage = null;
        }
        assumeTrue(storage != null, "self-commit needs the native layer, which is not available here");
        assertTrue(storage.interruptSafe(), "native system calls are not broken by interrupts");
        return storage;
    }

    private static boolean isWriter(String thread) {
        return thread.startsWith("wal4j-writer-");
    }

    private static void assertOnlyTheWriter(Set<String> seen) {
        assertTrue(!seen.isEmpty() && seen.stream().allMatch(SelfCommitTest::isWriter), seen.toString());
    }

    /** Appends records 1..count, each with the calling thread interrupted; the interrupt must survive. */
    private static void appendInterrupted(WriteAheadLog wal, int count) throws IOException {
        for (long i = 1; i <= count; i++) {
            Thread.currentThread().interrupt();
            try {
                assertEquals(i, wal.append(Records.payload(i)));
                assertTrue(Thread.currentThread().isInterrupted(), "the caller's interrupt is kept");
            } finally {
                Thread.interrupted();
            }
        }
    }

    private static void assertRecovered(Path dir, Storage storage, long count) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            List<WalRecord> recovered = wal.recover();
            assertEquals(count, recovered.size());
            for (int i = 0; i < recovered.size(); i++) {
                assertEquals(i + 1, recovered.get(i).sequence());
                assertArrayEquals(Records.payload(i + 1), recovered.get(i).payload(), "payload of " + (i + 1));
            }
        }
    }

    @Test
    void loneBlockingAppendsWriteOnTheCallersThreadAsyncOnesOnTheWriters() throws Exception {
        ThreadNotingStorage storage = new ThreadNotingStorage(nativeLayer());
        Path dir = tmp.resolve("log");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            // The first append may find the writer thread not yet waiting (it starts with the log,
            // and on a loaded machine late): it then takes the record itself. The rest are alone.
            assertEquals(1, wal.append(Records.payload(1)));
            storage.takeThreads();
            for (long i = 2; i <= 20; i++) {
                assertEquals(i, wal.append(Records.payload(i)));
            }
            assertEquals(Set.of(Thread.currentThread().getName()), storage.takeThreads(),
                    "a lone appender writes and syncs its own records");
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (long i = 21; i <= 40; i++) {
                futures.add(wal.appendAsync(Records.payload(i)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(21 + i, futures.get(i).get(10, TimeUnit.SECONDS));
            }
            Set<String> async = storage.takeThreads();
            assertFalse(async.isEmpty());
            assertTrue(async.stream().allMatch(SelfCommitTest::isWriter),
                    "appendAsync never does I/O on the caller's thread: " + async);
            assertEquals(41, wal.append(Records.payload(41)));
        }
        assertRecovered(dir, nativeLayer(), 41);
    }

    @Test
    void switchedOffEveryAppendGoesThroughTheWriterThread() throws Exception {
        ThreadNotingStorage storage = new ThreadNotingStorage(nativeLayer());
        Path dir = tmp.resolve("log");
        WriteAheadLog wal;
        System.setProperty("wal4j.selfCommit", "false");
        try {
            wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage));
        } finally {
            System.clearProperty("wal4j.selfCommit");
        }
        try (wal) {
            storage.takeThreads();
            for (long i = 1; i <= 10; i++) {
                wal.append(Records.payload(i));
            }
            assertOnlyTheWriter(storage.takeThreads());
        }
        assertRecovered(dir, nativeLayer(), 10);
    }

    @Test
    void aLayerThatInterruptsBreakNeverRunsIoOnTheCallersThread() throws Exception {
        ThreadNotingStorage storage = new ThreadNotingStorage(new JavaStorage());
        assertFalse(storage.interruptSafe(), "FileChannel closes itself when an I/O thread is interrupted");
        Path dir = tmp.resolve("log");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            storage.takeThreads();
            appendInterrupted(wal, 10);
            assertOnlyTheWriter(storage.takeThreads());
        }
        assertRecovered(dir, new JavaStorage(), 10);
    }

    @Test
    void anInterruptedCallerStillCommitsItsOwnRecordAndKeepsTheInterrupt() throws Exception {
        ThreadNotingStorage storage = new ThreadNotingStorage(nativeLayer());
        Path dir = tmp.resolve("log");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            storage.takeThreads();
            appendInterrupted(wal, 10);
            assertEquals(Set.of(Thread.currentThread().getName()), storage.takeThreads());
            assertEquals(11, wal.append(Records.payload(11)), "the log still works after the interrupts");
        }
        assertRecovered(dir, nativeLayer(), 11);
    }

    @Test
    void aFailedSyncOnTheCallersThreadFailsTheLogAndKeepsWhatWasAcknowledged() throws Exception {
        FaultyStorage failing = FaultPlan.create().over(nativeLayer());
        Path dir = tmp.resolve("log");
        WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(failing));
        for (long i = 1; i <= 5; i++) {
            wal.append(Records.payload(i));
        }
        failing.failNext(Operation.SYNC, 1, Errno.EIO);
        WalFailedException e = assertThrows(WalFailedException.class, () -> wal.append(Records.payload(6)));
        assertInstanceOf(InjectedIoException.class, e.getCause(), String.valueOf(e.getCause()));
        assertEquals(1, failing.failed(Operation.SYNC));
        assertThrows(WalFailedException.class, () -> wal.append(Records.payload(7)));
        CompletableFuture<Long> later = wal.appendAsync(Records.payload(7));
        assertInstanceOf(WalFailedException.class,
                assertThrows(java.util.concurrent.ExecutionException.class, () -> later.get(10, TimeUnit.SECONDS))
                        .getCause());
        assertThrows(WalFailedException.class, wal::close);
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(nativeLayer()))) {
            List<WalRecord> recovered = reopened.recover();
            // Record 6 was written before its sync failed: it may survive, but it was never acknowledged.
            assertTrue(recovered.size() == 5 || recovered.size() == 6, "recovered " + recovered.size());
            for (int i = 0; i < recovered.size(); i++) {
                assertEquals(i + 1, recovered.get(i).sequence());
                assertArrayEquals(Records.payload(i + 1), recovered.get(i).payload());
            }
        }
    }

    /**
     * Blocking appenders that pause at random (so each is sometimes alone and commits itself, and
     * sometimes queues behind others for the writer), an async appender, flushes and fsyncs, all at
     * once: sequence numbers stay unique and contiguous, every acknowledged record is recovered,
     * and both paths were taken.
     */
    @Test
    void bothPathsInterleavedKeepEveryAcknowledgedRecord() throws Exception {
        long seed = Seeds.seed("SelfCommitTest.interleaved");
        ThreadNotingStorage storage = new ThreadNotingStorage(nativeLayer());
        Path dir = tmp.resolve("log");
        int threads = 4;
        int perThread = 150;
        ConcurrentHashMap<Long, byte[]> acknowledged = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            storage.takeThreads();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(seed + t);
                boolean async = t == threads - 1;
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perThread; i++) {
                            byte[] payload = Records.payload(random.nextInt(1 << 20));
                            long sequence = async ? wal.appendAsync(payload).get(30, TimeUnit.SECONDS)
                                    : wal.append(payload);
                            assertTrue(acknowledged.put(sequence, payload) == null, "sequence " + sequence + " twice");
                            int r = random.nextInt(20);
                            if (r == 0) {
                                wal.fsync();
                            } else if (r == 1) {
                                wal.flush();
                            } else if (r < 8) {
                                Thread.sleep(0, random.nextInt(500_000));
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "appender-" + t);
                workers.add(worker);
                worker.start();
            }
            start.countDown();
            for (Thread worker : workers) {
                worker.join(TimeUnit.MINUTES.toMillis(2));
                assertFalse(worker.isAlive(), worker.getName() + " is stuck");
            }
            assertTrue(errors.isEmpty(), "appenders failed: " + errors);
            Set<String> seen = storage.takeThreads();
            assertTrue(seen.stream().anyMatch(SelfCommitTest::isWriter), "the writer thread wrote: " + seen);
            assertTrue(seen.stream().anyMatch(n -> n.startsWith("appender-")), "some appender committed itself: " + seen);
        }
        List<Long> sorted = new ArrayList<>(acknowledged.keySet());
        sorted.sort(null);
        assertEquals(threads * perThread, sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            assertEquals(i + 1, sorted.get(i), "sequence numbers are unique and contiguous (seed " + seed + ")");
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(nativeLayer()))) {
            List<WalRecord> recovered = wal.recover();
            assertEquals(sorted.size(), recovered.size(), "seed " + seed);
            for (WalRecord r : recovered) {
                assertArrayEquals(acknowledged.get(r.sequence()), r.payload(), "payload of " + r.sequence());
            }
        }
    }
}
