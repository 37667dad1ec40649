package io.github.wal4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.fixtures.Causes;
import io.github.wal4j.testing.FaultPlan.Errno;
import io.github.wal4j.testing.FaultPlan.FaultyStorage;
import io.github.wal4j.testing.FaultPlan.InjectedIoException;
import io.github.wal4j.testing.FaultPlan.Operation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of fault a {@link FaultPlan} injects, under a log: the plan's counter shows it happened
 * (so this fails if the kit stops injecting it), the log reports it as the I/O error it is, and
 * reopening on the plain layer finds every acknowledged record.
 */
class FaultPlanTest {
    @TempDir
    Path tmp;

    private static byte[] record(long i) {
        return ("record " + i).getBytes(StandardCharsets.US_ASCII);
    }

    private static WalOptions options(FaultyStorage storage) {
        return WalOptions.defaults().withStorage(storage).withSegmentSize(16 << 10);
    }

    /**
     * Without segment preparation: the n-th write or create of a ".wal" file is then the writer's
     * own, never the preparation's (whose failures only fall back: SegmentPreparationTest).
     */
    private static WalOptions unprepared(FaultyStorage storage) {
        return options(storage).withSegmentPreparation(false);
    }

    /** The injected error somewhere in {@code t}'s causes. */
    private static InjectedIoException injected(Throwable t) {
        return Causes.of(t).flatMap(c -> Stream.concat(Stream.of(c), Arrays.stream(c.getSuppressed())))
                .filter(InjectedIoException.class::isInstance).map(InjectedIoException.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no injected fault in the causes of " + t, t));
    }

    /** Appends until an append fails; returns how many were acknowledged. */
    private static long appendUntilFailure(WriteAheadLog wal, int max) {
        for (long i = 1; i <= max; i++) {
            try {
                wal.append(record(i));
            } catch (IOException e) {
                injected(e);
                return i - 1;
            }
        }
        throw new AssertionError("no append failed in " + max);
    }

    private void assertRecovered(Path dir, long acknowledged) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            List<WalRecord> records = wal.recover();
            assertTrue(records.size() >= acknowledged, "recovered " + records.size() + " of " + acknowledged);
            for (int i = 0; i < acknowledged; i++) {
                assertEquals(new String(record(i + 1), StandardCharsets.US_ASCII),
                        new String(records.get(i).payload(), StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void theNthWriteFailsWithItsErrnoAndTheLogFails() throws IOException {
        Path dir = tmp.resolve("w");
        FaultyStorage storage = FaultPlan.create().fail(Operation.WRITE, 4, Errno.ENOSPC).partialWrites(10)
                .only(p -> p.getFileName().toString().contains(".wal")).overJavaLayer();
        long acknowledged;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, unprepared(storage))) {
            acknowledged = appendUntilFailure(wal, 50);
        } catch (IOException closeAfterFailure) {
            acknowledged = -1;
        }
        assertEquals(1, storage.failed(Operation.WRITE));
        assertTrue(storage.seen(Operation.WRITE) >= 4);
        assertRecovered(dir, Math.max(0, acknowledged));
    }

    @Test
    void aPermanentSyncFaultFailsEverySyncFromTheNth() throws IOException {
        Path dir = tmp.resolve("s");
        FaultyStorage storage = FaultPlan.create().failFrom(Operation.SYNC, 3, Errno.EIO).overJavaLayer();
        long acknowledged = 0;
        WriteAheadLog wal = WriteAheadLog.open(dir, options(storage));
        try {
            acknowledged = appendUntilFailure(wal, 50);
            assertEquals(Errno.EIO, injected(assertThrows(IOException.class, () -> wal.append(record(99)))).errno());
        } finally {
            try {
                wal.close();
            } catch (IOException expected) {
                // The log failed; close reports it.
            }
        }
        assertTrue(storage.failed(Operation.SYNC) >= 1);
        assertRecovered(dir, acknowledged);
    }

    @Test
    void aFailedCreateStopsTheRotationThatNeededIt() throws IOException {
        Path dir = tmp.resolve("c");
        // Create 1 is the first segment (as a .wal.tmp, renamed when its header is synced); the next
        // one, at the first rotation, fails.
        FaultyStorage storage = FaultPlan.create().fail(Operation.CREATE, 2, Errno.EDQUOT)
                .only(p -> p.getFileName().toString().contains(".wal")).overJavaLayer();
        long acknowledged;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, unprepared(storage))) {
            acknowledged = appendUntilFailure(wal, 5000);
        } catch (IOException closeAfterFailure) {
            acknowledged = 0;
        }
        assertEquals(1, storage.failed(Operation.CREATE));
        assertRecovered(dir, acknowledged);
    }

