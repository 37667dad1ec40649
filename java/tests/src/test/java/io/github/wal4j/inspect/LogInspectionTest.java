package io.github.wal4j.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.Protection;
import io.github.wal4j.RecoveryMode;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inspection API on real logs written through {@link WriteAheadLog}: what it reports matches the
 * bytes on disk (read independently with {@link SegmentLayout}) and what open itself does, and it
 * never changes a file.
 */
class LogInspectionTest {
    private static final WalOptions SMALL_SEGMENTS = WalOptions.defaults().withSegmentSize(32 << 10);

    @TempDir
    Path tmp;

    @Test
    void segmentsAndBatchesAreThoseOnDisk() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL_SEGMENTS, 40, 1000);
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        try (LogInspection inspection = LogInspection.open(dir, SMALL_SEGMENTS)) {
            List<Long> ids = inspection.segmentIds();
            assertTrue(ids.size() > 1, "several segments: " + ids);
            long next = 1;
            for (long id : ids) {
                SegmentLayout layout = SegmentLayout.read(inspection.segmentPath(id));
                SegmentInfo info = inspection.segment(id);
                assertTrue(info.readable(), info::toString);
                assertEquals(layout.firstSequence(), info.firstSequence());
                assertEquals(layout.alignment(), info.alignment());
                assertEquals(Protection.NONE, info.protection());
                assertEquals(layout.salt() != 0, info.salted());
                assertEquals(WalOptions.DEFAULT_MAX_RECORD_SIZE, info.maxRecordSize());
                SegmentScan scan = inspection.scan(id);
                assertEquals(layout.batches().size(), scan.batches().size(), "batches of segment " + id);
                for (int i = 0; i < scan.batches().size(); i++) {
                    SegmentLayout.Batch expected = layout.batches().get(i);
                    BatchInfo actual = scan.batches().get(i);
                    assertEquals(expected.offset(), actual.offset());
                    assertEquals(expected.firstSequence(), actual.firstSequence());
                    assertEquals(expected.count(), actual.recordCount());
                    assertEquals(expected.durableThrough(), actual.durableThrough());
                    assertEquals(expected.isSeal(), actual.seal());
                }
                assertFalse(scan.damaged(), scan::toString);
                assertEquals(next, info.firstSequence());
                next = scan.nextSequence();
            }
            assertEquals(41, next);
            SegmentScan newest = inspection.scan(ids.get(ids.size() - 1));
            assertTrue(newest.sealed(), "a clean close seals the newest segment");
            CloseMarkInfo mark = inspection.closeMark();
            assertEquals(new CloseMarkInfo(40, ids.get(ids.size() - 1), newest.dataEnd()), mark);
            assertFalse(inspection.scan(ids.get(0)).sealed());
        }
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void recordsFromASequenceCarryTheirPlaceOnDisk() throws IOException {
        Path dir = tmp.resolve("wal");
        List<WalRecord> written = LogDirs.closedLog(dir, SMALL_SEGMENTS, 40, 1000);
        try (LogInspection inspection = LogInspection.open(dir, SMALL_SEGMENTS)) {
            List<InspectedRecord> seen = new ArrayList<>();
            List<byte[]> payloads = new ArrayList<>();
            RecordScanEnd end = inspection.records(0, 17, 30, r -> {
                seen.add(r);
                byte[] copy = new byte[r.payload().remaining()];
                r.payload().duplicate().get(copy);
                payloads.add(copy);
            });
            assertFalse(end.stopped());
            assertEquals(-1, end.endOfLog(), "stopped at --to, not at the end of the log");
            assertEquals(14, seen.size());
            for (int i = 0; i < seen.size(); i++) {
                InspectedRecord r = seen.get(i);
                assertEquals(17 + i, r.sequence());
                assertArrayEquals(written.get(16 + i).payload(), payloads.get(i));
                SegmentLayout layout = SegmentLayout.read(dir.resolve(r.segment()));
                assertEquals(layout.record(r.sequence()).offset(), r.offset(), "offset of " + r.sequence());
                byte[] crc = FileDamage.read(dir.resolve(r.segment()), layout.record(r.sequence()).crcOffset(), 4);
                assertEquals(ByteBuffer.wrap(crc).getInt(), r.storedCrc(), "stored CRC of " + r.sequence());
            }
            RecordScanEnd all = inspection.records(0, 1, Long.MAX_VALUE, r -> { });
            assertEquals(41, all.endOfLog());
        }
    }

    @Test
    void theVerdictOfATornTailIsOpensAndNothingChanges() throws IOException {
        Path image = tmp.resolve("image");
        LogDirs.crashImage(tmp.resolve("live"), image, SMALL_SEGMENTS, 10, 100);
        Path newest = LogDirs.segments(image).get(LogDirs.segments(image).size() - 1);
        FileDamage.append(newest, new byte[700]);
        FileDamage.append(newest, "torn".getBytes());
        Map<String, byte[]> before = LogDirs.snapshot(image);
        Verdict verdict;
        try (LogInspection inspection = LogInspection.open(image, SMALL_SEGMENTS)) {
            assertNull(inspection.closeMark(), "never closed cleanly");
            verdict = inspection.verify();
        }
        LogDirs.assertUnchanged(before, image);
        assertEquals(Verdict.Outcome.TORN_TAIL, verdict.outcome(), verdict::toString);
        assertNull(verdict.damage());
        assertEquals(-1, verdict.damagedSequence());
        try (WriteAheadLog wal = WriteAheadLog.open(image, SMALL_SEGMENTS)) {
            assertEquals(wal.recoveryReport().nextSequence(), verdict.nextSequence());
            assertEquals(wal.recoveryReport().bytesCut(), verdict.bytesToCut());
        }
    }

    @Test
    void damageIsReportedWithItsFileOffsetAndSequenceAndTheLossOfACut() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL_SEGMENTS, 40, 1000);
        Path first = LogDirs.segments(dir).get(0);
        SegmentLayout.Record victim = SegmentLayout.read(first).record(5);
        FileDamage.flipBit(first, victim.payloadOffset() + 3, 2);
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        Verdict verdict;
        DataLoss loss;
        try (LogInspection inspection = LogInspection.open(dir, SMALL_SEGMENTS)) {
            verdict = inspection.verify();
            loss = inspection.loss(verdict);
        }
        LogDirs.assertUnchanged(before, dir);
        assertEquals(Verdict.Outcome.CORRUPTION, verdict.outcome());
        assertEquals(Kind.CORRUPTION, verdict.damage().kind());
        assertEquals(first.getFileName().toString(), verdict.damagedFile());
        long batchOffset = SegmentLayout.read(first).batchOf(5).offset();
        assertEquals(batchOffset, verdict.damagedOffset(), "the damaged batch's offset");
        long firstOfBatch = SegmentLayout.read(first).batchOf(5).firstSequence();
        assertEquals(firstOfBatch, verdict.damagedSequence());
        assertEquals(firstOfBatch, loss.damagedFrom());
        assertEquals(40, loss.last(), "the later headers name every sequence up to 40");
        assertTrue(loss.sealed(), "the log was closed cleanly");
        assertTrue(loss.losesRecords());
        // Point-in-time recovery cuts there, and never hands the lost sequences out again.
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS.withRecoveryMode(RecoveryMode.POINT_IN_TIME))) {
            assertEquals(firstOfBatch - 1, wal.recover().size());
            assertEquals(loss.last(), wal.lastSequence());
        }
    }

    @Test
    void theLockIsTakenOnlyWhenAskedAndNeverCreated() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS)) {
            wal.append(new byte[10]);
            try (LogInspection inspection = LogInspection.open(dir, SMALL_SEGMENTS)) {
                assertNull(inspection.lockStatus());
                assertEquals(LockStatus.HELD, inspection.probeLock());
                assertEquals(LockStatus.HELD, inspection.tryLock());
            }
        }
        try (LogInspection inspection = LogInspection.open(dir, SMALL_SEGMENTS)) {
            assertEquals(LockStatus.FREE, inspection.probeLock());
            assertEquals(LockStatus.TAKEN, inspection.tryLock());
            LogInspection view = inspection.readingThrough(inspection.storage(), null);
            view.close();
            assertThrows(io.github.wal4j.WalLockedException.class, () -> WriteAheadLog.open(dir, SMALL_SEGMENTS),
                    "closing a view keeps the lock");
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS)) {
            assertNotNull(wal, "closing the inspection released the lock");
        }
        Path copy = tmp.resolve("copy");
        Files.createDirectory(copy);
        for (Path segment : LogDirs.segments(dir)) {
            Files.copy(segment, copy.resolve(segment.getFileName()));
        }
        try (LogInspection inspection = LogInspection.open(copy, SMALL_SEGMENTS)) {
            assertEquals(LockStatus.NO_LOCK_FILE, inspection.tryLock());
        }
        assertFalse(Files.exists(copy.resolve(LogFileNames.LOCK)));
    }

    @Test
    void aDirectoryOpenRefusesIsRefused() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL_SEGMENTS, 3, 10);
        Files.writeString(dir.resolve("notes.txt"), "not the log's");
        assertThrows(WalFormatException.class, () -> LogInspection.open(dir, SMALL_SEGMENTS));
        assertThrows(WalFormatException.class, () -> LogInspection.openWithoutAccessChecks(dir, SMALL_SEGMENTS));
        assertThrows(WalFormatException.class, () -> LogInspection.open(tmp.resolve("missing"), SMALL_SEGMENTS));
    }

    @Test
    void theLayerIsChosenAsOpenChoosesIt() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL_SEGMENTS, 3, 10);
        try (LogInspection inspection = LogInspection.open(dir, SMALL_SEGMENTS.withIoLayer("java"))) {
            assertEquals("java", inspection.ioLayer().name());
            assertEquals("java", inspection.ioLayer().requested());
            assertFalse(inspection.ioLayer().fromProperty());
        }
        assertThrows(IllegalArgumentException.class,
                () -> LogInspection.open(dir, SMALL_SEGMENTS.withIoLayer("floppy")));
    }
}
