package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import io.github.wal4j.testing.internal.SegmentLayout.Batch;
import io.github.wal4j.testing.internal.SegmentLayout.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damage to acknowledged data must never be cut silently. A record is acknowledged, and provably
 * so on disk, when a later batch of the same segment says by its durable-through mark that it was
 * durable, when a clean-close seal follows it, or when a newer segment exists. Such damage makes a
 * STRICT open fail with {@link WalCorruptedException} naming the file and offset, with nothing changed
 * on disk; POINT_IN_TIME keeps the prefix and sets the damaged files aside as {@code *.broken}.
 *
 * <p>Unclosed logs are crash images taken while the log was open (see {@link LogDirs#copyLive}), so
 * the only evidence is what the writer put on disk before the crash.
 */
class CorruptionTest {
    /** One segment for 8 records: small enough to copy quickly (the native layer preallocates it). */
    // Without segment preparation: these tests damage copies of live logs and read exact findings;
    // a prepared next segment would add a TEMPORARY_REMOVED finding to each (SegmentPreparationTest).
    private static final WalOptions ONE_SEGMENT = WalOptions.defaults().withSegmentSize(64 << 10)
            .withSegmentPreparation(false);
    /** 100-byte records, 7 batches per 4 KiB segment. */
    private static final WalOptions SMALL_SEGMENTS = WalOptions.defaults().withSegmentSize(32 << 10)
            .withSegmentPreparation(false);
    private static final String SEGMENT_1 = LogDirs.segmentName(1);

    @TempDir
    Path tmp;

    private Path image;
    private List<WalRecord> written;

    /** An unclosed crash image of 8 acknowledged records in one segment; record 5 has a 900-byte payload. */
    private SegmentLayout unclosedImage() throws IOException {
        image = tmp.resolve("image");
        written = LogDirs.crashImage(tmp.resolve("live"), image, ONE_SEGMENT, 8, -1);
        return SegmentLayout.read(image.resolve(SEGMENT_1));
    }

    /** Where damage goes in the middle batch (sequence 5 of 8). */
    enum MiddleDamage {
        PAYLOAD_BIT, CRC_BIT, LENGTH_LOW_BIT, LENGTH_HIGH_BIT, BATCH_HEADER_BIT, BATCH_ZEROED
    }

    private static void damage(Path segment, Batch batch, MiddleDamage how) throws IOException {
        Record r = batch.records().get(0);
        switch (how) {
            case PAYLOAD_BIT -> FileDamage.flipBit(segment, r.payloadOffset() + r.length() / 3, 5);
            case CRC_BIT -> FileDamage.flipBit(segment, r.crcOffset() + 2, 0);
            case LENGTH_LOW_BIT -> FileDamage.flipBit(segment, r.offset() + 3, 0);
            case LENGTH_HIGH_BIT -> FileDamage.flipBit(segment, r.offset(), 6);
            case BATCH_HEADER_BIT -> FileDamage.flipBit(segment, batch.offset() + SegmentLayout.BATCH_DURABLE_THROUGH + 7, 1);
            case BATCH_ZEROED -> FileDamage.zero(segment, batch.offset(), (int) (batch.end() - batch.offset()));
            default -> throw new AssertionError(how);
        }
    }

    private static WalCorruptedException assertRefused(Path dir, WalOptions options, Path file, long offset)
            throws IOException {
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        WalCorruptedException e = null;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            fail("open must refuse damaged acknowledged data, but it opened: " + wal.recoveryReport().summary()
                    + "; recover() returned " + wal.recover().size() + " records");
        } catch (WalCorruptedException expected) {
            e = expected;
        }
        assertEquals(file.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.reason() != null && !e.reason().isBlank(), e.getMessage());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        LogDirs.assertUnchanged(before, dir);
        return e;
    }

    /** A later batch's durable-through mark proves the damaged batch was acknowledged. */
    @ParameterizedTest
    @EnumSource(MiddleDamage.class)
    void damageToAMiddleBatchIsCorruption(MiddleDamage how) throws IOException {
        SegmentLayout layout = unclosedImage();
        Batch middle = layout.batchOf(5);
        assertTrue(layout.batchOf(6).durableThrough() >= 5, "the writer marks earlier batches durable");
        byte[] pristine = Files.readAllBytes(layout.file());
        damage(layout.file(), middle, how);
        assertRefused(image, ONE_SEGMENT, layout.file(), middle.offset());

        // The refused open released the directory lock and kept nothing: once the operator restores
        // the file, the log opens in this same JVM with every record.
        Files.write(layout.file(), pristine);
        try (WriteAheadLog wal = WriteAheadLog.open(image, ONE_SEGMENT)) {
            assertEquals(written, wal.recover());
        }
    }

    /** Refusing changes nothing, not even leftover temporary files (evidence for the operator). */
    @Test
    void refusalLeavesStrayTemporaryFilesInPlaceToo() throws IOException {
        SegmentLayout layout = unclosedImage();
        damage(layout.file(), layout.batchOf(5), MiddleDamage.PAYLOAD_BIT);
        Files.write(image.resolve("0000000000000009.wal.tmp"), new byte[512]);
        Files.write(image.resolve("CHECKPOINT.tmp"), new byte[] {1, 2, 3});
        assertRefused(image, ONE_SEGMENT, layout.file(), layout.batchOf(5).offset());
    }

    /**
     * Refusing changes nothing even when recovery would also have something to clean up in the
     * newest segment (here: a newest segment cut down to nothing, which recovery treats as removable).
     */
    @Test
    void refusalDoesNotTouchTheNewestSegmentEither() throws IOException {
        image = tmp.resolve("image");
        LogDirs.crashImage(tmp.resolve("live"), image, SMALL_SEGMENTS, 20, 100);
        List<Path> segments = LogDirs.segments(image);
        assertEquals(3, segments.size());
        FileDamage.truncate(segments.get(2), 0);
        SegmentLayout first = SegmentLayout.read(segments.get(0));
        Batch damaged = first.batchOf(3);
        FileDamage.flipBit(first.file(), damaged.records().get(0).payloadOffset() + 5, 1);
        assertRefused(image, SMALL_SEGMENTS, first.file(), damaged.offset());
    }

    /** The seal a clean close writes proves that every record before it was acknowledged. */
    @Test
    void damageToTheLastBatchOfACleanlyClosedLogIsCorruption() throws IOException {
        Path dir = tmp.resolve("closed");
        LogDirs.closedLog(dir, ONE_SEGMENT, 5, -1);
        SegmentLayout layout = SegmentLayout.read(dir.resolve(SEGMENT_1));
        Batch last = layout.dataBatches().get(layout.dataBatches().size() - 1);
        assertEquals(5, last.firstSequence());
        assertTrue(layout.batches().get(layout.batches().size() - 1).isSeal());
        Record r = last.records().get(0);
        FileDamage.flipBit(layout.file(), r.payloadOffset() + r.length() / 2, 0);
        WalCorruptedException e = assertRefused(dir, ONE_SEGMENT, layout.file(), last.offset());
        assertTrue(e.getMessage().contains("seal"), "the evidence is the seal: " + e.getMessage());
    }

    /**
     * The contrast: the same damage in the last batch of a log that crashed (no seal, nothing after
     * it) cannot be told from a torn write; it is cut as a torn tail and the earlier records kept.
     */
    @Test
    void damageToTheLastBatchOfAnUnclosedLogIsATornTail() throws IOException {
        SegmentLayout layout = unclosedImage();
        Batch last = layout.batchOf(8);
        damage(layout.file(), last, MiddleDamage.PAYLOAD_BIT);
        long size = Files.size(layout.file());
        try (WriteAheadLog wal = WriteAheadLog.open(image, ONE_SEGMENT)) {
            assertEquals(Records.before(written, 8), wal.recover());
            Finding f = wal.recoveryReport().findings().get(0);
            assertEquals(Kind.TORN_TAIL, f.kind(), wal.recoveryReport().summary());
            assertEquals(last.offset(), f.offset());
            assertEquals(size - last.offset(), wal.recoveryReport().bytesCut());
        }
    }

    /** A segment is synced before the next one is created: damage in an older segment is corruption. */
    @Test
    void damageToTheLastBatchOfAnOlderSegmentIsCorruption() throws IOException {
        image = tmp.resolve("image");
        LogDirs.crashImage(tmp.resolve("live"), image, SMALL_SEGMENTS, 20, 100);
        List<Path> segments = LogDirs.segments(image);
        assertEquals(3, segments.size(), "7 records per 4 KiB segment");
        SegmentLayout first = SegmentLayout.read(segments.get(0));
        // The last batch of segment 1: no later batch in that segment vouches for it, only the newer segment.
        Batch last = first.dataBatches().get(first.dataBatches().size() - 1);
        assertEquals(7, last.firstSequence());
        FileDamage.flipBit(first.file(), last.records().get(0).payloadOffset() + 17, 2);
        WalCorruptedException e = assertRefused(image, SMALL_SEGMENTS, first.file(), last.offset());
        assertTrue(e.getMessage().contains(LogDirs.segmentName(2)), "names the newer segment as evidence: " + e);
    }

    @Test
    void truncatedOlderSegmentIsCorruption() throws IOException {
        image = tmp.resolve("image");
        LogDirs.crashImage(tmp.resolve("live"), image, SMALL_SEGMENTS, 20, 100);
        List<Path> segments = LogDirs.segments(image);
        SegmentLayout second = SegmentLayout.read(segments.get(1));
        Batch b = second.batchOf(10);
        FileDamage.truncate(second.file(), b.offset() + 50);
        assertRefused(image, SMALL_SEGMENTS, second.file(), b.offset());
    }

    @Test
    void damagedHeaderOfAnOlderSegmentIsCorruption() throws IOException {
        image = tmp.resolve("image");
        LogDirs.crashImage(tmp.resolve("live"), image, SMALL_SEGMENTS, 20, 100);
        Path second = LogDirs.segments(image).get(1);
        FileDamage.flipBit(second, 26, 3); // inside the salt: the header checksum no longer holds
        assertRefused(image, SMALL_SEGMENTS, second, 0);
    }

    /** A deleted segment leaves a gap in the sequence numbers. */
    @Test
    void missingMiddleSegmentIsCorruption() throws IOException {
        Path dir = tmp.resolve("closed");
        LogDirs.closedLog(dir, SMALL_SEGMENTS, 20, 100);
        List<Path> segments = LogDirs.segments(dir);
        assertEquals(3, segments.size());
        Files.delete(segments.get(1));
        WalCorruptedException e = assertRefused(dir, SMALL_SEGMENTS, segments.get(2), 0);
        assertTrue(e.reason().contains("15") && e.reason().contains("8"),
                "the reason names the sequence numbers that disagree: " + e.reason());
    }

    @Test
    void missingFirstSegmentIsCorruption() throws IOException {
        Path dir = tmp.resolve("closed");
        LogDirs.closedLog(dir, SMALL_SEGMENTS, 20, 100);
        List<Path> segments = LogDirs.segments(dir);
        Files.delete(segments.get(0));
        assertRefused(dir, SMALL_SEGMENTS, segments.get(1), 0);
    }

    /**
     * A length field of 2^31-1, 2^32-1 (-1 as an int), 2^31 or just above 1 GiB in a record of the
     * middle batch: a typed {@link WalCorruptedException}, never an OutOfMemoryError or a
     * NegativeArraySizeException, also when the maximum record size is 1 GiB.
     */
    @ParameterizedTest
    @ValueSource(ints = {0x7fffffff, 0xffffffff, 0x80000000, 0x40000001, 0x3fffffff})
    void hugeRecordLengthIsATypedError(int length) throws IOException {
        for (WalOptions options : List.of(ONE_SEGMENT, ONE_SEGMENT.withMaxRecordSize(1 << 30))) {
            Path dir = tmp.resolve("len-" + Integer.toHexString(length) + "-" + options.maxRecordSize());
            List<WalRecord> acknowledged = LogDirs.crashImage(tmp.resolve("live-" + dir.getFileName()), dir, options,
                    8, -1);
            SegmentLayout layout = SegmentLayout.read(dir.resolve(SEGMENT_1));
            Path backup = tmp.resolve("backup-" + dir.getFileName());
            LogDirs.copyLive(dir, backup);

            FileDamage.putInt(layout.file(), layout.record(5).offset(), length);
            assertRefused(dir, options, layout.file(), layout.batchOf(5).offset());

            // The same field in the last batch of the unclosed log: a torn tail, cut without allocating.
            FileDamage.write(layout.file(), 0, Files.readAllBytes(backup.resolve(SEGMENT_1)));
            FileDamage.putInt(layout.file(), layout.record(8).offset(), length);
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                assertEquals(Records.before(acknowledged, 8), wal.recover());
                assertEquals(Kind.TORN_TAIL, wal.recoveryReport().findings().get(0).kind());
            }
        }
    }

    /** Huge values in a batch header's count and records-length fields, with its checksum fixed up. */
    @ParameterizedTest
    @ValueSource(ints = {0x7fffffff, 0xffffffff, 0x40000000, 0x80000000})
    void hugeBatchFieldsAreATypedError(int value) throws IOException {
        WalOptions options = ONE_SEGMENT.withMaxRecordSize(1 << 30);
        for (int field : new int[] {SegmentLayout.BATCH_RECORDS_LENGTH, SegmentLayout.BATCH_COUNT}) {
            Path dir = tmp.resolve("batch-" + field + "-" + Integer.toHexString(value));
            LogDirs.crashImage(tmp.resolve("live-" + dir.getFileName()), dir, options, 8, -1);
            SegmentLayout layout = SegmentLayout.read(dir.resolve(SEGMENT_1));
            Batch middle = layout.batchOf(5);
            FileDamage.putInt(layout.file(), middle.offset() + field, value);
            FileDamage.fixBatchHeaderCrc(layout.file(), middle.offset(), layout.salt());
            assertRefused(dir, options, layout.file(), middle.offset());
        }
    }

    enum Tail {
        GARBAGE_700, GARBAGE_10, GARBAGE_AFTER_SEAL
    }

    /**
     * Garbage where the next batch would start (a torn write of random bytes; nothing vouches for
     * it): a torn tail, cut off, every acknowledged record kept, and the log continues.
     */
    @ParameterizedTest
    @EnumSource(Tail.class)
    void garbageAfterTheLastBatchIsATornTail(Tail tail) throws IOException {
        Path dir = tmp.resolve("garbage");
        List<WalRecord> acknowledged = tail == Tail.GARBAGE_AFTER_SEAL
                ? LogDirs.closedLog(dir, ONE_SEGMENT, 8, -1)
                : LogDirs.crashImage(tmp.resolve("live"), dir, ONE_SEGMENT, 8, -1);
        Path segment = dir.resolve(SEGMENT_1);
        SegmentLayout layout = SegmentLayout.read(segment);
        long validEnd = layout.batches().get(layout.batches().size() - 1).end();
        byte[] garbage = new byte[tail == Tail.GARBAGE_10 ? 10 : 700];
        new Random(42).nextBytes(garbage);
        garbage[0] = (byte) 0xA5; // never zeros where a batch header belongs
        FileDamage.write(segment, validEnd, garbage);
        long size = Files.size(segment);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT)) {
            assertEquals(acknowledged, wal.recover());
            RecoveryReport report = wal.recoveryReport();
            Finding f = report.findings().get(0);
            assertEquals(Kind.TORN_TAIL, f.kind(), report.summary());
            assertEquals(validEnd, f.offset());
            assertEquals(size - validEnd, report.bytesCut());
            assertEquals(validEnd, Files.size(segment));
            acknowledged = Records.concat(acknowledged, Records.append(wal, 9, 2));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT)) {
            assertEquals(acknowledged, wal.recover());
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
    }

    /** Zeros after the last batch are never-written (or preallocated) space, not damage. */
    @Test
    void zerosAfterTheLastBatchAreNotDamage() throws IOException {
        Path dir = tmp.resolve("zeros");
        List<WalRecord> acknowledged = LogDirs.crashImage(tmp.resolve("live"), dir, ONE_SEGMENT, 8, -1);
        Path segment = dir.resolve(SEGMENT_1);
        SegmentLayout layout = SegmentLayout.read(segment);
        long validEnd = layout.batches().get(layout.batches().size() - 1).end();
        FileDamage.write(segment, validEnd, new byte[8192]);
        long size = Files.size(segment);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT)) {
            assertEquals(acknowledged, wal.recover());
            Finding f = wal.recoveryReport().findings().get(0);
            assertEquals(Kind.ZERO_TAIL, f.kind(), wal.recoveryReport().summary());
            assertEquals(validEnd, f.offset());
            assertEquals(size - validEnd, f.bytes());
            assertEquals(0, wal.recoveryReport().bytesCut());
            assertEquals(size, Files.size(segment), "zeros are kept");
        }
    }

    /** Damage that appears after open is caught when the records are read, never returned. */
    @Test
    void damageAfterOpenFailsTheRead() throws IOException {
        Path dir = tmp.resolve("open");
        LogDirs.closedLog(dir, ONE_SEGMENT, 8, -1);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT)) {
            assertEquals(8, wal.recover().size());
            SegmentLayout layout = SegmentLayout.read(dir.resolve(SEGMENT_1));
            FileDamage.flipBit(layout.file(), layout.record(5).payloadOffset() + 9, 4);
            WalCorruptedException e = assertThrows(WalCorruptedException.class, wal::recover);
            assertEquals(layout.file().toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize());
            assertEquals(layout.batchOf(5).offset(), e.offset(), e.getMessage());
        }
    }

    /**
     * POINT_IN_TIME keeps the records before the damage, keeps the damaged file as a byte-identical
     * {@code .broken} copy, cuts the segment there, and the log is appendable (and STRICT-clean) after.
     */
    @Test
    void pointInTimeKeepsThePrefixOfASingleSegment() throws IOException {
        SegmentLayout layout = unclosedImage();
        Batch damaged = layout.batchOf(4);
        damage(layout.file(), damaged, MiddleDamage.PAYLOAD_BIT);
        byte[] damagedBytes = Files.readAllBytes(layout.file());
        WalOptions pit = ONE_SEGMENT.withRecoveryMode(RecoveryMode.POINT_IN_TIME);
        List<WalRecord> kept = Records.before(written, 4);
        try (WriteAheadLog wal = WriteAheadLog.open(image, pit)) {
            assertEquals(kept, wal.recover());
            RecoveryReport report = wal.recoveryReport();
            Finding f = report.findings().stream().filter(x -> x.kind() == Kind.CORRUPTION_CUT).findFirst()
                    .orElseThrow(() -> new AssertionError("no CORRUPTION_CUT finding: " + report.summary()));
            assertEquals(SEGMENT_1, f.file());
            assertEquals(damaged.offset(), f.offset());
            assertEquals(damagedBytes.length - damaged.offset(), f.bytes());
            assertFalse(report.clean());
            assertArrayEquals(damagedBytes, Files.readAllBytes(image.resolve(SEGMENT_1 + ".broken")),
                    "the damaged segment is kept as .broken, byte for byte");
            assertEquals(damaged.offset(), Files.size(layout.file()), "the segment is cut at the damage");
            long next = written.size() + 1;
            assertEquals(next, wal.append(Records.payload(next)), "appending continues after the highest sequence"
                    + " ever written: the lost ones are never handed out again");
            kept = Records.concat(kept, List.of(new WalRecord(next, Records.payload(next))));
            kept = Records.concat(kept, Records.append(wal, next + 1, 2));
            assertEquals(kept, wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(image, ONE_SEGMENT)) {
            assertEquals(kept, wal.recover(), "STRICT reopen after point-in-time recovery");
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
        assertArrayEquals(damagedBytes, Files.readAllBytes(image.resolve(SEGMENT_1 + ".broken")));
    }

    /** With several segments: the damaged one is cut and copied aside, every newer one moved aside whole. */
    @Test
    void pointInTimeSetsNewerSegmentsAside() throws IOException {
        image = tmp.resolve("image");
        written = LogDirs.crashImage(tmp.resolve("live"), image, SMALL_SEGMENTS, 20, 100);
        List<Path> segments = LogDirs.segments(image);
        assertEquals(3, segments.size());
        SegmentLayout first = SegmentLayout.read(segments.get(0));
        Batch damaged = first.batchOf(4);
        FileDamage.flipBit(first.file(), damaged.records().get(0).crcOffset(), 7);
        Map<String, byte[]> before = LogDirs.snapshot(image);

        WalOptions pit = SMALL_SEGMENTS.withRecoveryMode(RecoveryMode.POINT_IN_TIME);
        List<WalRecord> kept = Records.before(written, 4);
        try (WriteAheadLog wal = WriteAheadLog.open(image, pit)) {
            assertEquals(kept, wal.recover());
            RecoveryReport report = wal.recoveryReport();
            assertEquals(List.of(Kind.CORRUPTION_CUT, Kind.SEGMENT_SET_ASIDE, Kind.SEGMENT_SET_ASIDE,
                    Kind.SEQUENCES_SKIPPED), report.findings().stream().map(Finding::kind).toList(), report.summary());
            for (int i = 0; i < 3; i++) {
                String name = LogDirs.segmentName(i + 1);
                assertArrayEquals(before.get(name), Files.readAllBytes(image.resolve(name + ".broken")),
                        name + ".broken must hold the original bytes");
            }
            // The segment after the cut starts after the highest sequence written: 4..20 are never reused.
            assertEquals(List.of(first.file(), image.resolve(LogDirs.segmentName(4))), LogDirs.segments(image));
            assertEquals(21, report.nextSequence());
            // Enough appends to create new segments next to the .broken files.
            kept = Records.concat(kept, Records.append(wal, 21, 20, 100));
            assertEquals(kept, wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(image, SMALL_SEGMENTS)) {
            assertEquals(kept, wal.recover(), "STRICT reopen after point-in-time recovery");
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
        for (int i = 2; i <= 3; i++) {
            String name = LogDirs.segmentName(i);
            assertArrayEquals(before.get(name), Files.readAllBytes(image.resolve(name + ".broken")),
                    name + ".broken must survive new segments of the same id");
        }
    }

    /** A gap in POINT_IN_TIME: the segments from the gap on are set aside, the prefix kept. */
    @Test
    void pointInTimeAfterAMissingSegment() throws IOException {
        Path dir = tmp.resolve("closed");
        List<WalRecord> all = LogDirs.closedLog(dir, SMALL_SEGMENTS, 20, 100);
        List<Path> segments = LogDirs.segments(dir);
        Files.delete(segments.get(1));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS.withRecoveryMode(RecoveryMode.POINT_IN_TIME))) {
            assertEquals(Records.before(all, 8), wal.recover());
            assertTrue(Files.exists(dir.resolve(LogDirs.segmentName(3) + ".broken")));
            assertEquals(21, wal.append(Records.payload(21, 100)), "8..20 were written before the cut: never reused");
        }
    }
}
