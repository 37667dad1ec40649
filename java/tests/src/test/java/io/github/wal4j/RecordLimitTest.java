package io.github.wal4j;

import static io.github.wal4j.fixtures.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record written under a larger {@link WalOptions#maxRecordSize()} than a later open uses is valid
 * data: the segment header records the limit it was written with, the record validates against it,
 * and an open with a smaller limit is a configuration error ({@link RecordTooLargeException}, saying
 * which limit to open with) that changes nothing, never {@link WalCorruptedException}. A segment
 * that records no limit (written before the field existed: 0) is read with the configured limit.
 *
 * <p>The numbers: a 20 MiB record under a 32 MiB limit, reopened with the default 16 MiB.
 */
class RecordLimitTest {
    static final int LARGE_LIMIT = 32 << 20;
    static final int BIG = 20 << 20;
    /** Small segments: every record past the first batch starts a new one, and snapshots stay small. */
    private static final WalOptions SMALL_SEGMENTS = WalOptions.defaults().withSegmentSize(64 << 10);

    @TempDir
    Path tmp;

    /** Records 1 (100 bytes), 2 ({@link #BIG} bytes), 3 (100 bytes), written with {@code options} and closed. */
    static List<WalRecord> logWithABigRecord(Path dir, WalOptions options) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            List<WalRecord> written = new ArrayList<>(Records.append(wal, 1, 1, 100));
            written.addAll(Records.append(wal, 2, 1, BIG));
            written.addAll(Records.append(wal, 3, 1, 100));
            return written;
        }
    }

    @Test
    void openWithASmallerLimitIsAConfigurationErrorAndChangesNothing() throws Exception {
        Path dir = tmp.resolve("wal");
        List<WalRecord> written = logWithABigRecord(dir, SMALL_SEGMENTS.withMaxRecordSize(LARGE_LIMIT));
        RecordTooLargeException e = assertRefused(RecordTooLargeException.class, dir,
                () -> WriteAheadLog.open(dir, SMALL_SEGMENTS));
        assertEquals(BIG, e.size());
        assertEquals(WalOptions.DEFAULT_MAX_RECORD_SIZE, e.limit());
        String m = e.getMessage();
        assertTrue(m.contains("record 2 in ") && m.contains(".wal holds " + BIG + " bytes")
                && m.contains("withMaxRecordSize(" + LARGE_LIMIT + ")")
                && m.contains("this open uses " + WalOptions.DEFAULT_MAX_RECORD_SIZE)
                && m.contains("WalOptions.withMaxRecordSize(>= " + BIG + ")") && m.contains("nothing was changed"), m);

        // The one-pass open refuses it the same way, and never lends the record over its limit.
        List<Long> visited = new ArrayList<>();
        assertRefused(RecordTooLargeException.class, dir,
                () -> WriteAheadLog.open(dir, SMALL_SEGMENTS, (sequence, payload) -> visited.add(sequence)));
        assertTrue(!visited.contains(2L), visited::toString);

        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS.withMaxRecordSize(LARGE_LIMIT))) {
            assertEquals(written, wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS.withMaxRecordSize(BIG))) {
            assertEquals(written, wal.recover(), "a limit of exactly the record's size opens it");
        }
    }

    /**
     * A segment written under the default limit and continued by an open with a larger one would
     * record a limit below its records: such an open starts a new segment, which records its limit.
     */
    @Test
    void aLargerLimitAtReopenIsRecordedForItsRecords() throws Exception {
        Path dir = tmp.resolve("wal");
        List<WalRecord> written = new ArrayList<>(LogDirs.closedLog(dir, SMALL_SEGMENTS, 2, 100));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS.withMaxRecordSize(LARGE_LIMIT))) {
            written.addAll(Records.append(wal, 3, 1, BIG));
        }
        RecordTooLargeException e = assertRefused(RecordTooLargeException.class, dir,
                () -> WriteAheadLog.open(dir, SMALL_SEGMENTS));
        assertTrue(e.getMessage().contains("record 3 in "), e::getMessage);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS.withMaxRecordSize(LARGE_LIMIT))) {
            assertEquals(written, wal.recover());
        }
    }

    /**
     * A segment whose header holds 0 where the limit goes (written before it was recorded) is read
     * with the configured limit, as it always was: over it, a length cannot be told from damage.
     */
    @Test
    void segmentsThatRecordNoLimitAreReadWithTheConfiguredOne() throws Exception {
        Path dir = tmp.resolve("wal");
        List<WalRecord> written = logWithABigRecord(dir, SMALL_SEGMENTS.withMaxRecordSize(LARGE_LIMIT));
        for (Path segment : LogDirs.segments(dir)) {
            assertEquals(LARGE_LIMIT, ByteBuffer.wrap(FileDamage.read(segment, 40, 4)).getInt(), segment::toString);
            FileDamage.putInt(segment, 40, 0);
            FileDamage.fixSegmentHeaderCrc(segment);
        }
        assertRefused(WalCorruptedException.class, dir, () -> WriteAheadLog.open(dir, SMALL_SEGMENTS));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS.withMaxRecordSize(LARGE_LIMIT))) {
            assertEquals(written, wal.recover());
        }
    }

    /** The header field: encoded at offset 40 under the header CRC, decoded back; out of range is damage. */
    @Test
    void theHeaderRecordsTheLimitAtOffset40() {
        Checksums checksums = new Checksums();
        SegmentHeader header = new SegmentHeader(512, 7, 42, 100, LARGE_LIMIT);
        ByteBuffer block = ByteBuffer.allocate(512);
        header.encode(block, checksums);
        assertEquals(LARGE_LIMIT, block.getInt(40));
        assertEquals(header, SegmentHeader.decode(block.duplicate().flip().limit(SegmentHeader.MAX_ENCODED_SIZE),
                checksums).header().orElseThrow());

        SegmentHeader legacy = new SegmentHeader(512, 7, 42, 100);
        legacy.encode(block.clear(), checksums);
        assertEquals(0, block.getInt(40), "0: no limit recorded, as every header written before the field was");
        assertEquals(0, SegmentHeader.decode(block.duplicate().flip(), checksums).header().orElseThrow()
                .maxRecordSize());

        for (int bad : new int[] {-1, SegmentHeader.MAX_RECORD_SIZE_BOUND + 1}) {
            block.putInt(40, bad);
            block.putInt(44, checksums.plain(block.duplicate().position(0).limit(44)));
            SegmentHeader.Decoded decoded = SegmentHeader.decode(block.duplicate().position(0), checksums);
            assertEquals(SegmentHeader.Problem.DAMAGED, decoded.problem(), decoded::detail);
        }
        // A protected header's HMAC covers the field too.
        SegmentHeader sealed = new SegmentHeader(512, 7, 42, 100, LARGE_LIMIT, SegmentHeader.AES_GCM, "k", null);
        assertEquals(LARGE_LIMIT, ByteBuffer.wrap(sealed.authenticatedBytes()).getInt(40));
    }
}
