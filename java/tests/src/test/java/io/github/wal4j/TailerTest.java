package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.testing.FaultPlan;
import io.github.wal4j.testing.FaultPlan.Errno;
import io.github.wal4j.testing.FaultPlan.FaultyStorage;
import io.github.wal4j.testing.FaultPlan.Operation;
import io.github.wal4j.testing.internal.Keys;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.Seeds;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tailing readers ({@link WriteAheadLog#tail}, {@link WriteAheadLog#subscribe}): records in order and
 * each once as they become durable, timeouts, several tailers each at its own position, each closed
 * on its own, the log's close ending them all, the edges of the starting sequence, the two
 * checkpoint options, the durable-mark rule in BUFFERED mode, tailers and subscriptions with a
 * maximum delivery delay (which commits never wake), and callbacks that call back into the log
 * without a deadlock.
 */
class TailerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final WalOptions SMALL_SEGMENTS = WalOptions.defaults().withSegmentSize(16 << 10);

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** The next {@code count} records of {@code tailer}, failing if one does not come within {@link #WAIT}. */
    private static List<WalRecord> take(WalTailer tailer, int count) throws IOException {
        List<WalRecord> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            WalRecord r = tailer.next(WAIT);
            assertNotNull(r, () -> "record " + (out.size() + 1) + " of " + count + " did not come");
            out.add(r);
        }
        return out;
    }

    private static void assertRecords(List<WalRecord> expected, List<WalRecord> actual) {
        assertEquals(expected.size(), actual.size(), "record count");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).sequence(), actual.get(i).sequence(), "sequence at " + i);
            assertArrayEquals(expected.get(i).payload(), actual.get(i).payload(), "payload of " + expected.get(i));
        }
    }

    private static long segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".wal")).count();
        }
    }

    @Test
    void deliversConcurrentAppendsInOrderEachOnceAsTheyBecomeDurable() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), SMALL_SEGMENTS);
                WalTailer tailer = wal.tail(1, TailOptions.defaults())) {
            Map<Long, byte[]> acknowledged = new ConcurrentHashMap<>();
            List<CompletableFuture<Void>> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                writers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 150; i++) {
                        byte[] payload = Records.payload(thread * 1000 + i);
                        try {
                            long seq = wal.append(payload);
                            acknowledged.put(seq, payload);
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    }
                }, pool));
            }
            List<WalRecord> got = take(tailer, 600);
            CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get();
            for (int i = 0; i < got.size(); i++) {
                WalRecord r = got.get(i);
                assertEquals(i + 1, r.sequence(), "in order, each once");
                assertArrayEquals(acknowledged.get(r.sequence()), r.payload(), "payload of " + r.sequence());
                // Delivered means durable: the durable mark had reached it.
                assertTrue(r.sequence() <= wal.durableSequence());
            }
            assertNull(tailer.next(Duration.ZERO), "nothing after the last record");
            assertEquals(601, tailer.nextSequence());
            assertEquals(600, tailer.lastSequence());
            assertTrue(segmentFiles(wal.directory()) > 3, "the tailer crossed segment rotations");
        }
    }

    @Test
    void aSpinningTailerDeliversWhatComesWhileItSpinsAndAfterItParked() throws Exception {
        TailOptions spinning = TailOptions.defaults().withSpinBeforePark(Duration.ofMillis(5));
        assertEquals(Duration.ofMillis(5), spinning.spinBeforePark());
        assertEquals(Duration.ZERO, TailOptions.defaults().spinBeforePark());
        assertThrows(IllegalArgumentException.class, () -> TailOptions.defaults().withSpinBeforePark(Duration.ofNanos(-1)));
        assertThrows(NullPointerException.class, () -> TailOptions.defaults().withSpinBeforePark(null));
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), SMALL_SEGMENTS);
                WalTailer tailer = wal.tail(1, spinning)) {
            // A timeout shorter than the spin: it spins no longer than the call may wait.
            long started = System.nanoTime();
            assertNull(tailer.next(Duration.ofMillis(1)));
            assertNull(tailer.next(Duration.ZERO));
            assertTrue(System.nanoTime() - started < WAIT.toNanos(), "returned at its timeout");
            Map<Long, byte[]> acknowledged = new ConcurrentHashMap<>();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 300; i++) {
                        byte[] payload = Records.payload(i);
                        acknowledged.put(wal.append(payload), payload);
                        if (i % 50 == 0) {
                            // Longer than the spin: the tailer parks and must be woken.
                            Thread.sleep(20);
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            }, pool);
            List<WalRecord> got = take(tailer, 300);
            writer.get();
            for (int i = 0; i < got.size(); i++) {
                WalRecord r = got.get(i);
                assertEquals(i + 1, r.sequence(), "in order, each once");
                assertArrayEquals(acknowledged.get(r.sequence()), r.payload(), "payload of " + r.sequence());
                assertTrue(r.sequence() <= wal.durableSequence(), "delivered means durable");
            }
            assertNull(tailer.next(Duration.ZERO), "nothing after the last record");
        }
    }

    /** A record as a tailer was handed it, with the log's durable sequence read right after. */
    private record Handed(long sequence, byte[] payload, long durableAfter) {
    }

    /** Waits until {@code thread} is parked (a tailer that caught up, or the dispatcher). */
    private static void awaitParked(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (thread.getState() != Thread.State.TIMED_WAITING && thread.getState() != Thread.State.WAITING) {
            assertTrue(thread.isAlive(), thread.getName() + " ended");
            assertTrue(System.nanoTime() < deadline, thread.getName() + " did not park within " + WAIT);
            Thread.sleep(0, 100_000);
        }
    }

    /**
     * Appends {@code bursts} bursts of 1-4 records (counts from {@code random}), each once
     * {@code waiter} has parked, and waits for every record of a burst to be handed over before
     * the next: no commit follows a burst before it is delivered, so a tailer that waits for the
     * writer's signal instead of looking itself never gets it. Returns what was appended.
     */
    private static List<WalRecord> appendInBursts(WriteAheadLog wal, Random random, int bursts, Thread waiter,
            IntSupplier delivered) throws Exception {
        List<WalRecord> appended = new ArrayList<>();
        for (int b = 0; b < bursts; b++) {
            int size = 1 + random.nextInt(4);
            awaitParked(waiter);
            for (int i = 0; i < size; i++) {
                byte[] payload = Records.payload(appended.size() + 1, 1 + random.nextInt(300));
                appended.add(new WalRecord(wal.append(payload), payload));
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (delivered.getAsInt() < appended.size() && System.nanoTime() < deadline) {
                Thread.sleep(0, 200_000);
            }
            int got = delivered.getAsInt();
            assertTrue(got >= appended.size(), () -> "record " + (got + 1) + " (of a burst of " + size
                    + ", then no commit) was not delivered within " + WAIT);
        }
        return appended;
    }

    private static void assertHandedInOrderOnce(List<WalRecord> appended, List<Handed> handed) {
        assertEquals(appended.size(), handed.size(), "each record once");
        for (int i = 0; i < appended.size(); i++) {
            Handed h = handed.get(i);
            assertEquals(appended.get(i).sequence(), h.sequence(), "in order, at " + i);
            assertArrayEquals(appended.get(i).payload(), h.payload(), "payload of " + h.sequence());
            assertTrue(h.sequence() <= h.durableAfter(), () -> "record " + h.sequence()
                    + " was handed over past the durable mark " + h.durableAfter());
        }
    }

    @Test
    void aDelayedTailerDeliversBurstsItWasNotWokenForInOrderEachOnce() throws Exception {
        TailOptions delayed = TailOptions.defaults().withMaxDeliveryDelay(Duration.ofMillis(3));
        assertEquals(Duration.ofMillis(3), delayed.maxDeliveryDelay());
        assertEquals(Duration.ZERO, TailOptions.defaults().maxDeliveryDelay());
        assertThrows(IllegalArgumentException.class,
                () -> TailOptions.defaults().withMaxDeliveryDelay(Duration.ofNanos(-1)));
        assertThrows(NullPointerException.class, () -> TailOptions.defaults().withMaxDeliveryDelay(null));
        long seed = Seeds.seed("TailerTest.aDelayedTailerDeliversBurstsItWasNotWokenForInOrderEachOnce");
        Random random = new Random(seed);
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), SMALL_SEGMENTS)) {
            WalTailer tailer = wal.tail(1, delayed);
            List<Handed> handed = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread consumer = new Thread(() -> {
                try {
                    while (true) {
                        WalRecord r = tailer.next(WAIT);
                        if (r != null) {
                            handed.add(new Handed(r.sequence(), r.payload(), wal.durableSequence()));
                        }
                    }
                } catch (WalClosedException closed) {
                    // The end of the test.
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "delayed-tailer");
            consumer.start();
            List<WalRecord> appended = appendInBursts(wal, random, 40, consumer, handed::size);
            tailer.close();
            consumer.join(WAIT.toMillis());
            assertNull(failed.get(), () -> "the tailer failed: " + failed.get());
            assertHandedInOrderOnce(appended, handed);
            // A timeout shorter than the delay: the call waits no longer than it was given.
            try (WalTailer slow = wal.tail(appended.size() + 1,
                    TailOptions.defaults().withMaxDeliveryDelay(Duration.ofHours(1)))) {
                long started = System.nanoTime();
                CompletableFuture<WalRecord> timedOut = CompletableFuture.supplyAsync(() -> {
                    try {
                        return slow.next(Duration.ofMillis(100));
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, pool);
                assertNull(timedOut.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertTrue(System.nanoTime() - started >= 90_000_000L, "waited for its timeout");
            }
        }
    }

    @Test
    void aDelayedSubscriptionDeliversBurstsNoCommitWokeItForInOrderEachOnce() throws Exception {
        long seed = Seeds.seed("TailerTest.aDelayedSubscriptionDeliversBurstsNoCommitWokeItForInOrderEachOnce");
        Random random = new Random(seed);
        // A directory name of its own: the dispatcher thread is found by it.
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("delayed-subscription"), SMALL_SEGMENTS)) {
            List<Handed> handed = new CopyOnWriteArrayList<>();
            WalSubscription subscription = wal.subscribe(1,
                    TailOptions.defaults().withMaxDeliveryDelay(Duration.ofMillis(2)), pool, (seq, payload) -> {
                        byte[] b = new byte[payload.remaining()];
                        payload.get(b);
                        handed.add(new Handed(seq, b, wal.durableSequence()));
                    });
            Thread dispatcher = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("wal4j-tail-delayed-subscription")).findFirst().orElseThrow();
            List<WalRecord> appended = appendInBursts(wal, random, 30, dispatcher, handed::size);
            subscription.close();
            assertNull(subscription.ended().get(5, TimeUnit.SECONDS), "ended by its close");
            assertHandedInOrderOnce(appended, handed);
        }
    }

    @Test
    void aDelayedTailerInBufferedModeDeliversOnlyWhatAnFsyncMadeDurable() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"),
                WalOptions.defaults().withDurability(Durability.BUFFERED));
                WalTailer tailer = wal.tail(1, TailOptions.defaults().withMaxDeliveryDelay(Duration.ofMillis(1)))) {
            for (int i = 1; i <= 10; i++) {
                wal.append(Records.payload(i));
            }
            wal.flush(); // handed to the OS, not durable
            assertNull(tailer.next(Duration.ofMillis(200)), "many delays passed: still nothing unsynced delivered");
            wal.fsync();
            assertEquals(10, take(tailer, 10).size());
        }
    }

    @Test
    void noCommitWakesADelayedTailerOrTheDispatcherWhileItWatchesOnlyDelayedSubscriptions() throws Exception {
        // A delay of an hour: a record that arrives sooner was brought by a commit's wake-up.
        TailOptions hour = TailOptions.defaults().withMaxDeliveryDelay(Duration.ofHours(1));
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("not-woken"))) {
            WalTailer tailer = wal.tail(1, hour);
            CompletableFuture<WalRecord> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return tailer.next(Duration.ofSeconds(2));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, pool);
            List<Long> pushed = new CopyOnWriteArrayList<>();
            WalSubscription delayed = wal.subscribe(1, hour, pool, (seq, payload) -> pushed.add(seq));
            Thread dispatcher = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("wal4j-tail-not-woken")).findFirst().orElseThrow();
            Thread.sleep(200); // the subscription's first task found nothing and handed it to the dispatcher
            awaitParked(dispatcher);
            long appended = System.nanoTime();
            wal.append(Records.payload(1));
            Thread.sleep(300);
            assertEquals(List.of(), pushed, "a commit woke the dispatcher of a delayed subscription");
            WalRecord r = blocked.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(1, r.sequence(), "the last look, at the timeout, found the record");
            assertTrue(System.nanoTime() - appended > 1_500_000_000L, "a commit woke a delayed tailer");
            // A subscription without a delay: the dispatcher waits to be woken again, and a commit
            // brings the delayed subscription's task too.
            List<Long> prompt = new CopyOnWriteArrayList<>();
            WalSubscription plain = wal.subscribe(2, TailOptions.defaults(), pool, (seq, payload) -> prompt.add(seq));
            Thread.sleep(200);
            wal.append(Records.payload(2));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while ((prompt.isEmpty() || pushed.size() < 2) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(List.of(2L), prompt);
            assertEquals(List.of(1L, 2L), pushed, "woken with the subscription without a delay");
            delayed.close();
            plain.close();
            tailer.close();
        }
    }

    /** What {@code running} returned within 5 s, or a note that it still waited 5 s after {@code what}. */
    private static Object outcomeWithin5s(String what, CompletableFuture<Object> running) throws Exception {
        try {
            return running.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return "still parked 5 s after " + what;
        }
    }

    @Test
    void closingEndsAParkedDelayedTailerAtOnce() throws Exception {
        // A delay of an hour: only the close's wake-up can end these waits within the test.
        TailOptions hour = TailOptions.defaults().withMaxDeliveryDelay(Duration.ofHours(1));
        WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"));
        Records.append(wal, 1, 3);
        WalTailer closedItself = wal.tail(4, hour);
        WalTailer closedWithTheLog = wal.tail(4, hour);
        WalSubscription subscription = wal.subscribe(4, hour, pool, (seq, payload) -> { });
        ExecutorService consumers = Executors.newFixedThreadPool(2);
        try {
            List<Thread> parked = new CopyOnWriteArrayList<>();
            List<CompletableFuture<Object>> blocked = new ArrayList<>();
            for (WalTailer t : List.of(closedItself, closedWithTheLog)) {
                blocked.add(CompletableFuture.supplyAsync(() -> {
                    parked.add(Thread.currentThread());
                    try {
                        return t.next(WAIT);
                    } catch (IOException e) {
                        return e;
                    }
                }, consumers));
            }
            while (parked.size() < 2) {
                Thread.sleep(1);
            }
            for (Thread t : parked) {
                awaitParked(t);
            }
            closedItself.close();
            Object first = outcomeWithin5s("the tailer's close", blocked.get(0));
            assertInstanceOf(WalClosedException.class, first, () -> "the close ended the parked tailer: " + first);
            assertFalse(blocked.get(1).isDone(), "the other tailer still waits");
            wal.close();
            Object second = outcomeWithin5s("the log's close", blocked.get(1));
            assertInstanceOf(WalClosedException.class, second, () -> "the log's close ended the parked tailer: " + second);
            ExecutionException ended = assertThrows(ExecutionException.class,
                    () -> subscription.ended().get(5, TimeUnit.SECONDS));
            assertInstanceOf(WalClosedException.class, ended.getCause());
        } finally {
            consumers.shutdownNow();
            wal.close();
        }
    }

    @Test
    void nextTimesOutWithNullAndReturnsARecordAppendedWhileItWaits() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"));
                WalTailer tailer = wal.tail(1, TailOptions.defaults())) {
            long started = System.nanoTime();
            assertNull(tailer.next(Duration.ofMillis(100)));
            assertTrue(System.nanoTime() - started >= 90_000_000L, "waited for the timeout");
            assertNull(tailer.next(Duration.ZERO));
            assertNull(tailer.nextView(Duration.ZERO));
            CompletableFuture<WalRecord> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return tailer.next(WAIT);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, pool);
            Thread.sleep(50);
            long seq = wal.append(Records.payload(7));
            WalRecord r = waiting.get(30, TimeUnit.SECONDS);
            assertEquals(seq, r.sequence());
            assertArrayEquals(Records.payload(7), r.payload());
        }
    }

    @Test
    void oneDurableMarkWakesEveryWaitingTailer() throws Exception {
        // The writer wakes one waiter and each wakes the next (MarkSignal's relay): all must come.
        ExecutorService waiters = Executors.newFixedThreadPool(5);
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            List<CompletableFuture<WalRecord>> got = new ArrayList<>();
            List<WalTailer> tailers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                WalTailer t = wal.tail(1, TailOptions.defaults());
                tailers.add(t);
                got.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return t.next(WAIT);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, waiters));
            }
            Thread.sleep(200); // all five parked in next()
            long started = System.nanoTime();
            wal.append(Records.payload(1));
            for (CompletableFuture<WalRecord> f : got) {
                assertEquals(1, f.get(30, TimeUnit.SECONDS).sequence());
            }
            assertTrue(System.nanoTime() - started < 10_000_000_000L, "woken by the mark, not by the timeout");
            tailers.forEach(WalTailer::close);
        } finally {
            waiters.shutdownNow();
        }
    }

    @Test
    void nextViewLendsAReadOnlyViewOfThePayload() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            List<WalRecord> all = Records.append(wal, 1, 20);
            try (WalTailer tailer = wal.tail(3, TailOptions.defaults())) {
                for (int i = 2; i < 20; i++) {
                    ByteBuffer view = tailer.nextView(WAIT);
                    assertTrue(view.isReadOnly());
                    byte[] bytes = new byte[view.remaining()];
                    view.get(bytes);
                    assertEquals(all.get(i).sequence(), tailer.lastSequence());
                    assertArrayEquals(all.get(i).payload(), bytes);
                }
            }
        }
    }

    @Test
    void severalTailersEachReadFromTheirOwnPositionAndCloseIndependently() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), SMALL_SEGMENTS)) {
            List<WalRecord> all = new ArrayList<>(Records.append(wal, 1, 30));
            WalTailer a = wal.tail(1, TailOptions.defaults());
            WalTailer b = wal.tail(17, TailOptions.defaults());
            WalTailer c = wal.tail(31, TailOptions.defaults());
            assertRecords(all.subList(0, 10), take(a, 10));
            assertRecords(all.subList(16, 30), take(b, 14));
            all.addAll(Records.append(wal, 31, 30));
            a.close();
            assertThrows(WalClosedException.class, () -> a.next(Duration.ZERO));
            assertThrows(WalClosedException.class, () -> a.next(Duration.ZERO), "stays ended");
            assertRecords(all.subList(30, 60), take(b, 30));
            assertRecords(all.subList(30, 60), take(c, 30));
            b.close();
            all.addAll(Records.append(wal, 61, 5));
            assertRecords(all.subList(60, 65), take(c, 5));
            c.close();
            c.close(); // idempotent
            // A close wakes a consumer blocked in next().
            WalTailer d = wal.tail(66, TailOptions.defaults());
            CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return d.next(WAIT);
                } catch (IOException e) {
                    return e;
                }
            }, pool);
            Thread.sleep(100);
            d.close();
            assertInstanceOf(WalClosedException.class, blocked.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void closingTheLogEndsEveryTailerAndSubscription() throws Exception {
        WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"));
        Records.append(wal, 1, 5);
        WalTailer idle = wal.tail(1, TailOptions.defaults());
        WalTailer blocked = wal.tail(6, TailOptions.defaults());
        WalSubscription subscription = wal.subscribe(1, TailOptions.defaults(), pool, (seq, payload) -> { });
        CompletableFuture<Object> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return blocked.next(WAIT);
            } catch (IOException e) {
                return e;
            }
        }, pool);
        Thread.sleep(100);
        wal.close();
        assertInstanceOf(WalClosedException.class, waiting.get(5, TimeUnit.SECONDS));
        assertThrows(WalClosedException.class, () -> idle.next(Duration.ZERO));
        ExecutionException ended = assertThrows(ExecutionException.class,
                () -> subscription.ended().get(5, TimeUnit.SECONDS));
        assertInstanceOf(WalClosedException.class, ended.getCause());
        assertThrows(WalClosedException.class, () -> wal.tail(1, TailOptions.defaults()));
        assertThrows(WalClosedException.class, () -> wal.subscribe(1, TailOptions.defaults(), pool, (s, p) -> { }));
    }

    @Test
    void theStartingSequenceMustLieInTheLog() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            WalTruncatedException zero = assertThrows(WalTruncatedException.class,
                    () -> wal.tail(0, TailOptions.defaults()));
            assertEquals(1, zero.firstAvailable());
            assertTrue(zero.getMessage().contains("truncated below your position"), zero.getMessage());
            assertThrows(WalTruncatedException.class, () -> wal.tail(-5, TailOptions.defaults()));
            WalSequenceAheadException ahead = assertThrows(WalSequenceAheadException.class,
                    () -> wal.tail(2, TailOptions.defaults()));
            assertEquals(1, ahead.nextSequence());
            wal.tail(1, TailOptions.defaults()).close(); // an empty log: the first record to come
            Records.append(wal, 1, 20);
            assertThrows(WalSequenceAheadException.class, () -> wal.tail(22, TailOptions.defaults()));
            try (WalTailer atEnd = wal.tail(21, TailOptions.defaults())) {
                assertNull(atEnd.next(Duration.ZERO));
                long seq = wal.append(Records.payload(21));
                assertEquals(seq, atEnd.next(WAIT).sequence());
            }
            wal.checkpoint(10);
            WalTruncatedException below = assertThrows(WalTruncatedException.class,
                    () -> wal.tail(10, TailOptions.defaults()));
            assertEquals(10, below.position());
            assertEquals(11, below.firstAvailable());
            assertThrows(WalTruncatedException.class,
                    () -> wal.subscribe(3, TailOptions.defaults(), pool, (s, p) -> { }));
            try (WalTailer first = wal.tail(11, TailOptions.defaults())) {
                assertEquals(11, first.next(WAIT).sequence());
            }
        }
    }

    @Test
    void failTailerEndsATailerACheckpointPassedWithTruncated() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), SMALL_SEGMENTS)) {
            Records.append(wal, 1, 100);
            WalTailer behind = wal.tail(1, TailOptions.defaults());
            WalTailer ahead = wal.tail(1, TailOptions.defaults());
            assertEquals(5, take(behind, 5).size());
            assertEquals(60, take(ahead, 60).size());
            long filesBefore = segmentFiles(wal.directory());
            wal.checkpoint(50);
            assertTrue(segmentFiles(wal.directory()) < filesBefore, "FAIL_TAILER lets the checkpoint delete segments");
            WalTruncatedException e = assertThrows(WalTruncatedException.class, () -> behind.next(WAIT));
            assertEquals(6, e.position());
            assertEquals(51, e.firstAvailable());
            assertThrows(WalTruncatedException.class, () -> behind.next(WAIT), "stays ended");
            // The tailer the checkpoint did not pass goes on.
            assertEquals(61, ahead.next(WAIT).sequence());
            ahead.close();
        }
    }

    @Test
    void aCheckpointThatDeletesEverySegmentFromATailersPositionEndsItNeverSkipping() throws Exception {
        // Found by TailerScheduleTest (seed 4602532322672073697, wal4j.tries=3000): a checkpoint
        // ending just before a segment deleted every segment from the tailer's position, and the
        // tailer handed out the first record of the oldest segment left, which the checkpoint does
        // not cover: records skipped silently.
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), SMALL_SEGMENTS)) {
            Records.append(wal, 1, 200);
            WalTailer fresh = wal.tail(1, TailOptions.defaults());
            WalTailer reading = wal.tail(1, TailOptions.defaults());
            assertEquals(3, take(reading, 3).size());
            long boundary;
            try (LogInspection inspection = LogInspection.open(wal.directory(), WalOptions.defaults())) {
                List<Long> ids = inspection.segmentIds();
                boundary = inspection.segment(ids.get(ids.size() / 2)).firstSequence();
            }
            assertTrue(boundary > 10, "a boundary well inside the log: " + boundary);
            wal.checkpoint(boundary - 1);
            WalTruncatedException e = assertThrows(WalTruncatedException.class, () -> fresh.next(WAIT));
            assertEquals(1, e.position());
            assertEquals(boundary, e.firstAvailable());
            WalTruncatedException r = assertThrows(WalTruncatedException.class, () -> reading.next(WAIT));
            assertEquals(4, r.position());
        }
    }

    @Test
    void holdSegmentsKeepsWhatATailerStillReadsUntilItMovesOnOrCloses() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), SMALL_SEGMENTS)) {
            List<WalRecord> all = Records.append(wal, 1, 200);
            long files = segmentFiles(wal.directory());
            assertTrue(files > 5, "several segments: " + files);
            WalTailer held = wal.tail(1, TailOptions.defaults().withCheckpoints(TailOptions.Checkpoints.HOLD_SEGMENTS));
            assertEquals(1, held.next(WAIT).sequence());
            wal.checkpoint(200);
            assertEquals(files, segmentFiles(wal.directory()), "the checkpoint kept every segment the tailer reads");
            assertEquals(200, wal.checkpointSequence());
            assertRecords(all.subList(1, 100), take(held, 99));
            long midway = segmentFiles(wal.directory());
            assertTrue(midway < files, "the segments the tailer left were deleted: " + midway + " of " + files);
            assertTrue(midway > 1, "the segment it reads is kept");
            held.close();
            assertEquals(1, segmentFiles(wal.directory()), "closing released the rest");
        }
    }

    @Test
    void inBufferedModeATailerDeliversOnlyWhatAnFsyncMadeDurable() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"),
                WalOptions.defaults().withDurability(Durability.BUFFERED))) {
            WalTailer tailer = wal.tail(1, TailOptions.defaults());
            for (int i = 1; i <= 10; i++) {
                wal.append(Records.payload(i));
            }
            wal.flush(); // handed to the OS, not durable
            assertNull(tailer.next(Duration.ofMillis(200)), "a written but unsynced record is never delivered");
            wal.fsync();
            assertEquals(10, take(tailer, 10).size());
            tailer.close();
        }
    }

    @Test
    void aSubscriptionDeliversInOrderOnItsExecutorAndItsCallbackMayAppend() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), SMALL_SEGMENTS)) {
            Records.append(wal, 1, 50);
            List<Long> seen = new ArrayList<>();
            List<String> threads = new ArrayList<>();
            CountDownLatch all = new CountDownLatch(150);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // Each of the first 100 records makes the callback append one more, blocking, from its
            // own thread: the log goes on, and the subscription delivers the new ones too.
            WalSubscription subscription = wal.subscribe(1, TailOptions.defaults().withMaxRecordsPerTask(7), pool,
                    (seq, payload) -> {
                        seen.add(seq);
                        threads.add(Thread.currentThread().getName());
                        if (seq <= 100) {
                            wal.append(Records.payload(seq + 1000));
                        }
                        all.countDown();
                    });
            subscription.ended().whenComplete((v, t) -> failure.set(t));
            assertTrue(all.await(30, TimeUnit.SECONDS), "delivered " + seen.size() + " of 150; " + failure.get());
            subscription.close();
            assertNull(subscription.ended().get(5, TimeUnit.SECONDS), "ended normally by close");
            List<Long> expected = new ArrayList<>();
            for (long s = 1; s <= 150; s++) {
                expected.add(s);
            }
            assertEquals(expected, seen.subList(0, 150));
            assertTrue(threads.stream().allMatch(n -> n.startsWith("pool-")), "ran on the caller's executor");
        }
    }

    @Test
    void aSubscriptionOnACallerRunsExecutorMayAppendCheckpointAndCloseItself() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<WalSubscription> self = new AtomicReference<>();
            List<Long> seen = new ArrayList<>();
            WalSubscription s = wal.subscribe(1, TailOptions.defaults(), Runnable::run, (seq, payload) -> {
                seen.add(seq);
                if (seq < 20) {
                    wal.append(Records.payload(seq + 1));
                } else {
                    wal.checkpoint(seq - 1);
                    self.get().close();
                    done.countDown();
                }
            });
            self.set(s);
            wal.append(Records.payload(1));
            assertTrue(done.await(30, TimeUnit.SECONDS), "delivered " + seen);
            assertEquals(20, seen.size());
            assertNull(s.ended().get(5, TimeUnit.SECONDS));
            assertEquals(19, wal.checkpointSequence());
        }
    }

    @Test
    void aThrowingCallbackEndsItsSubscriptionWithThatException() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            Records.append(wal, 1, 5);
            IOException boom = new IOException("boom");
            List<Long> seen = new ArrayList<>();
            WalSubscription s = wal.subscribe(1, TailOptions.defaults(), pool, (seq, payload) -> {
                seen.add(seq);
                if (seq == 3) {
                    throw boom;
                }
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.ended().get(10, TimeUnit.SECONDS));
            assertEquals(boom, e.getCause());
            Records.append(wal, 6, 5);
            Thread.sleep(100);
            assertEquals(List.of(1L, 2L, 3L), seen, "nothing after the callback threw");
            // The log and other tailers are unaffected.
            try (WalTailer t = wal.tail(1, TailOptions.defaults())) {
                assertEquals(10, take(t, 10).size());
            }
        }
    }

    @Test
    void aFailTailerSubscriptionBehindACheckpointEndsTruncated() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            Records.append(wal, 1, 10);
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            WalSubscription s = wal.subscribe(1, TailOptions.defaults(), pool, (seq, payload) -> {
                first.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            });
            assertTrue(first.await(10, TimeUnit.SECONDS));
            wal.checkpoint(10); // the subscription is stuck in record 1
            release.countDown();
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.ended().get(10, TimeUnit.SECONDS));
            WalTruncatedException t = assertInstanceOf(WalTruncatedException.class, e.getCause());
            assertEquals(2, t.position());
        }
    }

    /** A disk whose segment syncs take 30 ms: a callback attached right after appendAsync runs on the writer. */
    private static WalOptions slowSyncs() {
        return WalOptions.defaults().withStorage(new ForwardingStorage(new SimulatedDisk()) {
            @Override
            protected StorageFile wrap(Path path, StorageFile file) {
                return new ForwardingStorageFile(file) {
                    @Override
                    public void sync() throws IOException {
                        try {
                            Thread.sleep(30);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        super.sync();
                    }
                };
            }
        });
    }

    /** Runs {@code call} in a callback on the writer thread; returns what it threw (null: nothing). */
    private static Throwable onTheWriterThread(WriteAheadLog wal, Callable<?> call) throws Exception {
        CompletableFuture<Throwable> result = new CompletableFuture<>();
        wal.appendAsync(Records.payload(1)).thenAccept(seq -> {
            if (!Thread.currentThread().getName().startsWith("wal4j-writer")) {
                result.completeExceptionally(new AssertionError("ran on " + Thread.currentThread().getName()));
                return;
            }
            try {
                call.call();
                result.complete(null);
            } catch (Throwable t) {
                result.complete(t);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void blockingTailerCallsAreRefusedOnTheWriterThreadAndCloseWorksThere() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), slowSyncs())) {
            WalTailer tailer = wal.tail(1, TailOptions.defaults());
            WalTailer held = wal.tail(1, TailOptions.defaults().withCheckpoints(TailOptions.Checkpoints.HOLD_SEGMENTS));
            assertInstanceOf(IllegalStateException.class, onTheWriterThread(wal, () -> tailer.next(WAIT)));
            assertInstanceOf(IllegalStateException.class, onTheWriterThread(wal, () -> tailer.nextView(Duration.ZERO)));
            assertInstanceOf(IllegalStateException.class, onTheWriterThread(wal, () -> wal.tail(1, TailOptions.defaults())));
            assertInstanceOf(IllegalStateException.class,
                    onTheWriterThread(wal, () -> wal.subscribe(1, TailOptions.defaults(), pool, (q, p) -> { })));
            // Closing never waits for the writer: it works there, also for a tailer holding segments.
            assertNull(onTheWriterThread(wal, () -> {
                tailer.close();
                held.close();
                return null;
            }));
            assertThrows(WalClosedException.class, () -> tailer.next(Duration.ZERO));
            assertThrows(WalClosedException.class, () -> held.next(Duration.ZERO));
            try (WalTailer after = wal.tail(1, TailOptions.defaults())) {
                assertEquals(5, take(after, 5).size(), "one record per callback: the log went on");
            }
        }
    }

    @Test
    void afterAFailedSyncATailerDeliversWhatWasDurableThenThrowsFailed() throws Exception {
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), WalOptions.defaults().withStorage(storage));
        try {
            List<WalRecord> durable = Records.append(wal, 1, 5);
            WalTailer late = wal.tail(1, TailOptions.defaults());
            WalTailer waiting = wal.tail(6, TailOptions.defaults());
            CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return waiting.next(WAIT);
                } catch (IOException e) {
                    return e;
                }
            }, pool);
            Thread.sleep(100);
            storage.failNext(Operation.SYNC, 1, Errno.EIO);
            assertThrows(WalFailedException.class, () -> wal.append(Records.payload(6)));
            assertInstanceOf(WalFailedException.class, blocked.get(10, TimeUnit.SECONDS), "woken by the failure");
            assertRecords(durable, take(late, 5));
            assertThrows(WalFailedException.class, () -> late.next(WAIT), "the written, unsynced record is not delivered");
        } finally {
            try {
                wal.close();
            } catch (WalFailedException expected) {
                // The log failed.
            }
        }
    }

    @Test
    void aTailerReadsAProtectedLogAcrossAReopen() throws Exception {
        WalOptions options = WalOptions.defaults().withEncryption(Keys.only("k1")).withSegmentSize(16 << 10);
        Path dir = tmp.resolve("wal");
        List<WalRecord> all = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            all.addAll(Records.append(wal, 1, 40));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options); WalTailer tailer = wal.tail(1, TailOptions.defaults())) {
            assertRecords(all, take(tailer, 40));
            all.addAll(Records.append(wal, 41, 40));
            assertRecords(all.subList(40, 80), take(tailer, 40));
        }
    }
}
