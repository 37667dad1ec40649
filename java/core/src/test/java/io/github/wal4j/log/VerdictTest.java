package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.SegmentHeader;
import org.junit.jupiter.api.Test;

/**
 * {@link Verdict}: one case per row of the recovery table in {@code docs/security/wal.md} section 5,
 * stated as facts, with no file, and the paragraphs beside the table (bytes the disk does not hold,
 * a log that ends before its last clean close, an unprotected segment in a protected log).
 */
class VerdictTest {
    private static final String NAME = "0000000000000002.wal";
    private static final String NEWER = "0000000000000003.wal";
    private static final long SIZE = 40960;
    private static final SegmentHeader HEADER = new SegmentHeader(4096, 2, 99, 11, 1000, SegmentHeader.PLAIN, null,
            null, false);

    private static SegmentCursor.Stop end(long offset, long zeroBytes) {
        return new SegmentCursor.Stop(offset, false, zeroBytes == 0 ? "end of data" : zeroBytes + " zero bytes", zeroBytes);
    }

    private static SegmentCursor.Stop damage(long offset) {
        return new SegmentCursor.Stop(offset, true, "record 20: checksum mismatch", 0);
    }

    /** Segment 2, records 11..next-1, checkpoint 5, no newer segment unless {@code newest} is false. */
    private static SegmentScan scanned(boolean newest, SegmentCursor.Stop stop, long next, String claim) {
        return SegmentScan.ofBatches(NAME, newest, NEWER, SIZE, 5, newest ? -1 : next, HEADER, stop, next,
                claim, null);
    }

    @Test
    void rowEndOfFileOrOnlyZerosIsTheEndOfTheLog() {
        assertEquals(new Verdict.Clean(SIZE), Verdict.of(scanned(true, end(SIZE, 0), 30, null)));
        assertEquals(new Verdict.ZeroTail(16384, SIZE - 16384),
                Verdict.of(scanned(true, end(16384, SIZE - 16384), 30, null)));
        assertEquals(new Verdict.Clean(SIZE), Verdict.of(scanned(false, end(SIZE, 0), 30, null)),
                "an older segment that ends cleanly");
    }

    @Test
    void rowDamageInTheNewestSegmentWithNoLaterClaimIsATornTail() {
        Verdict.TornTail torn = assertInstanceOf(Verdict.TornTail.class,
                Verdict.of(scanned(true, damage(16384), 20, null)));
        assertEquals(16384, torn.offset());
        assertEquals(SIZE - 16384, torn.cut());
        assertTrue(torn.reason().contains("no later batch claims sequence 20"), torn.reason());
    }

    @Test
    void rowDamageWithALaterBatchWhoseMarkReachesItIsCorruption() {
        String claim = "the batch at offset 20480 (sequences 21) was written after records up to 20 were durable";
        Verdict.ProvedByLaterBatch proved = assertInstanceOf(Verdict.ProvedByLaterBatch.class,
                Verdict.of(scanned(true, damage(16384), 20, claim)));
        assertEquals(16384, proved.offset());
        assertEquals(SIZE - 16384, proved.bytes());
        assertEquals(11, proved.firstSequence());
        assertEquals(20, proved.validUpTo());
        assertTrue(proved.reason().endsWith("; but " + claim), proved.reason());
    }

    @Test
    void rowASegmentTheCheckpointCoversWholeIsGarbage() {
        // The next segment starts at 20, the checkpoint covers up to 25: records 11..19 are all covered.
        SegmentScan damaged = SegmentScan.ofBatches(NAME, false, NEWER, SIZE, 25, 20, HEADER, damage(16384), 20,
                null, null);
        Verdict.Covered covered = assertInstanceOf(Verdict.Covered.class, Verdict.of(damaged));
        assertEquals(new Verdict.Covered(25, 20, "record 20: checksum mismatch"), covered);
        SegmentScan badHeader = SegmentScan.ofHeader(NAME, false, NEWER, SIZE, 25, 20, null,
                "segment header: header checksum mismatch", null);
        assertEquals(new Verdict.Covered(25, 20, "damage at the start of a segment: segment header: header checksum "
                + "mismatch"), Verdict.of(badHeader));
        SegmentScan pastTheNextStart = SegmentScan.ofBatches(NAME, false, NEWER, SIZE, 25, 20, HEADER, end(SIZE, 0), 22,
                null, null);
        assertInstanceOf(Verdict.Clean.class, Verdict.of(pastTheNextStart),
                "valid records past the next segment's start: not covered, judged as always");
    }

