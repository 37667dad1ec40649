package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Open, close and the directory lock: what a closed log refuses, and who may hold a directory. */
class LifecycleTest {
    @TempDir
    Path tmp;

    @Test
    void everyCallAfterCloseThrowsWalClosedException() throws Exception {
        Path dir = tmp.resolve("wal");
        WriteAheadLog wal = WriteAheadLog.open(dir);
        wal.append(Records.payload(1));
        wal.close();
        Map<String, Executable> calls = Map.of(
                "append", () -> wal.append(new byte[] {1}),
                "flush", wal::flush,
                "fsync", wal::fsync,
                "checkpoint(long)", () -> wal.checkpoint(1),
                "checkpoint(Path, SnapshotWriter)", () -> wal.checkpoint(tmp.resolve("snap"), out -> out.write(1)),
                "recover", wal::recover,
                "reader", () -> wal.reader(1).close(),
                "replay", () -> wal.replay(1, (sequence, payload) -> { }),
                "transaction", () -> wal.transaction().close());
        for (Map.Entry<String, Executable> call : calls.entrySet()) {
            WalClosedException e = assertThrows(WalClosedException.class, call.getValue(), call.getKey());
            assertTrue(e.getMessage().contains("closed"), call.getKey() + ": " + e.getMessage());
        }
        CompletableFuture<Long> future = wal.appendAsync(new byte[] {1});
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
        assertInstanceOf(WalClosedException.class, e.getCause());
        assertTrue(Files.notExists(tmp.resolve("snap")), "no snapshot written by a closed log");
    }

    @Test
    void closingTwiceIsANoOp() throws IOException {
        Path dir = tmp.resolve("wal");
        WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withSegmentSize(64 << 10));
        List<WalRecord> written = Records.append(wal, 1, 3);
        wal.close();
        Map<String, byte[]> afterFirstClose = LogDirs.snapshot(dir);
        wal.close();
        wal.close();
        LogDirs.assertUnchanged(afterFirstClose, dir); // no second seal
        try (WriteAheadLog again = WriteAheadLog.open(dir)) {
            assertEquals(written, again.recover());
            assertTrue(again.recoveryReport().clean(), again.recoveryReport().summary());
        }
    }

    @Test
    void secondOpenInTheSameJvmFailsAtOnce() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog first = WriteAheadLog.open(dir)) {
            first.append(Records.payload(1));
            long started = System.nanoTime();
            WalLockedException e = assertThrows(WalLockedException.class, () -> WriteAheadLog.open(dir).close());
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis < 1000, "a zero lock timeout fails at once, took " + millis + " ms");
            assertTrue(e.getMessage().contains("wal.lock"), e.getMessage());
            // Also through another spelling of the same directory.
            assertThrows(WalLockedException.class, () -> WriteAheadLog.open(dir.resolve("x").resolve("..")).close());
            // The failed attempts did not disturb the holder, nor release its lock.
            assertEquals(2, first.append(Records.payload(2)));
            assertThrows(WalLockedException.class, () -> WriteAheadLog.open(dir).close());
        }
        try (WriteAheadLog again = WriteAheadLog.open(dir)) {
            assertEquals(2, again.recover().size());
        }
    }

    @Test
    void lockTimeoutWaitsForTheHolderToClose() throws Exception {
        Path dir = tmp.resolve("wal");
        WriteAheadLog first = WriteAheadLog.open(dir);
        first.append(Records.payload(1));
        AtomicLong closedAt = new AtomicLong();
        AtomicReference<Throwable> closeFailure = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(300);
                closedAt.set(System.nanoTime());
                first.close();
            } catch (Throwable t) {
                closeFailure.set(t);
            }
        });
        long started = System.nanoTime();
        closer.start();
        try (WriteAheadLog second = WriteAheadLog.open(dir, WalOptions.defaults().withLockTimeout(Duration.ofSeconds(2)))) {
            long opened = System.nanoTime();
            assertTrue(closedAt.get() != 0 && opened >= closedAt.get(), "opened only after the holder closed");
            assertTrue((opened - started) / 1_000_000 >= 250, "it waited for the holder");
            assertEquals(List.of(new WalRecord(1, Records.payload(1))), second.recover());
            assertEquals(2, second.append(Records.payload(2)));
        } finally {
            closer.join(5000);
        }
        assertEquals(null, closeFailure.get());
    }

    @Test
    void lockTimeoutExpiresWhileTheHolderStaysOpen() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog first = WriteAheadLog.open(dir)) {
            long started = System.nanoTime();
            assertThrows(WalLockedException.class,
                    () -> WriteAheadLog.open(dir, WalOptions.defaults().withLockTimeout(Duration.ofMillis(300))).close());
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis >= 290 && millis < 5000, "waited about the timeout: " + millis + " ms");
            assertEquals(1, first.append(new byte[] {1}));
        }
    }

    @Test
    void checkpointOutsideTheAppendedRangeIsIllegal() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            Records.append(wal, 1, 3);
            IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class, () -> wal.checkpoint(4));
            assertTrue(beyond.getMessage().contains("4"), beyond.getMessage());
            assertThrows(IllegalArgumentException.class, () -> wal.checkpoint(-1));
            assertThrows(IllegalArgumentException.class, () -> wal.checkpoint(Long.MAX_VALUE));
            assertEquals(0, wal.checkpointSequence(), "a rejected checkpoint changes nothing");
            assertTrue(Files.notExists(dir.resolve("CHECKPOINT")));
            assertEquals(3, wal.recover().size());
            wal.checkpoint(3); // the last appended sequence is allowed
            assertEquals(3, wal.checkpointSequence());
            assertEquals(List.of(), wal.recover());
        }
    }

    /** close() waits for every queued append: each future completes with its sequence, and all are on disk. */
    @ParameterizedTest
    @EnumSource(Durability.class)
    void closeDrainsQueuedAppends(Durability durability) throws Exception {
        Path dir = tmp.resolve("wal");
        WalOptions options = WalOptions.defaults().withDurability(durability);
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        List<WalRecord> expected = new ArrayList<>();
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        for (int i = 1; i <= 200; i++) {
            futures.add(wal.appendAsync(Records.payload(i)));
            expected.add(new WalRecord(i, Records.payload(i)));
        }
        wal.close();
        for (int i = 0; i < futures.size(); i++) {
            assertEquals(i + 1, futures.get(i).get(5, TimeUnit.SECONDS), "future " + i);
        }
        try (WriteAheadLog again = WriteAheadLog.open(dir, options)) {
            assertEquals(expected, again.recover());
            assertTrue(again.recoveryReport().clean(), again.recoveryReport().summary());
        }
    }

    @Test
    void emptyLogClosesAndReopens() throws IOException {
        Path dir = tmp.resolve("wal");
        WriteAheadLog.open(dir).close();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(0, wal.lastSequence());
            assertEquals(List.of(), wal.recover());
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertEquals(1, wal.append(new byte[] {1}));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(List.of(new WalRecord(1, new byte[] {1})), wal.recover());
        }
    }

    @Test
    void reopenWithoutAppendsWritesNothing() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, WalOptions.defaults().withSegmentSize(64 << 10), 3, -1);
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withSegmentSize(64 << 10))) {
            assertEquals(3, wal.recover().size());
        }
        Map<String, byte[]> after = LogDirs.snapshot(dir);
        assertEquals(before.keySet(), after.keySet());
        for (String name : before.keySet()) {
            assertArrayEquals(before.get(name), after.get(name), name + ": a sealed log reopened and closed is unchanged");
        }
    }
}
