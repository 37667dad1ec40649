package io.github.wal4j.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** {@link SegmentHeader#salvage}: the salt and alignment of a header that fails its checksum, as they are. */
class SegmentHeaderSalvageTest {
    private final Checksums checksums = new Checksums();

    @Test
    void aDamagedHeaderStillGivesItsSaltAndAlignment() {
        SegmentHeader h = new SegmentHeader(8192, 3, 0x0102030405060708L, 77, 1 << 20);
        ByteBuffer b = ByteBuffer.allocate(h.alignment());
        h.encode(b, checksums);
        b.flip();
        b.put(33, (byte) (b.get(33) ^ 1)); // first sequence: the checksum no longer holds
        assertTrue(SegmentHeader.decode(b.duplicate().limit(SegmentHeader.MAX_ENCODED_SIZE), checksums).header()
                .isEmpty());
        SegmentHeader salvaged = SegmentHeader.salvage(b, 3);
        assertEquals(0x0102030405060708L, salvaged.salt());
        assertEquals(8192, salvaged.alignment());
        assertEquals(3, salvaged.segmentId());
    }

    @Test
    void anInvalidAlignmentIsTakenAsTheSmallest() {
        ByteBuffer b = ByteBuffer.allocate(SegmentHeader.ENCODED_SIZE);
        b.putInt(12, 12345).putLong(24, 42);
        SegmentHeader salvaged = SegmentHeader.salvage(b, 9);
        assertEquals(Alignment.MIN, salvaged.alignment());
        assertEquals(42, salvaged.salt());
    }

    @Test
    void tooFewBytesGiveNothing() {
        assertNull(SegmentHeader.salvage(ByteBuffer.allocate(SegmentHeader.ENCODED_SIZE - 1), 1));
    }
}