    @Test
    void rowDamageInASegmentANewerOneFollowsIsCorruption() {
        Verdict.NewerSegmentFollows followed = assertInstanceOf(Verdict.NewerSegmentFollows.class,
                Verdict.of(scanned(false, damage(16384), 20, null)));
        assertEquals(16384, followed.offset());
        assertTrue(followed.reason().contains("a newer segment, " + NEWER + ", exists"), followed.reason());
    }

    @Test
    void rowANewestSegmentShorterThanItsHeaderBlockOrAllZerosHoldsNoRecord() {
        assertEquals(new Verdict.EmptyNewest(47), Verdict.ofNewestFile(47, 0, false), "shorter than a header");
        assertEquals(new Verdict.EmptyNewest(1000), Verdict.ofNewestFile(1000, 4096, false), "inside its block");
        assertEquals(new Verdict.EmptyNewest(SIZE), Verdict.ofNewestFile(SIZE, 0, true), "all zeros");
        assertNull(Verdict.ofNewestFile(4096, 4096, false), "a whole header block: scanned");
        assertNull(Verdict.ofNewestFile(SIZE, 0, false), "a damaged header with data: not this row");
    }

    @Test
    void rowDamagedHeaderSequenceGapOrMissingOldestIsCorruption() {
        for (String damage : new String[] {"segment header: header checksum mismatch",
                "segment starts at sequence 14 but the previous segment ends before 11",
                "records 6..10 are missing: the oldest segment starts at 11, the checkpoint covers up to 5"}) {
            Verdict.DamagedStart start = assertInstanceOf(Verdict.DamagedStart.class, Verdict.of(SegmentScan.ofHeader(
                    NAME, true, null, SIZE, 5, -1, null, damage, null)));
            assertEquals("damage at the start of a segment: " + damage, start.reason());
            assertEquals(0, start.offset());
            assertEquals(SIZE, start.bytes());
        }
    }

    @Test
    void rowUnknownMagicOrVersionIsNotThisLogEvenWhenCovered() {
        assertEquals(new Verdict.Foreign("bad magic 0x1, not a wal4j segment"), Verdict.of(SegmentScan.ofHeader(NAME,
                false, NEWER, SIZE, 25, 20, "bad magic 0x1, not a wal4j segment", null, null)));
    }

    @Test
    void batchesThePageCacheHoldsButTheDiskDoesNotAreATornTail() {
        SegmentScan scan = scanned(true, end(SIZE, 0), 30, null).withMissing(new long[] {20480, 22});
        Verdict.NotOnDisk cut = assertInstanceOf(Verdict.NotOnDisk.class, Verdict.of(scan));
        assertEquals(20480, cut.offset());
        assertEquals(22, cut.next());
        assertEquals(SIZE - 20480, cut.cut());
        assertTrue(cut.reason().contains("reads from the page cache but not from the disk"), cut.reason());
    }

    @Test
    void anUnprotectedSegmentWithLiveRecordsInAProtectedLogIsRefused() {
        SegmentScan live = SegmentScan.ofBatches(NAME, true, null, SIZE, 5, -1, HEADER, end(SIZE, 0), 30, null,
                "AES_GCM");
        assertInstanceOf(Verdict.Unprotected.class, Verdict.of(live));
        SegmentScan covered = SegmentScan.ofBatches(NAME, true, null, SIZE, 29, -1, HEADER, end(SIZE, 0), 30,
                null, "AES_GCM");
        assertInstanceOf(Verdict.Clean.class, Verdict.of(covered), "every record covered by the checkpoint");
    }

    @Test
    void aLogThatEndsBeforeItsLastCleanCloseIsCorruption() {
        CloseMark mark = new CloseMark(40, 2, 20480);
        Verdict.EndsBeforeCloseMark ends = assertInstanceOf(Verdict.EndsBeforeCloseMark.class, Verdict.ofEnd(mark, 30));
        assertEquals(30, ends.validUpTo());
        assertTrue(ends.reason().contains("records 30..40 are gone"), ends.reason());
        assertNull(Verdict.ofEnd(mark, 41));
        assertNull(Verdict.ofEnd(null, 1));
    }
}
