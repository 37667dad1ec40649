package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.format.AeadSealer;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BatchValidator} over bytes in memory, no file: each check that decides whether the bytes at
 * a batch boundary are a batch, the zeros of a tail never written, or damage (lessons 2 and 3:
 * lengths are bounded before they are trusted, and a batch validates only at its own place).
 */
class BatchValidatorTest {
    private static final long SALT = 0x5eed5eed5eedL;
    private static final int ALIGNMENT = 4096;
    private static final long OFFSET = 8192;
    private static final int MAX_RECORD = 1000;
    private final Checksums checksums = new Checksums();

    private static SegmentHeader segment(int recordedMax) {
        return new SegmentHeader(ALIGNMENT, 7, SALT, 1, recordedMax, SegmentHeader.PLAIN, null, null, false);
    }

    private static BatchValidator validator() {
        return new BatchValidator(segment(MAX_RECORD), MAX_RECORD, RecordSealer.PLAIN);
    }

    /** A batch of {@code payloads} from {@code first}, framed for segment offset {@code offset}, in a buffer of {@code size}. */
    private ByteBuffer batch(long offset, long first, int size, RecordSealer sealer, String... payloads) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.position(BatchHeader.SIZE);
        long sequence = first;
        for (String p : payloads) {
            RecordFormat.encode(b, SALT, sequence++, p.getBytes(StandardCharsets.UTF_8), sealer, checksums);
        }
        int length = b.position() - BatchHeader.SIZE;
        int footprint = (int) BatchHeader.footprint(length, ALIGNMENT);
        new BatchHeader(payloads.length, first, first - 1, length, 0).complete(b, footprint, SALT, offset, checksums);
        return b.clear();
    }

    private static String reason(BatchValidator.Result result) {
        return assertInstanceOf(BatchValidator.Damage.class, result).reason();
    }

    @Test
    void aValidBatchGivesItsFieldsAndWhereTheNextOneStarts() {
        ByteBuffer b = batch(OFFSET, 5, 2 * ALIGNMENT, RecordSealer.PLAIN, "one", "two", "three");
        BatchValidator.Valid valid = assertInstanceOf(BatchValidator.Valid.class,
                validator().validate(b, 0, OFFSET, 5, null));
        assertEquals(OFFSET, valid.offset());
        assertEquals(3, valid.header().recordCount());
        assertEquals(5, valid.header().firstSequence());
        assertEquals(8, valid.header().nextSequence());
        assertEquals(OFFSET + ALIGNMENT, valid.next());
        assertEquals(BatchHeader.SIZE, valid.recordsAt());
        assertEquals(3 * RecordFormat.OVERHEAD + 11, valid.recordsLength());
        assertEquals(3, valid.records().getInt(valid.recordsAt()));
        assertEquals(0, valid.overLimitSequence());
    }

    @Test
    void aSealIsAValidBatchWithoutRecords() {
        ByteBuffer b = ByteBuffer.allocate(ALIGNMENT);
        BatchHeader.seal(9, 8).encode(b, 0, SALT, OFFSET, checksums);
        BatchValidator.Valid valid = assertInstanceOf(BatchValidator.Valid.class,
                validator().validate(b, 0, OFFSET, 9, null));
        assertTrue(valid.header().isSeal());
        assertEquals(9, valid.header().nextSequence());
    }

    @Test
    void zerosToTheEndAreTheEndOfTheDataAndZerosBeforeDataAreDamage() {
        assertInstanceOf(BatchValidator.Zeros.class, validator().validate(ByteBuffer.allocate(3 * ALIGNMENT), 0,
                OFFSET, 1, null));
        assertInstanceOf(BatchValidator.Zeros.class, validator().validate(ByteBuffer.allocate(20), 0, OFFSET, 1, null),
                "fewer zero bytes than a header");
        ByteBuffer b = ByteBuffer.allocate(3 * ALIGNMENT);
        b.put(ALIGNMENT + 17, (byte) 1);
        assertTrue(reason(validator().validate(b, 0, OFFSET, 1, null)).endsWith("follow at offset "
                + (OFFSET + ALIGNMENT + 17)));
        ByteBuffer shortGarbage = ByteBuffer.allocate(20);
        shortGarbage.put(19, (byte) 1);
        assertTrue(reason(validator().validate(shortGarbage, 0, OFFSET, 1, null)).startsWith("incomplete batch header"));
    }

    @Test
    void firstNonZeroFindsTheFirstNonZeroByteAnywhereInHeapAndDirectBuffers() {
        int size = 200_000; // more than one block of the zeros it compares with
        for (ByteBuffer buffer : new ByteBuffer[] {ByteBuffer.allocate(size), ByteBuffer.allocateDirect(size)}) {
            assertEquals(-1, BatchValidator.firstNonZero(buffer, 0, size));
            for (int at : new int[] {0, 7, 8, 65_535, 65_536, 65_537, 131_072, size - 1}) {
                buffer.put(at, (byte) 0x80);
                assertEquals(at, BatchValidator.firstNonZero(buffer, 0, size), "non-zero byte at " + at);
                assertEquals(at, BatchValidator.firstNonZero(buffer, Math.max(0, at - 3), at + 1));
                assertEquals(-1, BatchValidator.firstNonZero(buffer, 0, at), "zeros before " + at);
                assertEquals(-1, BatchValidator.firstNonZero(buffer, at + 1, size), "zeros after " + at);
                buffer.put(at, (byte) 0);
            }
        }
    }

    @Test
    void aBatchValidatesOnlyAtItsOwnOffsetWithItsOwnSequenceAndHeaderChecksum() {
        ByteBuffer b = batch(OFFSET, 5, ALIGNMENT, RecordSealer.PLAIN, "one");
        assertTrue(reason(validator().validate(b, 0, OFFSET + ALIGNMENT, 5, null)).contains("checksum"),
                "moved to another offset");
        assertEquals("batch starts at sequence 5, expected 4", reason(validator().validate(b, 0, OFFSET, 4, null)));
        b.put(12, (byte) (b.get(12) ^ 1));
        assertTrue(reason(validator().validate(b, 0, OFFSET, 5, null)).contains("checksum"), "a flipped bit");
    }

    @Test
    void aBatchThatRunsPastTheEndOfTheDataIsIncomplete() {
        ByteBuffer b = batch(OFFSET, 1, ALIGNMENT, RecordSealer.PLAIN, "a record of some length");
        ByteBuffer cut = b.limit(BatchHeader.SIZE + 10);
        assertTrue(reason(validator().validate(cut, 0, OFFSET, 1, null)).startsWith("incomplete batch"));
    }

    @Test
    void aRecordWhoseChecksumFailsIsDamage() {
        ByteBuffer b = batch(OFFSET, 1, ALIGNMENT, RecordSealer.PLAIN, "one", "two");
        int secondPayload = BatchHeader.SIZE + RecordFormat.framedSize(3) + 4;
        b.put(secondPayload, (byte) 'x');
        assertEquals("record 2: checksum mismatch", reason(validator().validate(b, 0, OFFSET, 1, null)));
    }

    /** A header that passes its checksum, declaring {@code count} records in {@code length} bytes. */
    private ByteBuffer headerOnly(int count, int length, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        new BatchHeader(count, 1, 0, length, 0).encode(b, 0, SALT, OFFSET, checksums);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {0x7fffffff, 0xffffffff, 0x80000000})
    void aHugeRecordLengthIsDamageAndNothingIsAllocatedFromIt(int lengthField) {
        ByteBuffer b = headerOnly(1, 64, ALIGNMENT);
        b.putInt(BatchHeader.SIZE, lengthField);
        BatchValidator validator = validator();
        validator.validate(b, 0, OFFSET, 1, null); // warm up
        long before = allocatedBytes();
        String reason = reason(validator.validate(b, 0, OFFSET, 1, null));
        long allocated = allocatedBytes() - before;
        assertEquals("record 1: length field " + Integer.toUnsignedString(lengthField)
                + " exceeds the maximum record size " + MAX_RECORD, reason);
        assertTrue(allocated < (1 << 20), allocated + " bytes allocated");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x7fffffff, 0x40000000, 2 << 20})
    void aHugeBatchLengthIsDamageAndNothingIsAllocatedFromIt(int recordsLength) {
        ByteBuffer b = headerOnly(1, recordsLength, ALIGNMENT);
        BatchValidator validator = validator();
        validator.validate(b, 0, OFFSET, 1, null); // warm up
        long before = allocatedBytes();
        String reason = reason(validator.validate(b, 0, OFFSET, 1, null));
        long allocated = allocatedBytes() - before;
        assertTrue(reason.startsWith("batch declares " + recordsLength + " record bytes, more than the bound"), reason);
        assertTrue(allocated < (1 << 20), allocated + " bytes allocated");
    }

    @Test
    void aLengthWithinTheBoundButPastItsBatchIsDamage() {
        ByteBuffer b = headerOnly(1, 64, ALIGNMENT);
        b.putInt(BatchHeader.SIZE, 500);
        assertEquals("record 1: length field 500 runs past its batch (56 bytes left)",
                reason(validator().validate(b, 0, OFFSET, 1, null)));
    }

    @Test
    void bytesLeftAfterTheDeclaredRecordsAreDamage() {
        ByteBuffer b = batch(OFFSET, 1, ALIGNMENT, RecordSealer.PLAIN, "one");
        int length = RecordFormat.framedSize(3);
        new BatchHeader(1, 1, 0, length + 8, 0).encode(b, 0, SALT, OFFSET, checksums);
        assertEquals("batch holds 8 bytes after its 1 records", reason(validator().validate(b, 0, OFFSET, 1, null)));
    }

    @Test
    void aRecordValidUnderTheSegmentsLargerLimitIsNamedNotDamage() {
        String big = "x".repeat(50);
        ByteBuffer b = batch(OFFSET, 3, ALIGNMENT, RecordSealer.PLAIN, "small", big);
        BatchValidator reader = new BatchValidator(segment(100), 10, RecordSealer.PLAIN);
        BatchValidator.Valid valid = assertInstanceOf(BatchValidator.Valid.class, reader.validate(b, 0, OFFSET, 3, null));
        assertEquals(4, valid.overLimitSequence());
        assertEquals(50, valid.overLimitSize());
        BatchValidator strict = new BatchValidator(segment(0), 10, RecordSealer.PLAIN);
        assertEquals("record 4: length field 50 exceeds the maximum record size 10",
                reason(strict.validate(b, 0, OFFSET, 3, null)), "over both limits is damage");
    }

    @Test
    void aProtectedRecordIsOpenedAndOneThatDoesNotAuthenticateIsDamage() {
        byte[] key = new byte[32];
        SegmentHeader protectedSegment = new SegmentHeader(ALIGNMENT, 7, SALT, 1, MAX_RECORD, SegmentHeader.AES_GCM,
                "k", new byte[32], false);
        ByteBuffer b = batch(OFFSET, 1, ALIGNMENT, new AeadSealer(key, 7), "secret");
        ByteBuffer plain = ByteBuffer.allocate(ALIGNMENT);
        BatchValidator.Valid valid = assertInstanceOf(BatchValidator.Valid.class,
                new BatchValidator(protectedSegment, MAX_RECORD, new AeadSealer(key, 7)).validate(b, 0, OFFSET, 1,
                        plain));
        assertEquals(plain, valid.records());
        assertEquals(6, plain.getInt(0));
        assertEquals("secret", StandardCharsets.UTF_8.decode(plain.slice(4, 6)).toString());
        byte[] other = new byte[32];
        other[0] = 1;
        assertTrue(reason(new BatchValidator(protectedSegment, MAX_RECORD, new AeadSealer(other, 7)).validate(b, 0,
                OFFSET, 1, ByteBuffer.allocate(ALIGNMENT))).contains("authentication fails"));
    }

    @Test
    void anyBytesGiveAResultAndNeverAnException() {
        ByteBuffer valid = batch(OFFSET, 1, 2 * ALIGNMENT, RecordSealer.PLAIN, "one", "two", "three", "four");
        Random random = new Random(14);
        BatchValidator validator = validator();
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer b = ByteBuffer.allocate(valid.capacity()).put(valid.duplicate().clear()).clear();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                int at = random.nextInt(BatchHeader.SIZE + 64);
                b.put(at, (byte) random.nextInt(256));
            }
            b.limit(random.nextInt(b.capacity() + 1));
            BatchValidator.Result result = validator.validate(b, 0, OFFSET, 1, null);
            assertTrue(result instanceof BatchValidator.Valid || result instanceof BatchValidator.Zeros
                    || result instanceof BatchValidator.Damage, String.valueOf(result));
        }
    }

    /**
     * The bytes this thread allocated so far, through the JDK's management interface (reflectively:
     * the module under test does not read {@code jdk.management}).
     */
    private static long allocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes")
                    .invoke(bean);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
