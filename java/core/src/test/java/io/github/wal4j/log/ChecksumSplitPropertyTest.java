package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: a batch whose record checksums are shared with the {@link ChecksumHelper} gets exactly
 * the result the reader's thread alone reaches, on valid and on damaged batches: the same
 * {@code Valid} (fields, over-limit record) or the same {@code Damage} (offset and reason, so the
 * same first failing record in order). A split that reported a later record's failure, skipped a
 * chunk, or accepted a batch the serial check refuses fails it. Each case is a batch of 2 to 600
 * records of 0 to 400 bytes, some of them damaged (bit flips, length fields rewritten, ranges
 * zeroed or overwritten, the data cut short), checked with a split of one record per chunk and of a
 * random chunk size. Reproduce a failure with {@code -DQT_SEED=<printed seed>}.
 */
class ChecksumSplitPropertyTest {
    private static final int ALIGNMENT = 4096;
    private static final int MAX_RECORD = 1000;
    private static final long OFFSET = 3 * ALIGNMENT;

    @Test
    void theSplitCheckReachesTheSerialVerdictOnEveryBatch() {
        long helperBefore = ChecksumHelper.chunksCheckedByHelper();
        int tries = Integer.getInteger("wal4j.tries", 1000);
        qt().withExamples(tries).withShrinkCycles(100)
                .forAll(longs().all(), integers().between(0, 4), integers().between(1, 4096))
                .checkAssert((seed, damages, chunkBytes) -> check(seed, damages, chunkBytes));
        assertTrue(ChecksumHelper.chunksCheckedByHelper() > helperBefore,
                "the helper thread never checked a chunk: the split was not exercised");
    }

    private static void check(long seed, int damages, int chunkBytes) {
        Random random = new Random(seed);
        long salt = random.nextLong();
        long first = 1 + random.nextInt(1_000_000);
        // Sometimes the segment was written under a larger limit than the reader's: the over-limit record.
        int readerMax = random.nextInt(4) == 0 ? 200 : MAX_RECORD;
        // Half the segments are of format version 3 (one-pass record checks, as written now), half version 1.
        SegmentHeader segment = new SegmentHeader(ALIGNMENT, 7, salt, 1, MAX_RECORD, SegmentHeader.PLAIN, null, null,
                false).withVersion(random.nextBoolean() ? SegmentHeader.VERSION_ONE_PASS : SegmentHeader.VERSION);
        ByteBuffer bytes = batch(random, segment, first);
        List<String> applied = damage(random, bytes, damages);
        String what = "seed " + seed + ", version " + segment.version() + ", damage " + applied;
        BatchValidator.Result serial = new BatchValidator(segment, readerMax, RecordSealer.PLAIN,
                ChecksumHelper.Policy.SERIAL).validate(bytes.duplicate(), 0, OFFSET, first, null);
        for (ChecksumHelper.Policy policy : List.of(ChecksumHelper.Policy.EVERY_BATCH,
                new ChecksumHelper.Policy(1, chunkBytes))) {
            BatchValidator.Result split = new BatchValidator(segment, readerMax, RecordSealer.PLAIN, policy)
                    .validate(bytes.duplicate(), 0, OFFSET, first, null);
            assertSame(serial, split, what + ", " + policy);
        }
    }

    private static void assertSame(BatchValidator.Result serial, BatchValidator.Result split, String what) {
        assertEquals(serial.getClass(), split.getClass(), what + ": serial " + serial + ", split " + split);
        if (serial instanceof BatchValidator.Damage d) {
            BatchValidator.Damage s = (BatchValidator.Damage) split;
            assertEquals(d.offset(), s.offset(), what);
            assertEquals(d.reason(), s.reason(), what);
        } else if (serial instanceof BatchValidator.Valid v) {
            BatchValidator.Valid s = assertInstanceOf(BatchValidator.Valid.class, split);
            assertEquals(v.offset(), s.offset(), what);
            assertEquals(v.header().firstSequence(), s.header().firstSequence(), what);
            assertEquals(v.header().recordCount(), s.header().recordCount(), what);
            assertEquals(v.recordsAt(), s.recordsAt(), what);
            assertEquals(v.recordsLength(), s.recordsLength(), what);
            assertEquals(v.next(), s.next(), what);
            assertEquals(v.overLimitSequence(), s.overLimitSequence(), what);
            assertEquals(v.overLimitSize(), s.overLimitSize(), what);
        } else {
            assertEquals(serial, split, what);
        }
    }

