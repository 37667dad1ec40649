package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash while the last batch was being written leaves a torn tail: the newest segment ends, or
 * its written data ends, somewhere inside a batch. Recovery must cut exactly the incomplete batch,
 * report it, keep every complete batch before it, and let the log continue with contiguous sequence
 * numbers.
 *
 * <p>How the crash is simulated: a single thread appends with the default SYNC durability, so when
 * each append returns, its batch is written and fdatasync'ed. While the log is still open (no
 * clean-close seal yet) its files are copied into a fresh directory: the image a crash at that
 * instant leaves (see {@link LogDirs#copyLive}). A torn write is then modelled on the copy in the
 * two ways a disk shows it: the newest segment is truncated at an offset (the file grew only that
 * far), or every byte from the offset on is zeroed while the file keeps its size (the write reached
 * preallocated space only up to there; the native layer preallocates segments).
 *
 * <p>The segment size is 64 KiB: every record fits in one segment, and a copy is quick even where
 * the segment is preallocated.
 */
class TornTailTest {
    private static final int RECORDS = 11;
    /**
     * Without segment preparation: these tests judge rows of the recovery table on hand-made damage
     * to a copy of a live log, and a prepared next segment would add a TEMPORARY_REMOVED finding to
     * every copy (prepared segments: SegmentPreparationTest, PowerLossTest, the property tests).
     */
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentSize(64 << 10)
            .withSegmentPreparation(false);

    @TempDir
    Path tmp;

    /** The crash image: an unsealed log of {@code records} records, every one acknowledged. */
    private Path crashImage(String name, WalOptions options, int records, int size) throws IOException {
        Path image = tmp.resolve(name);
        LogDirs.crashImage(tmp.resolve(name + "-live"), image, options, records, size);
        return image;
    }

    /** The uncut crash image opens clean with every record: the baseline the cuts are measured against. */
    @Test
    void uncutCrashImageRecoversEverything() throws IOException {
        Path image = crashImage("image", OPTIONS, RECORDS, -1);
        SegmentLayout layout = SegmentLayout.read(image.resolve(LogDirs.segmentName(1)));
        assertEquals(RECORDS, layout.batches().size(), "one batch per single-threaded SYNC append");
        assertFalse(layout.batches().stream().anyMatch(Batch::isSeal), "a crash image has no seal");
        try (WriteAheadLog wal = WriteAheadLog.open(image, OPTIONS)) {
            assertEquals(expected(1, RECORDS, -1), wal.recover());
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertEquals(0, wal.recoveryReport().bytesCut());
        }
    }

    /**
     * The cut points. Every batch boundary; and in the batches of {@code detailed} (by first
     * sequence): inside the batch header (1 byte in, after the magic, inside durable-through, 1 byte
     * short), just after it, inside the record's length field, payload and CRC, at the end of the
     * records and inside the zero padding.
     */
    private static Map<Long, String> cutPoints(SegmentLayout layout, List<Long> detailed) {
        Map<Long, String> cuts = new TreeMap<>();
        for (Batch b : layout.batches()) {
            long o = b.offset();
            String at = "batch " + b.firstSequence() + " (" + b.recordsLength() + " record bytes)";
            cuts.put(o, "exactly at the start of " + at);
            cuts.put(b.end(), "exactly at the end of " + at);
            if (!detailed.contains(b.firstSequence())) {
                continue;
            }
            cuts.put(o + 1, "1 byte into the header of " + at);
            cuts.put(o + 4, "after the magic of " + at);
            cuts.put(o + 20, "inside the durable-through field of " + at);
            cuts.put(o + 35, "1 byte short of the header of " + at);
            cuts.put(o + 36, "just after the header of " + at);
            for (Record r : b.records()) {
                cuts.put(r.offset() + 2, "inside the length field of record " + r.sequence());
                if (r.length() > 0) {
                    cuts.put(r.payloadOffset() + r.length() / 2, "mid-payload of record " + r.sequence());
                }
                cuts.put(r.crcOffset() + 1, "inside the CRC of record " + r.sequence());
            }
            cuts.put(b.contentEnd(), "at the end of the records of " + at + " (padding missing)");
            if (b.end() - b.contentEnd() > 1) {
                cuts.put(b.end() - 1, "1 byte short of the padding of " + at);
            }
        }
        return cuts;
    }

    /**
     * Truncates the newest segment at every cut point. Expected: a batch survives if its header and
     * all its framed records lie before the cut (its zero padding carries nothing, so a cut in the
     * padding loses nothing). A cut strictly inside the first batch that does not survive is a torn
     * tail: TORN_TAIL, the file cut back to that batch's offset. A cut at a batch boundary or in
     * padding leaves nothing to cut: CLEAN.
     */
    @TestFactory
    Stream<DynamicTest> truncatedLastSegment() throws IOException {
        Path image = crashImage("image", OPTIONS, RECORDS, -1);
        SegmentLayout layout = SegmentLayout.read(image.resolve(LogDirs.segmentName(1)));
        // Payload sizes by sequence: 1:10, 2:200, 3:468 (fills its block exactly), 4:469 (spills into a
        // second block), 5:900, 6:0 (empty), 7:10, ..., 11:900 (the last batch).
        Map<Long, String> cuts = cutPoints(layout, List.of(1L, 3L, 4L, 5L, 6L, 11L));
        assertTrue(cuts.size() > 60, "expected many cut points, got " + cuts.size());
        return cuts.entrySet().stream().map(cut -> dynamicTest("truncated at " + cut.getKey() + ": " + cut.getValue(),
                () -> tearAndRecover(image, layout, cut.getKey(), false)));
    }

    /**
     * Zeroes the newest segment from every cut point to its end, keeping its size: a torn write into
     * preallocated (or never written) space. Expected as for truncation, except that a clean stop
     * followed by zeros is a ZERO_TAIL (nothing cut), and a torn batch is cut together with the
     * zeros after it.
     */
    @TestFactory
    Stream<DynamicTest> zeroedTailOfLastSegment() throws IOException {
        Path image = crashImage("image", OPTIONS, RECORDS, -1);
        SegmentLayout layout = SegmentLayout.read(image.resolve(LogDirs.segmentName(1)));
        return cutPoints(layout, List.of(4L, 11L)).entrySet().stream().map(cut -> dynamicTest(
                "zeroed from " + cut.getKey() + ": " + cut.getValue(),
                () -> tearAndRecover(image, layout, cut.getKey(), true)));
    }

    private void tearAndRecover(Path image, SegmentLayout layout, long cut, boolean zeroInstead) throws IOException {
        Path dir = tmp.resolve((zeroInstead ? "zeroed-" : "cut-") + cut);
        LogDirs.copyLive(image, dir);
        Path segment = dir.resolve(LogDirs.segmentName(1));
        long size = Files.size(segment);
        if (zeroInstead) {
            FileDamage.zero(segment, cut, (int) (size - cut));
        } else {
            FileDamage.truncate(segment, cut);
            size = cut;
        }

        // The first batch whose meaningful bytes do not all lie before the cut.
        Batch torn = layout.batches().stream().filter(b -> b.contentEnd() > cut).findFirst().orElse(null);
        long survivors = torn == null ? RECORDS : torn.firstSequence() - 1;
        boolean tornTail = torn != null && cut > torn.offset();
        long validEnd = torn != null ? torn.offset() : layout.batches().get(layout.batches().size() - 1).end();
        long bytesCut = tornTail ? size - torn.offset() : 0;

        List<WalRecord> kept = expected(1, (int) survivors, -1);
        List<WalRecord> added;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, OPTIONS)) {
            RecoveryReport report = wal.recoveryReport();
            assertEquals(kept, wal.recover(), report.summary());
            assertEquals(1, report.findings().size(), report.summary());
            Finding f = report.findings().get(0);
            assertEquals(LogDirs.segmentName(1), f.file());
            assertEquals(bytesCut, report.bytesCut(), report.summary());
            assertEquals(survivors + 1, report.nextSequence(), report.summary());
            if (tornTail) {
                assertEquals(Kind.TORN_TAIL, f.kind(), report.summary());
                assertEquals(torn.offset(), f.offset(), report.summary());
                assertEquals(bytesCut, f.bytes(), report.summary());
                assertEquals(torn.offset(), Files.size(segment), "the torn bytes are cut off the file");
            } else {
                Kind kind = size > validEnd ? Kind.ZERO_TAIL : Kind.CLEAN;
                assertEquals(kind, f.kind(), report.summary());
                assertEquals(size, Files.size(segment), "nothing is cut at a boundary");
            }
            assertEquals(survivors, wal.lastSequence());
            // Appending continues right after the kept records.
            added = Records.append(wal, survivors + 1, 2);
            assertEquals(survivors + 1, added.get(0).sequence());
            assertEquals(Records.concat(kept, added), wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, OPTIONS)) {
            assertEquals(Records.concat(kept, added), wal.recover(), "after a second reopen");
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertEquals(survivors + 3, wal.recoveryReport().nextSequence());
        }
    }

    /**
     * A cut inside the newest segment's header block [0, 512) is a lost tail like any other (the
     * crash-safety issue's truncation property lists "inside a segment header" among the cut points):
     * no record lies wholly before such a cut in that segment, so recovery keeps none of it, removes
     * the file, says so in the report (TORN_TAIL), and the log starts again at the next sequence the
     * surviving data allows. No byte on disk could tell this apart from an acknowledged segment that
     * lost its data; docs/security/wal.md, section 5, states the rule.
     */
    @TestFactory
    Stream<DynamicTest> truncationInsideTheNewestSegmentHeaderIsATornTail() throws IOException {
        Path image = crashImage("image", OPTIONS, RECORDS, -1);
        return Stream.of(0L, 1L, 8L, 44L, 47L, 48L, 100L, 511L).map(cut -> dynamicTest("cut at " + cut, () -> {
            Path dir = tmp.resolve("header-cut-" + cut);
            LogDirs.copyLive(image, dir);
            FileDamage.truncate(dir.resolve(LogDirs.segmentName(1)), cut);
            try (WriteAheadLog wal = WriteAheadLog.open(dir, OPTIONS)) {
                assertEquals(List.of(), wal.recover(), "no record lies wholly before a cut at " + cut);
                Finding finding = wal.recoveryReport().findings().stream()
                        .filter(f -> f.file().equals(LogDirs.segmentName(1))).findFirst().orElseThrow();
                assertEquals(Kind.TORN_TAIL, finding.kind(), wal.recoveryReport().summary());
                assertEquals(cut, finding.bytes(), "the bytes cut are reported");
                assertEquals(1, wal.append(new byte[] {5}), "the log starts again after the cut");
            }
            try (WriteAheadLog wal = WriteAheadLog.open(dir, OPTIONS)) {
                assertEquals(1, wal.recover().size());
                assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            }
        }));
    }

    /**
     * With several segments only the newest may hold a torn tail: a cut in its last batch is cut off,
     * the older segments stay whole, and the log continues across the segments.
     */
    @Test
    void tornTailOfTheNewestOfSeveralSegments() throws IOException {
        WalOptions small = OPTIONS.withSegmentSize(32 << 10);
        Path image = crashImage("image", small, 30, 100);
        List<Path> segments = LogDirs.segments(image);
        assertTrue(segments.size() >= 3, "expected several segments, got " + segments);
        Path newest = segments.get(segments.size() - 1);
        SegmentLayout layout = SegmentLayout.read(newest);
        Batch last = layout.dataBatches().get(layout.dataBatches().size() - 1);
        assertEquals(30, last.firstSequence());
        Record record = last.records().get(0);
        long cut = record.payloadOffset() + 50;
        FileDamage.truncate(newest, cut);

        List<WalRecord> kept = expected(1, 29, 100);
        try (WriteAheadLog wal = WriteAheadLog.open(image, small)) {
            assertEquals(kept, wal.recover());
            RecoveryReport report = wal.recoveryReport();
            assertEquals(segments.size(), report.findings().size(), report.summary());
            for (int i = 0; i < segments.size() - 1; i++) {
                Kind kind = report.findings().get(i).kind();
                assertTrue(kind == Kind.CLEAN || kind == Kind.ZERO_TAIL, report.summary());
            }
            Finding f = report.findings().get(segments.size() - 1);
            assertEquals(Kind.TORN_TAIL, f.kind(), report.summary());
            assertEquals(newest.getFileName().toString(), f.file());
            assertEquals(last.offset(), f.offset());
            assertEquals(cut - last.offset(), report.bytesCut());
            List<WalRecord> added = Records.append(wal, 30, 20, 100);
            assertEquals(30, added.get(0).sequence());
            kept = Records.concat(kept, added);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(image, small)) {
            assertEquals(kept, wal.recover());
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
    }

    /** A seal is a batch without records; a torn seal loses nothing and the log reopens with every record. */
    @Test
    void tornSealOfAClosedLogLosesNoRecord() throws IOException {
        Path dir = tmp.resolve("closed");
        List<WalRecord> written;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, OPTIONS)) {
            written = Records.append(wal, 1, 5);
        }
        Path segment = dir.resolve(LogDirs.segmentName(1));
        SegmentLayout layout = SegmentLayout.read(segment);
        Batch seal = layout.batches().get(layout.batches().size() - 1);
        assertTrue(seal.isSeal(), "close writes a seal");
        FileDamage.truncate(segment, seal.offset() + 10);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, OPTIONS)) {
            assertEquals(written, wal.recover());
            assertEquals(Kind.TORN_TAIL, wal.recoveryReport().findings().get(0).kind());
            assertEquals(10, wal.recoveryReport().bytesCut());
            assertEquals(seal.offset(), Files.size(segment));
        }
    }

    private static List<WalRecord> expected(long first, int count, int size) {
        List<WalRecord> out = new ArrayList<>();
        for (long i = first; i < first + count; i++) {
            out.add(new WalRecord(i, size < 0 ? Records.payload(i) : Records.payload(i, size)));
        }
        return out;
    }
}