    @Test
    void aFailedRenameOfTheSnapshotIsCompletedByTheNextOpen() throws IOException {
        Path dir = tmp.resolve("r");
        Path snapshot = Files.createDirectories(tmp.resolve("snapshots")).resolve("state");
        FaultyStorage storage = FaultPlan.create().fail(Operation.RENAME, 1, Errno.EIO)
                .only(p -> p.startsWith(snapshot.getParent())).overJavaLayer();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(storage))) {
            for (long i = 1; i <= 10; i++) {
                wal.append(record(i));
            }
            IOException e = assertThrows(IOException.class,
                    () -> wal.checkpoint(snapshot, 5, out -> out.write(new byte[] {1})));
            assertEquals(Operation.RENAME, injected(e).operation());
        } catch (IOException closeAfterFailure) {
            // A checkpoint that failed midway may fail the log.
        }
        assertEquals(1, storage.failed(Operation.RENAME));
        // The checkpoint was committed before the snapshot's rename: the next open completes the
        // rename, and the snapshot is in force with the records after it.
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(5, wal.checkpointSequence());
            assertEquals(snapshot, wal.snapshot().orElseThrow().path());
            assertTrue(java.util.Arrays.equals(new byte[] {1}, Files.readAllBytes(snapshot)));
            List<WalRecord> records = wal.recover();
            assertEquals(List.of(6L, 7L, 8L, 9L, 10L), records.stream().map(WalRecord::sequence).toList());
        }
    }

    @Test
    void aFailedDeleteOfCoveredSegmentsLeavesThemForTheNextOpen() throws IOException {
        Path dir = tmp.resolve("d");
        FaultyStorage storage = FaultPlan.create().failFrom(Operation.DELETE, 1, Errno.EROFS)
                .only(p -> p.getFileName().toString().matches("\\d+\\.wal")).overJavaLayer();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(storage))) {
            // One record per 4 KiB batch, three batches per 16 KiB segment: ten segments.
            for (long i = 1; i <= 30; i++) {
                wal.append(record(i));
            }
            wal.checkpoint(20);
        }
        assertTrue(storage.failed(Operation.DELETE) >= 1, "no delete was attempted: " + storage.seen(Operation.DELETE));
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            List<WalRecord> records = wal.recover();
            assertEquals(21, records.get(0).sequence());
            assertEquals(30, records.get(records.size() - 1).sequence());
        }
    }

    @Test
    void aFailedDirectorySyncFailsTheOpenThatCreatesTheLog() {
        Path dir = tmp.resolve("y");
        FaultyStorage storage = FaultPlan.create().failFrom(Operation.SYNC_DIRECTORY, 1, Errno.EIO).overJavaLayer();
        IOException e = assertThrows(IOException.class, () -> WriteAheadLog.open(dir, options(storage)).close());
        assertEquals(Operation.SYNC_DIRECTORY, injected(e).operation());
        assertEquals(1, storage.failed(Operation.SYNC_DIRECTORY));
    }

    @Test
    void aPreallocationWithoutSpaceIsARefusalAndAnIoErrorAFailure() throws IOException {
        Path dir = tmp.resolve("p");
        FaultyStorage full = FaultPlan.create().failFrom(Operation.PREALLOCATE, 1, Errno.ENOSPC).overJavaLayer();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(full))) {
            for (long i = 1; i <= 20; i++) {
                wal.append(record(i));
            }
        }
        assertTrue(full.failed(Operation.PREALLOCATE) >= 1);
        assertRecovered(dir, 20);
        FaultyStorage broken = FaultPlan.create().failFrom(Operation.PREALLOCATE, 1, Errno.EIO).overJavaLayer();
        IOException e = assertThrows(IOException.class,
                () -> WriteAheadLog.open(tmp.resolve("p2"), options(broken)).close());
        assertEquals(Errno.EIO, injected(e).errno());
    }

    @Test
    void aFailedTruncateFailsTheRecoveryThatCutsATornTailAndChangesNothing() throws IOException {
        Path dir = tmp.resolve("t");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            for (long i = 1; i <= 5; i++) {
                wal.append(record(i));
            }
        }
        // A torn tail: garbage in the first block after the data (the close mark removed, as a crash
        // leaves it), which no later batch vouches for.
        Path segment;
        try (var files = Files.list(dir)) {
            segment = files.filter(p -> p.toString().endsWith(".wal")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        Files.delete(dir.resolve("CLOSE_MARK"));
        byte[] bytes = Files.readAllBytes(segment);
        int tail = 4096;
        while (tail < bytes.length && !java.util.Arrays.equals(bytes, tail, tail + 4096, new byte[4096], 0, 4096)) {
            tail += 4096;
        }
        if (tail + 4096 > bytes.length) {
            bytes = java.util.Arrays.copyOf(bytes, tail + 4096); // the java layer does not preallocate
        }
        java.util.Arrays.fill(bytes, tail, tail + 100, (byte) 0x5A);
        Files.write(segment, bytes);
        byte[] before = Files.readAllBytes(segment);
        FaultyStorage storage = FaultPlan.create().failFrom(Operation.TRUNCATE, 1, Errno.EIO).overJavaLayer();
        IOException e = assertThrows(IOException.class, () -> WriteAheadLog.open(dir, options(storage)).close());
        assertEquals(Operation.TRUNCATE, injected(e).operation(), e.toString());
        assertEquals(1, storage.failed(Operation.TRUNCATE));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(segment)), "the failed cut changed the segment");
        assertRecovered(dir, 5);
    }

    @Test
    void plansAreCheckedWhenMade() {
        assertThrows(IllegalArgumentException.class, () -> FaultPlan.create().fail(Operation.SYNC, 0, Errno.EIO));
        assertThrows(NullPointerException.class, () -> FaultPlan.create().fail(null, 1, Errno.EIO));
        assertThrows(IllegalArgumentException.class, () -> FaultPlan.create().partialWrites(-1));
    }

    /** A fault armed at run time fails the n-th operation counted from then, once. */
    @Test
    void aFaultArmedAtRunTimeFailsTheNthOperationFromThen() throws Exception {
        Path dir = tmp.resolve("wal");
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            for (long i = 1; i <= 3; i++) {
                wal.append(record(i));
            }
            long before = storage.seen(Operation.SYNC);
            storage.failNext(Operation.SYNC, 2, Errno.EIO);
            wal.append(record(4));
            InjectedIoException e = injected(assertThrows(IOException.class, () -> wal.append(record(5))));
            assertEquals(before + 2, e.number(), "the second sync after arming");
            assertEquals(1, storage.failed(Operation.SYNC));
            assertThrows(IOException.class, wal::close);
        }
        assertRecovered(dir, 4);
    }

    /** {@code holdNext} holds a call that does not fail: the sync waits until released, then succeeds. */
    @Test
    void aHeldSyncThatDoesNotFailWaitsUntilReleasedAndThenSucceeds() throws Exception {
        Path dir = tmp.resolve("wal");
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(storage))) {
            wal.append(record(1));
            FaultPlan.FailureHold hold = storage.holdNext(Operation.SYNC);
            CompletableFuture<Long> held = wal.appendAsync(record(2));
            try {
                assertTrue(hold.awaitEntered(10, TimeUnit.SECONDS), "the sync was never held");
                Thread.sleep(50);
                assertTrue(!held.isDone(), "the held sync has returned");
            } finally {
                hold.release();
            }
            assertEquals(2, held.get(10, TimeUnit.SECONDS));
            assertEquals(0, storage.failed(Operation.SYNC), "a held call that the plan does not fail succeeds");
        }
        assertRecovered(dir, 2);
    }

    /** A held failure waits inside the failing call until released, then throws. */
    @Test
    void aHeldFailureWaitsUntilReleased() throws Exception {
        Path dir = tmp.resolve("wal");
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            wal.append(record(1));
            storage.failNext(Operation.SYNC, 1, Errno.EIO);
            FaultPlan.FailureHold hold = storage.holdNextFailure(Operation.SYNC);
            CompletableFuture<Long> doomed = wal.appendAsync(record(2));
            assertTrue(hold.awaitEntered(10, TimeUnit.SECONDS), "the failing sync was never entered");
            Thread.sleep(50);
            assertTrue(!doomed.isDone(), "the held sync has not failed yet");
            hold.release();
            injected(assertThrows(java.util.concurrent.ExecutionException.class, () -> doomed.get(10, TimeUnit.SECONDS)));
            assertThrows(IOException.class, wal::close);
        }
        assertRecovered(dir, 1);
    }
}