    /** A valid batch of random records, framed for {@link #OFFSET}, in a buffer that ends at its footprint. */
    private static ByteBuffer batch(Random random, SegmentHeader segment, long first) {
        long salt = segment.salt();
        int count = 2 + random.nextInt(599);
        int typical = random.nextInt(400);
        List<byte[]> payloads = new ArrayList<>();
        int length = 0;
        for (int i = 0; i < count; i++) {
            byte[] p = new byte[random.nextInt(8) == 0 ? random.nextInt(401) : typical];
            random.nextBytes(p);
            payloads.add(p);
            length += RecordFormat.framedSize(p.length);
        }
        int footprint = (int) BatchHeader.footprint(length, ALIGNMENT);
        ByteBuffer b = random.nextBoolean() ? ByteBuffer.allocateDirect(footprint) : ByteBuffer.allocate(footprint);
        b.position(BatchHeader.SIZE);
        Checksums checksums = new Checksums();
        long sequence = first;
        for (byte[] p : payloads) {
            RecordFormat.encode(b, segment, sequence++, p, RecordSealer.PLAIN, checksums);
        }
        new BatchHeader(count, first, first - 1, length, 0).complete(b, footprint, salt, OFFSET, checksums);
        return b.clear();
    }

    /** Damages the records (and now and then the header or the end) of {@code b}; says what it did. */
    private static List<String> damage(Random random, ByteBuffer b, int damages) {
        List<String> applied = new ArrayList<>();
        int recordsLength = b.getInt(24);
        int end = BatchHeader.SIZE + recordsLength;
        int cut = b.limit();
        List<Integer> starts = new ArrayList<>();
        for (int p = BatchHeader.SIZE; p < end; p += RecordFormat.OVERHEAD + b.getInt(p)) {
            starts.add(p);
        }
        for (int d = 0; d < damages; d++) {
            int at = random.nextInt(20) == 0 ? random.nextInt(end) : BatchHeader.SIZE + random.nextInt(recordsLength);
            switch (random.nextInt(5)) {
                case 0 -> {
                    int bit = random.nextInt(8);
                    b.put(at, (byte) (b.get(at) ^ (1 << bit)));
                    applied.add("bitflip@" + at + "." + bit);
                }
                case 1 -> {
                    int n = Math.min(end - at, 1 + random.nextInt(300));
                    for (int i = 0; i < n; i++) {
                        b.put(at + i, (byte) 0);
                    }
                    applied.add("zero@" + at + "+" + n);
                }
                case 2 -> {
                    int n = Math.min(end - at, 1 + random.nextInt(300));
                    for (int i = 0; i < n; i++) {
                        b.put(at + i, (byte) random.nextInt());
                    }
                    applied.add("garbage@" + at + "+" + n);
                }
                case 3 -> {
                    // A record's length field: a huge one, a slightly wrong one, or a negative one.
                    int field = starts.get(random.nextInt(starts.size()));
                    int value = switch (random.nextInt(3)) {
                        case 0 -> random.nextInt();
                        case 1 -> b.getInt(field) + random.nextInt(9) - 4;
                        default -> Integer.MIN_VALUE + random.nextInt(100);
                    };
                    b.putInt(field, value);
                    applied.add("int@" + field + "=" + value);
                }
                default -> {
                    // The data ends early (applied last): the batch is incomplete.
                    cut = Math.min(cut, at);
                    applied.add("cut@" + at);
                }
            }
        }
        b.limit(cut);
        return applied;
    }
}
