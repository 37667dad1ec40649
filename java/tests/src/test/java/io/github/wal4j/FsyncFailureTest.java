package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.fixtures.Causes;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.testing.FaultPlan;
import io.github.wal4j.testing.FaultPlan.Errno;
import io.github.wal4j.testing.FaultPlan.FaultyStorage;
import io.github.wal4j.testing.FaultPlan.InjectedIoException;
import io.github.wal4j.testing.FaultPlan.Operation;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed write or fdatasync fails the log for good: the failing call and every later one throw
 * {@link WalFailedException}, nothing pending is acknowledged, the sync is never retried (after a
 * failed fsync the kernel may have dropped the dirty pages), and reopening recovers every record
 * acknowledged before the failure. The failures are injected by the test kit's {@link FaultPlan}.
 */
class FsyncFailureTest {
    /** The healthy layer the log is reopened with. */
    private static final WalOptions HEALTHY = WalOptions.defaults().withStorage(new JavaStorage());

    @TempDir
    Path tmp;

    private static void assertInjected(Throwable e) {
        if (Causes.of(e).noneMatch(t -> t instanceof InjectedIoException injected && injected.errno() == Errno.EIO)) {
            throw new AssertionError("the injected failure is not among the causes of " + e, e);
        }
    }

    /** Unwraps the failure of a future that must have failed with {@link WalFailedException}. */
    private static WalFailedException failureOf(CompletableFuture<?> future) throws InterruptedException {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(WalFailedException.class, e.getCause());
    }

    /** Every call that needs the writer, on a failed log. */
    private static Map<String, Executable> laterCalls(WriteAheadLog wal) {
        return Map.of(
                "append", () -> wal.append(Records.payload(99)),
                "flush", wal::flush,
                "fsync", wal::fsync,
                "checkpoint", () -> wal.checkpoint(1));
    }

