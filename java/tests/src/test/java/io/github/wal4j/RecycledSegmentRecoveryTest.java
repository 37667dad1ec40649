package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery of recycled segments ({@code WalOptions.withSegmentRecycling}), from segment files made
 * byte by byte with the format's own encoders: a recycled segment is the file of an earlier use
 * (its header, salt and batches) with a new header (new id, new salt, the RECYCLED flag) written
 * over its first block and the new use's batches over the blocks after it. What lies behind the new
 * use's last batch is the earlier use's bytes: they must end the log, never be damage and never be
 * records; damage to the current use's records must still be refused.
 *
 * <p>The stale batches are made as badly placed as they can be: at exactly the current batch
 * boundaries, with the sequence numbers that would follow the current last record, and valid under
 * their own (earlier) salt.
 */
class RecycledSegmentRecoveryTest {
    static final int ALIGNMENT = 4096;
    static final int SEGMENT = 64 << 10;
    /** The header's RECYCLED flag bit ({@code SegmentHeader.FLAG_RECYCLED}). */
    static final int FLAG_RECYCLED = 0x200;
    private static final Checksums CHECKSUMS = new Checksums();
    /**
     * The format version the uses are written in: {@link #segmentVersion()} of the running test
     * class, set before each test (the tests of java/tests run one at a time).
     */
    private static int version = SegmentHeader.VERSION_ONE_PASS;

    @TempDir
    Path tmp;

    /** The segment format version of every use: 3, as segments are written now; {@link RecycledSegmentRecoveryVersionOneTest} runs the same cases in version 1. */
    int segmentVersion() {
        return SegmentHeader.VERSION_ONE_PASS;
    }

    @org.junit.jupiter.api.BeforeEach
    void useVersion() {
        version = segmentVersion();
    }

    static byte[] payload(long sequence, int size, long use) {
        byte[] b = new byte[size];
        new Random(sequence * 31 + use).nextBytes(b);
        return b;
    }

    /**
     * One use of a segment file: a header and batches of one record each, one after the other from
     * the first block; {@code sizes} are the payload sizes, {@code durableLag} how far behind each
     * batch's durable-through mark is (1: every earlier record durable).
     */
    record Use(long id, long salt, long firstSequence, boolean recycled, int[] sizes, long useTag) {
        /** Writes this use over {@code image}: its header block, then its batches; returns where they end. */
        int writeOver(byte[] image) {
            ByteBuffer b = ByteBuffer.wrap(image);
            ByteBuffer header = ByteBuffer.allocate(ALIGNMENT);
            SegmentHeader h = new SegmentHeader(ALIGNMENT, id, salt, firstSequence, 0).withVersion(version);
            h.encode(header, CHECKSUMS);
            if (recycled) {
                header.putShort(10, (short) (header.getShort(10) | FLAG_RECYCLED));
                header.putInt(44, CHECKSUMS.plain(header.duplicate().position(0).limit(44)));
            }
            b.put(0, header.array());
            int offset = ALIGNMENT;
            long sequence = firstSequence;
            for (int size : sizes) {
                int footprint = (int) BatchHeader.footprint(RecordFormat.framedSize(size), ALIGNMENT);
                if (offset + footprint > image.length) {
                    break;
                }
                ByteBuffer batch = ByteBuffer.allocate(footprint);
                batch.position(BatchHeader.SIZE);
                RecordFormat.encode(batch, h, sequence, payload(sequence, size, useTag), RecordSealer.PLAIN, CHECKSUMS);
                new BatchHeader(1, sequence, sequence - 1, RecordFormat.framedSize(size), 0)
                        .complete(batch, footprint, salt, offset, CHECKSUMS);
                b.put(offset, batch.array());
                offset += footprint;
                sequence++;
            }
            return offset;
        }

        /** Where batch {@code index} of this use starts. */
        int batchOffset(int index) {
            int offset = ALIGNMENT;
            for (int i = 0; i < index; i++) {
                offset += (int) BatchHeader.footprint(RecordFormat.framedSize(sizes[i]), ALIGNMENT);
            }
            return offset;
        }
    }

    static int[] sizes(int count, int size) {
        int[] s = new int[count];
        java.util.Arrays.fill(s, size);
        return s;
    }

