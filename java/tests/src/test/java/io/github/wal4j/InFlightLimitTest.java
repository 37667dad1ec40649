package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The in-flight limit ({@link WalOptions#withInFlightLimit}): the writer is held inside the sync of
 * a first batch, so what the test queues next stays in flight, and the limit is checked exactly:
 * fail-fast refuses the record (or group) that does not fit at once, by records and by bytes, and
 * admits again once the writer drained; blocking waits, then gets in when room comes, or times out
 * with {@link WalOverloadedException}; an interrupt ends the wait with
 * {@link WalInterruptedException} and the interrupt status set; a callback on the writer thread
 * that appends into a full queue neither waits nor deadlocks. A refused append never uses a
 * sequence number. On the simulated disk (its I/O, like the native layer's, survives interrupts).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InFlightLimitTest {
    private static final long TIMEOUT_SECONDS = 10;

    @TempDir
    Path tmp;

    private HeldSyncs layer;

    private WriteAheadLog open(InFlightLimit limit) throws IOException {
        layer = new HeldSyncs(new SimulatedDisk());
        return WriteAheadLog.open(tmp.resolve("wal"), WalOptions.defaults().withStorage(layer).withInFlightLimit(limit));
    }

    /** Holds the writer inside the sync of a batch holding record 1 only. */
    private CompletableFuture<Long> holdWriter(WriteAheadLog wal) throws Exception {
        layer.hold();
        CompletableFuture<Long> first = wal.appendAsync(new byte[] {1});
        assertTrue(layer.awaitWriterHeld(TIMEOUT_SECONDS), "the writer never reached its sync");
        return first;
    }

    private static WalOverloadedException overloaded(CompletableFuture<Long> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        return assertInstanceOf(WalOverloadedException.class, e.getCause());
    }

    @Test
    void failFastRefusesWhatDoesNotFitByRecordsAndAdmitsAgainOnceDrained() throws Exception {
        try (WriteAheadLog wal = open(InFlightLimit.failFast(3, Long.MAX_VALUE))) {
            CompletableFuture<Long> first = holdWriter(wal);
            List<CompletableFuture<Long>> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(wal.appendAsync(new byte[] {2}));
            }
            WalOverloadedException e = overloaded(wal.appendAsync(new byte[] {3}));
            assertEquals(3, e.inFlightRecords());
            assertEquals(0, e.waitedNanos());
            assertTrue(e.getMessage().endsWith(WalRefusedException.NOTHING_CHANGED), e.getMessage());
            assertThrows(WalOverloadedException.class, () -> wal.append(new byte[] {3}), "blocking append too");
            assertThrows(WalOverloadedException.class, () -> wal.appendAll(List.of(new byte[1])), "and a group");
            assertEquals(4, wal.lastSequence(), "refused appends use no sequence number");

            layer.release();
            assertEquals(1, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++) {
                assertEquals(2 + i, queued.get(i).get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            }
            assertEquals(5, wal.append(new byte[] {4}), "drained: admitted again");
            assertEquals(8, wal.appendAll(List.of(new byte[1], new byte[1], new byte[1])));
            assertEquals(8, wal.recover().size());
        }
    }

    @Test
    void failFastRefusesByBytesAndAdmitsALargerRecordAloneIntoAnEmptyQueue() throws Exception {
        long limit = 2 * RecordFormat.framedSize(100);
        try (WriteAheadLog wal = open(InFlightLimit.failFast(Integer.MAX_VALUE, limit))) {
            CompletableFuture<Long> first = holdWriter(wal);
            CompletableFuture<Long> a = wal.appendAsync(new byte[100]);
            CompletableFuture<Long> b = wal.appendAsync(new byte[100]);
            WalOverloadedException e = overloaded(wal.appendAsync(new byte[0]));
            assertEquals(limit, e.inFlightBytes(), "the limit exactly: one byte more is refused");
            overloaded(wal.appendAllAsync(List.of(new byte[0])));
            layer.release();
            assertEquals(3, b.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(1, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(2, a.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));

            // Nothing in flight: a record over the limit gets in alone, instead of never.
            first = holdWriter(wal);
            CompletableFuture<Long> large = wal.appendAsync(new byte[1000]);
            overloaded(wal.appendAsync(new byte[0]));
            layer.release();
            assertEquals(5, large.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(4, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void aGroupIsAdmittedWholeOrNotAtAll() throws Exception {
        try (WriteAheadLog wal = open(InFlightLimit.failFast(4, Long.MAX_VALUE))) {
            CompletableFuture<Long> first = holdWriter(wal);
            CompletableFuture<Long> two = wal.appendAllAsync(List.of(new byte[1], new byte[1]));
            WalOverloadedException e = overloaded(wal.appendAllAsync(List.of(new byte[1], new byte[1], new byte[1])));
            assertEquals(2, e.inFlightRecords(), "three do not fit beside two: none of them is queued");
            CompletableFuture<Long> other = wal.appendAllAsync(List.of(new byte[1], new byte[1]));
            layer.release();
            assertEquals(1, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(3, two.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(5, other.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(5, wal.recover().size());
        }
    }

    @Test
    void blockingWaitsForRoomAndGetsInWhenTheWriterDrains() throws Exception {
        try (WriteAheadLog wal = open(InFlightLimit.blocking(2, Long.MAX_VALUE, Duration.ofMinutes(1)))) {
            CompletableFuture<Long> first = holdWriter(wal);
            wal.appendAsync(new byte[] {2});
            wal.appendAsync(new byte[] {3});
            CompletableFuture<Long> blocked = new CompletableFuture<>();
            Thread appender = new Thread(() -> {
                try {
                    blocked.complete(wal.append(new byte[] {4}));
                } catch (Throwable t) {
                    blocked.completeExceptionally(t);
                }
            });
            appender.start();
            appender.join(300);
            assertTrue(appender.isAlive(), "over the limit: it waits");
            assertEquals(3, wal.lastSequence(), "not queued while it waits");
            layer.release();
            assertEquals(4, blocked.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(1, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void blockingTimesOutWithTheTypedException() throws Exception {
        Duration timeout = Duration.ofMillis(200);
        try (WriteAheadLog wal = open(InFlightLimit.blocking(2, Long.MAX_VALUE, timeout))) {
            CompletableFuture<Long> first = holdWriter(wal);
            wal.appendAsync(new byte[] {2});
            wal.appendAsync(new byte[] {3});
            long started = System.nanoTime();
            WalOverloadedException e = assertThrows(WalOverloadedException.class, () -> wal.append(new byte[] {4}));
            assertTrue(System.nanoTime() - started >= timeout.toNanos(), "it waited out its timeout first");
            assertEquals(timeout.toNanos(), e.waitedNanos());
            assertEquals(2, e.inFlightRecords());
            overloaded(wal.appendAsync(new byte[] {4}));
            assertEquals(3, wal.lastSequence());
            layer.release();
            assertEquals(1, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(4, wal.append(new byte[] {5}));
        }
    }

    @ParameterizedTest
    @EnumSource(Caller.class)
    void anInterruptEndsTheWaitAndQueuesNothing(Caller caller) throws Exception {
        try (WriteAheadLog wal = open(InFlightLimit.blocking(2, Long.MAX_VALUE, Duration.ofMinutes(5)))) {
            CompletableFuture<Long> first = holdWriter(wal);
            wal.appendAsync(new byte[] {2});
            wal.appendAsync(new byte[] {3});
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            CompletableFuture<Boolean> flagSet = new CompletableFuture<>();
            Thread appender = new Thread(() -> {
                try {
                    caller.append(wal);
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
                flagSet.complete(Thread.currentThread().isInterrupted());
            });
            appender.start();
            appender.join(300);
            assertTrue(appender.isAlive(), "it waits for room");
            appender.interrupt();
            Throwable t = outcome.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertInstanceOf(WalInterruptedException.class, t, String.valueOf(t));
            assertInstanceOf(InterruptedException.class, t.getCause());
            assertTrue(t.getMessage().endsWith(WalRefusedException.NOTHING_CHANGED), t.getMessage());
            assertTrue(flagSet.get(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the interrupt status is set again");
            assertEquals(3, wal.lastSequence(), "nothing of it was queued");
            layer.release();
            assertEquals(1, first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(4, wal.append(new byte[] {9}));
            List<WalRecord> records = wal.recover();
            assertEquals(4, records.size());
            assertArrayEquals(new byte[] {9}, records.get(3).payload());
        }
    }

    /** How the interrupted appender appends. */
    enum Caller {
        BLOCKING, ASYNC, GROUP;

        void append(WriteAheadLog wal) throws Throwable {
            switch (this) {
                case BLOCKING -> wal.append(new byte[] {4});
                case GROUP -> wal.appendAll(List.of(new byte[] {4}, new byte[] {5}));
                default -> {
                    try {
                        wal.appendAsync(new byte[] {4}).get();
                    } catch (ExecutionException e) {
                        throw e.getCause();
                    }
                }
            }
        }
    }

    /**
     * A callback of a completed future runs on the writer thread, the only thread that makes room:
     * its appends into the full queue never wait (under BLOCK they are let through, under
     * FAIL_FAST refused), so nothing deadlocks and the log goes on.
     */
    @ParameterizedTest
    @EnumSource(InFlightLimit.Policy.class)
    void aCallbackThatAppendsIntoAFullQueueDoesNotDeadlock(InFlightLimit.Policy policy) throws Exception {
        InFlightLimit limit = policy == InFlightLimit.Policy.BLOCK
                ? InFlightLimit.blocking(2, Long.MAX_VALUE, Duration.ofMinutes(5))
                : InFlightLimit.failFast(2, Long.MAX_VALUE);
        try (WriteAheadLog wal = open(limit)) {
            layer.hold();
            List<CompletableFuture<Long>> fromCallback = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> callbackDone = wal.appendAsync(new byte[] {1}).thenAccept(seq -> {
                for (int i = 0; i < 3; i++) {
                    fromCallback.add(wal.appendAsync(new byte[] {7}));
                }
                fromCallback.add(wal.appendAllAsync(List.of(new byte[] {8}, new byte[] {8})));
            });
            assertTrue(layer.awaitWriterHeld(TIMEOUT_SECONDS), "the writer never reached its sync");
            CompletableFuture<Long> a = wal.appendAsync(new byte[] {2});
            CompletableFuture<Long> b = wal.appendAsync(new byte[] {3});
            layer.release();
            callbackDone.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertEquals(2, a.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(3, b.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertEquals(4, fromCallback.size());
            for (CompletableFuture<Long> f : fromCallback) {
                if (policy == InFlightLimit.Policy.BLOCK) {
                    assertTrue(f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS) > 3, "let through past the limit");
                } else {
                    overloaded(f);
                }
            }
            long expected = policy == InFlightLimit.Policy.BLOCK ? 8 : 3;
            assertEquals(expected, wal.lastSequence());
            assertEquals(expected + 1, wal.append(new byte[] {9}), "the log goes on");
        }
    }

    @Test
    void theDefaultIsTodaysBoundBlockingForAMinute() {
        InFlightLimit d = WalOptions.defaults().inFlightLimit();
        assertEquals(64L << 20, d.maxBytes());
        assertEquals(Integer.MAX_VALUE, d.maxRecords());
        assertEquals(InFlightLimit.Policy.BLOCK, d.policy());
        assertEquals(Duration.ofMinutes(1), d.timeout());
        assertThrows(IllegalArgumentException.class, () -> InFlightLimit.failFast(0, 1));
        assertThrows(IllegalArgumentException.class, () -> InFlightLimit.blocking(1, 0, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> InFlightLimit.blocking(1, 1, Duration.ofSeconds(-1)));
        assertFalse(WalOptions.defaults().toString().contains("inFlightLimit"));
        assertTrue(WalOptions.defaults().withInFlightLimit(InFlightLimit.failFast(5, 100)).toString()
                .contains("inFlightLimit=InFlightLimit[5 records, 100 bytes, fail fast]"));
    }
}