    /** Reopens with a healthy layer: every acknowledged record, in order, then at most unacknowledged ones. */
    private static List<WalRecord> assertRecovered(Path dir, List<WalRecord> acknowledged) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir, HEALTHY)) {
            List<WalRecord> recovered = wal.recover();
            assertTrue(recovered.size() >= acknowledged.size(), "lost acknowledged records: " + recovered);
            assertEquals(acknowledged, recovered.subList(0, acknowledged.size()));
            for (int i = 0; i < recovered.size(); i++) {
                assertEquals(i + 1, recovered.get(i).sequence(), "contiguous sequence numbers");
            }
            long next = wal.append(Records.payload(1000));
            assertEquals(recovered.size() + 1, next, "the reopened log appends after what it recovered");
            return recovered;
        }
    }

    /** A failed log's close releases everything and reports the failure again (never silently). */
    private static void closeFailed(WriteAheadLog wal) {
        assertInjected(assertThrows(WalFailedException.class, wal::close));
    }

    /** The premise of everything below: in SYNC mode each append is fdatasync'ed before it returns. */
    @Test
    void syncAppendIsSyncedBeforeItReturns() throws IOException {
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), WalOptions.defaults().withStorage(storage))) {
            for (int i = 1; i <= 5; i++) {
                long before = storage.seen(Operation.SYNC);
                long seq = wal.append(Records.payload(i));
                assertTrue(storage.seen(Operation.SYNC) > before, "append " + i + " returned without an fdatasync");
                assertTrue(wal.durableSequence() >= seq, "durableSequence " + wal.durableSequence() + " < " + seq);
            }
        }
    }

    @Test
    void failedSyncFailsTheLogAndIsNeverRetried() throws Exception {
        Path dir = tmp.resolve("wal");
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        List<WalRecord> acknowledged;
        WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage));
        try {
            acknowledged = Records.append(wal, 1, 5);
            storage.failNext(Operation.SYNC, 1, Errno.EIO);
            WalFailedException failed = assertThrows(WalFailedException.class, () -> wal.append(Records.payload(6)));
            assertInjected(failed);
            assertEquals(1, storage.failed(Operation.SYNC));
            long syncs = storage.seen(Operation.SYNC);
            long writes = storage.seen(Operation.WRITE);

            for (Map.Entry<String, Executable> call : laterCalls(wal).entrySet()) {
                WalFailedException e = assertThrows(WalFailedException.class, call.getValue(), call.getKey());
                assertInjected(e);
            }
            assertInjected(failureOf(wal.appendAsync(Records.payload(7))));
            assertThrows(WalFailedException.class, wal::recover);
            assertEquals(syncs, storage.seen(Operation.SYNC), "no fdatasync after the failed one: it must never be retried");
            assertEquals(writes, storage.seen(Operation.WRITE), "nothing written after the failure");
        } finally {
            long syncs = storage.seen(Operation.SYNC);
            long writes = storage.seen(Operation.WRITE);
            // close reports the failure again; it must not write or sync
            assertInjected(assertThrows(WalFailedException.class, wal::close));
            assertEquals(syncs, storage.seen(Operation.SYNC), "close after a failure must not sync (or seal)");
            assertEquals(writes, storage.seen(Operation.WRITE), "close after a failure must not write a seal");
        }
        assertRecovered(dir, acknowledged);
    }

    /**
     * Appends queued behind the batch whose fdatasync fails: every one of their futures completes
     * exceptionally, none successfully, and so do blocked synchronous appends and flushes.
     */
    @Test
    void appendsPendingAtTheFailureNeverSucceed() throws Exception {
        Path dir = tmp.resolve("wal");
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        List<WalRecord> acknowledged;
        List<CompletableFuture<Long>> pending = new ArrayList<>();
        AtomicInteger succeeded = new AtomicInteger();
        WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage));
        try {
            acknowledged = Records.append(wal, 1, 3);
            storage.failNext(Operation.SYNC, 1, Errno.EIO);
            FaultPlan.FailureHold inFailingSync = storage.holdNextFailure(Operation.SYNC);
            pending.add(wal.appendAsync(Records.payload(4)));
            assertTrue(inFailingSync.awaitEntered(10, TimeUnit.SECONDS), "the writer never reached the sync");
            for (int i = 5; i < 25; i++) {
                pending.add(wal.appendAsync(Records.payload(i)));
            }
            AtomicReference<Throwable> blockedAppend = new AtomicReference<>();
            AtomicReference<Throwable> blockedFlush = new AtomicReference<>();
            Thread appender = new Thread(() -> {
                try {
                    wal.append(Records.payload(25));
                    blockedAppend.set(new AssertionError("a blocked append returned after the failure"));
                } catch (Throwable t) {
                    blockedAppend.set(t);
                }
            });
            Thread flusher = new Thread(() -> {
                try {
                    wal.fsync();
                    blockedFlush.set(new AssertionError("a blocked fsync returned after the failure"));
                } catch (Throwable t) {
                    blockedFlush.set(t);
                }
            });
            appender.start();
            flusher.start();
            for (CompletableFuture<Long> f : pending) {
                f.thenRun(succeeded::incrementAndGet);
            }
            Thread.sleep(50); // let the two threads queue up
            long syncsAtFailure = storage.seen(Operation.SYNC);
            inFailingSync.release();

            for (CompletableFuture<Long> f : pending) {
                assertInjected(failureOf(f));
            }
            appender.join(10_000);
            flusher.join(10_000);
            assertInstanceOf(WalFailedException.class, blockedAppend.get());
            assertInstanceOf(WalFailedException.class, blockedFlush.get());
            assertEquals(0, succeeded.get(), "no append pending at the failure may be acknowledged");
            assertEquals(syncsAtFailure, storage.seen(Operation.SYNC), "the failed sync was never retried");
            assertFalse(pending.stream().anyMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
        } finally {
            closeFailed(wal);
        }
        assertRecovered(dir, acknowledged);
    }

    /**
     * A write that fails after writing part of the batch (as ENOSPC can): the log is failed, and the
     * part-written batch is a torn tail that reopening cuts, leaving exactly the acknowledged records.
     */
    @Test
    void failedPartialWriteLeavesATornTailThatReopenCuts() throws Exception {
        Path dir = tmp.resolve("wal");
        FaultyStorage storage = FaultPlan.create().partialWrites(100).overJavaLayer();
        List<WalRecord> acknowledged;
        WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage));
        try {
            acknowledged = Records.append(wal, 1, 5);
            storage.failNext(Operation.WRITE, 1, Errno.EIO);
            long syncs = storage.seen(Operation.SYNC);
            assertInjected(assertThrows(WalFailedException.class, () -> wal.append(Records.payload(6, 300))));
            for (Map.Entry<String, Executable> call : laterCalls(wal).entrySet()) {
                assertThrows(WalFailedException.class, call.getValue(), call.getKey());
            }
            assertEquals(syncs, storage.seen(Operation.SYNC), "nothing synced after a failed write");
        } finally {
            closeFailed(wal);
        }
        long size = Files.size(dir.resolve(LogDirs.segmentName(1)));
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, HEALTHY)) {
            assertEquals(acknowledged, reopened.recover(), "exactly the acknowledged records");
            RecoveryReport report = reopened.recoveryReport();
            assertEquals(Kind.TORN_TAIL, report.findings().get(0).kind(), report.summary());
            assertEquals(100, report.bytesCut(), report.summary());
            assertTrue(Files.size(dir.resolve(LogDirs.segmentName(1))) < size);
        }
        assertRecovered(dir, acknowledged);
    }

    /**
     * The fdatasync of a new segment's header fails while the writer rotates: the append fails, and
     * the reopened log removes the uncommitted segment file and keeps every acknowledged record.
     */
    @Test
    void failedSyncWhileCreatingTheNextSegment() throws Exception {
        Path dir = tmp.resolve("wal");
        FaultyStorage storage = FaultPlan.create()
                .only(p -> p.getFileName().toString().equals(LogDirs.segmentName(2) + ".tmp")).overJavaLayer();
        List<WalRecord> acknowledged;
        WalOptions options = WalOptions.defaults().withSegmentSize(32 << 10).withStorage(storage);
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        try {
            // Segment 2 is created under its temporary name (the handle keeps that name after the rename).
            // Its first sync is its preparation's (zeros, once segment 1 is half full: a failure there
            // only falls back); the second is the header's at rotation, which must fail the log.
            storage.failNext(Operation.SYNC, 2, Errno.EIO);
            acknowledged = Records.append(wal, 1, 7, 100); // fills segment 1 (7 one-block batches)
            assertEquals(List.of(LogDirs.segmentName(1)), LogDirs.segments(dir).stream()
                    .map(p -> p.getFileName().toString()).toList());
            assertInjected(assertThrows(WalFailedException.class, () -> wal.append(Records.payload(8, 100))));
            assertEquals(1, storage.failed(Operation.SYNC));
            assertThrows(WalFailedException.class, () -> wal.append(Records.payload(9, 100)));
        } finally {
            closeFailed(wal);
        }
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, HEALTHY.withSegmentSize(32 << 10))) {
            assertEquals(acknowledged, reopened.recover());
            RecoveryReport report = reopened.recoveryReport();
            assertTrue(report.findings().stream().anyMatch(f -> f.kind() == Kind.TEMPORARY_REMOVED
                    && f.file().equals(LogDirs.segmentName(2) + ".tmp")), report.summary());
            assertEquals(8, reopened.append(Records.payload(8, 100)));
        }
    }

    /** In BUFFERED mode an append is acknowledged when queued; a later fsync reports the write failure. */
    @Test
    void bufferedWriteFailureSurfacesAtTheNextFsync() throws Exception {
        Path dir = tmp.resolve("wal");
        FaultyStorage storage = FaultPlan.create().overJavaLayer();
        List<WalRecord> synced;
        WriteAheadLog wal = WriteAheadLog.open(dir,
                WalOptions.defaults().withDurability(Durability.BUFFERED).withStorage(storage));
        try {
            synced = Records.append(wal, 1, 3);
            wal.fsync();
            storage.failNext(Operation.WRITE, 1, Errno.EIO);
            wal.append(Records.payload(4)); // queued: acknowledged in BUFFERED mode
            long syncs = storage.seen(Operation.SYNC);
            assertInjected(assertThrows(WalFailedException.class, wal::fsync));
            assertThrows(WalFailedException.class, () -> wal.append(Records.payload(5)));
            assertEquals(syncs, storage.seen(Operation.SYNC));
        } finally {
            closeFailed(wal);
        }
        assertRecovered(dir, synced);
    }
}