    /**
     * An earlier use of a file that is then recycled as segment {@code id}: salt 0x5a1e, 1000-byte
     * records whose sequences run from {@code staleFirst} (each batch one block, so they sit at every
     * block boundary), filling the file.
     */
    static byte[] staleImage(long staleFirst) {
        byte[] image = new byte[SEGMENT];
        new Use(99, 0x5a1eL, staleFirst, false, sizes(64, 1000), 7).writeOver(image);
        return image;
    }

    private Path dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    private static void write(Path dir, long id, byte[] image) throws IOException {
        Files.write(dir.resolve(String.format("%016d.wal", id)), image);
    }

    /** Writes {@code use} over {@code base} (a fresh or a stale image) as segment file {@code use.id()}. */
    private static void lay(Path dir, byte[] base, Use use) throws IOException {
        use.writeOver(base);
        write(dir, use.id(), base);
    }

    private static WalOptions options() {
        return WalOptions.defaults().withSegmentSize(SEGMENT).withSegmentPreparation(false);
    }

    /** Opens the log, checks it holds exactly {@code expected} (sequence, size, use) and can go on. */
    private static void assertRecovers(Path dir, List<long[]> expected) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options())) {
            List<WalRecord> records = wal.recover();
            assertEquals(expected.size(), records.size(), "records recovered: " + wal.recoveryReport().summary());
            for (int i = 0; i < expected.size(); i++) {
                long[] e = expected.get(i);
                assertEquals(e[0], records.get(i).sequence());
                assertArrayEquals(payload(e[0], (int) e[1], e[2]), records.get(i).payload(), "record " + e[0]);
            }
            long next = expected.isEmpty() ? 1 : expected.get(expected.size() - 1)[0] + 1;
            assertEquals(next, wal.append(new byte[] {1, 2, 3}), "the log continues after its last current record");
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options())) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertEquals(expected.size() + 1, wal.recover().size(), "and reopens with it");
        }
    }

    private static List<long[]> expected(long from, long to, int size, long use) {
        List<long[]> e = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            e.add(new long[] {s, size, use});
        }
        return e;
    }

    /**
     * The newest segment is recycled: five current records, then stale batches at exactly the next
     * boundaries whose sequences (6, 7, ...) follow the current last one and which are valid under
     * the earlier salt. Exactly the five current records, reported clean.
     */
    @Test
    void staleBatchesAtTheNextBoundaryWithTheNextSequencesEndTheNewestSegment() throws IOException {
        Path dir = dir("newest");
        lay(dir, staleImage(6), new Use(1, 0xC0FFEEL, 1, true, sizes(5, 1000), 1));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options())) {
            assertTrue(wal.recoveryReport().clean(), "stale bytes are the end of this use, not a torn tail: "
                    + wal.recoveryReport().summary());
        }
        assertRecovers(dir, expected(1, 5, 1000, 1));
    }

    /**
     * A recycled segment that a newer segment follows: its stale bytes are the end of its data
     * (the next segment starts at the sequence after its last current record), not damage.
     */
    @Test
    void staleBytesBehindASegmentThatANewerOneFollowsAreItsEnd() throws IOException {
        Path dir = dir("older");
        lay(dir, staleImage(6), new Use(1, 0xC0FFEEL, 1, true, sizes(5, 1000), 1));
        lay(dir, new byte[SEGMENT], new Use(2, 0xBEEFL, 6, false, sizes(3, 1000), 2));
        List<long[]> e = expected(1, 5, 1000, 1);
        e.addAll(expected(6, 8, 1000, 2));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options())) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
        assertRecovers(dir, e);
    }

    /**
     * Stale bytes that do not start at a boundary of the earlier use: the current boundary falls in
     * the middle of an earlier record (6000-byte records of the earlier use, 1000-byte current ones).
     */
    @Test
    void staleBytesInTheMiddleOfAnEarlierRecordEndTheSegment() throws IOException {
        Path dir = dir("unaligned");
        byte[] image = new byte[SEGMENT];
        new Use(99, 0x5a1eL, 4, false, sizes(16, 6000), 7).writeOver(image);
        new Use(1, 0xC0FFEEL, 1, true, sizes(3, 1000), 1).writeOver(image);
        write(dir, 1, image);
        lay(dir, new byte[SEGMENT], new Use(2, 0xBEEFL, 4, false, sizes(2, 1000), 2));
        List<long[]> e = expected(1, 3, 1000, 1);
        e.addAll(expected(4, 5, 1000, 2));
        assertRecovers(dir, e);
    }

    /**
     * A torn current batch right before the stale bytes (its second block still holds the earlier
     * use's bytes): the torn batch was never acknowledged (no later batch claims it), so it is cut
     * and the log ends before it, with no error.
     */
    @Test
    void aTornCurrentBatchBeforeStaleBytesIsCut() throws IOException {
        Path dir = dir("torn");
        byte[] stale = staleImage(6);
        byte[] image = stale.clone();
        Use use = new Use(1, 0xC0FFEEL, 1, true, new int[] {1000, 1000, 1000, 1000, 6000}, 1);
        use.writeOver(image);
        int torn = use.batchOffset(4);
        System.arraycopy(stale, torn + ALIGNMENT, image, torn + ALIGNMENT, ALIGNMENT);
        write(dir, 1, image);
        assertRecovers(dir, expected(1, 4, 1000, 1));
    }

    /** A recycled segment whose new use has no batch yet (a power cut right after its rotation). */
    @Test
    void aRecycledSegmentWithoutCurrentBatchesHoldsNoRecord() throws IOException {
        Path dir = dir("empty");
        lay(dir, new byte[SEGMENT], new Use(1, 0xBEEFL, 1, false, sizes(3, 1000), 2));
        lay(dir, staleImage(4), new Use(2, 0xC0FFEEL, 4, true, new int[0], 1));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options())) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
        assertRecovers(dir, expected(1, 3, 1000, 2));
    }

    /**
     * Damage inside a current record of the newest recycled segment, with later current batches
     * whose durable-through marks prove it was acknowledged: refused, stale bytes or not.
     */
    @Test
    void damageInCurrentRecordsFollowedByCurrentRecordsIsRefused() throws IOException {
        Path dir = dir("damaged-newest");
        byte[] image = staleImage(9);
        Use use = new Use(1, 0xC0FFEEL, 1, true, sizes(8, 1000), 1);
        use.writeOver(image);
        image[use.batchOffset(2) + BatchHeader.SIZE + 100] ^= 0x10;
        write(dir, 1, image);
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(dir, options()));
        assertTrue(e.getMessage().contains("record 3"), e.getMessage());
    }

    /**
     * Damage to the last current batch of a recycled segment that a newer segment follows: its
     * records are missing before the next segment's first, so it is damage, not the end of its use.
     */
    @Test
    void damageToTheLastCurrentBatchOfAnOlderRecycledSegmentIsRefused() throws IOException {
        Path dir = dir("damaged-older");
        byte[] image = staleImage(6);
        Use use = new Use(1, 0xC0FFEEL, 1, true, sizes(5, 1000), 1);
        use.writeOver(image);
        image[use.batchOffset(4) + BatchHeader.SIZE + 10] ^= 0x01;
        write(dir, 1, image);
        lay(dir, new byte[SEGMENT], new Use(2, 0xBEEFL, 6, false, sizes(3, 1000), 2));
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(dir, options()));
        assertTrue(e.getMessage().contains("record 5"), e.getMessage());
    }

    /**
     * What an operator's tools show ({@code wal4j verify}, {@code wal4j dump}): the inspection's
     * verdict is clean, and each recycled segment's scan ends, undamaged, after its current batches.
     */
    @Test
    void theInspectionShowsRecycledSegmentsEndingAfterTheirCurrentBatches() throws IOException {
        Path dir = dir("inspected");
        lay(dir, staleImage(6), new Use(1, 0xC0FFEEL, 1, true, sizes(5, 1000), 1));
        lay(dir, staleImage(6), new Use(2, 0xBEEFL, 6, true, sizes(3, 1000), 2));
        try (io.github.wal4j.inspect.LogInspection inspection = io.github.wal4j.inspect.LogInspection.open(dir,
                options())) {
            io.github.wal4j.inspect.Verdict verdict = inspection.verify();
            assertEquals(io.github.wal4j.inspect.Verdict.Outcome.CLEAN, verdict.outcome(), verdict.findings().toString());
            for (long id = 1; id <= 2; id++) {
                io.github.wal4j.inspect.SegmentScan scan = inspection.scan(id);
                assertTrue(!scan.damaged(), "segment " + id + ": " + scan.reason());
                assertEquals(id == 1 ? 5 : 3, scan.batches().size(), "segment " + id);
                assertEquals(id == 1 ? 6 : 9, scan.nextSequence(), "segment " + id);
            }
        }
    }

    /**
     * A recycled segment whose successor's header is damaged: where the recycled segment's data
     * ends cannot be proved (the successor's first sequence is unreadable), so its stale bytes are
     * the first damage. The loss report and the point-in-time cut agree on what is lost: the
     * successor's batches name sequences up to 8, so the log goes on at 9, and no sequence the lost
     * records had is handed out again.
     */
    @Test
    void aPointInTimeCutBeforeASuccessorWithADamagedHeaderSkipsEverySequenceItHeld() throws IOException {
        Path dir = dir("damaged-successor");
        lay(dir, staleImage(6), new Use(1, 0xC0FFEEL, 1, true, sizes(5, 1000), 1));
        byte[] second = new byte[SEGMENT];
        new Use(2, 0xBEEFL, 6, false, sizes(3, 1000), 2).writeOver(second);
        second[20] ^= 1;
        write(dir, 2, second);
        io.github.wal4j.inspect.DataLoss loss;
        try (io.github.wal4j.inspect.LogInspection inspection = io.github.wal4j.inspect.LogInspection.open(dir,
                options())) {
            io.github.wal4j.inspect.Verdict verdict = inspection.verify();
            assertEquals(6, verdict.damagedSequence(), verdict.findings().toString());
            loss = inspection.loss(verdict);
        }
        assertEquals(8, loss.last(), loss.toString());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options().withRecoveryMode(RecoveryMode.POINT_IN_TIME))) {
            assertEquals(5, wal.recover().size(), wal.recoveryReport().summary());
            assertEquals(loss.last(), wal.lastSequence(), "the cut skips what the loss report names: "
                    + wal.recoveryReport().summary());
            assertEquals(9, wal.append(new byte[] {1}));
        }
    }

    /**
     * A segment a checkpoint kept for recycling ({@code <id>.wal.free}) beside the live segment:
     * recovery removes it and reports that as clean, never reads it as a segment; a {@code .wal.tmp}
     * beside it (an interrupted creation) is still {@code TEMPORARY_REMOVED}, and not clean.
     */
    @Test
    void aSegmentKeptForRecyclingIsRemovedCleanlyAndATemporaryIsNot() throws IOException {
        Path dir = dir("kept");
        byte[] kept = new byte[SEGMENT];
        new Use(1, 0x5a1eL, 1, false, sizes(3, 1000), 7).writeOver(kept);
        Files.write(dir.resolve("0000000000000001.wal.free"), kept);
        lay(dir, new byte[SEGMENT], new Use(2, 0xBEEFL, 1, false, sizes(3, 1000), 2));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options())) {
            RecoveryReport report = wal.recoveryReport();
            assertTrue(report.clean(), report.summary());
            assertTrue(report.findings().stream().anyMatch(f -> f.kind() == RecoveryReport.Kind.FREED_REMOVED
                    && f.file().equals("0000000000000001.wal.free")), report.summary());
            assertEquals(3, wal.recover().size(), report.summary());
        }
        assertTrue(Files.notExists(dir.resolve("0000000000000001.wal.free")));
        Files.write(dir.resolve("0000000000000004.wal.tmp"), new byte[100]);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options())) {
            RecoveryReport report = wal.recoveryReport();
            assertTrue(report.findings().stream().anyMatch(f -> f.kind() == RecoveryReport.Kind.TEMPORARY_REMOVED
                    && f.file().equals("0000000000000004.wal.tmp")), report.summary());
            assertTrue(!report.clean(), report.summary());
        }
        assertTrue(Files.notExists(dir.resolve("0000000000000004.wal.tmp")));
    }

    /**
     * The same stale bytes behind a segment without the RECYCLED flag stay damage: only a recycled
     * segment may hold bytes of an earlier use.
     */
    @Test
    void staleBytesBehindASegmentThatIsNotRecycledAreDamage() throws IOException {
        Path dir = dir("not-recycled");
        lay(dir, staleImage(6), new Use(1, 0xC0FFEEL, 1, false, sizes(5, 1000), 1));
        lay(dir, new byte[SEGMENT], new Use(2, 0xBEEFL, 6, false, sizes(3, 1000), 2));
        assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(dir, options()));
    }
}
