package io.github.wal4j.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** {@link SegmentHeader}: the first block of a segment, round trip and every decode problem. */
class SegmentHeaderTest {
    private final Checksums checksums = new Checksums();

    private ByteBuffer encoded(SegmentHeader h) {
        ByteBuffer b = ByteBuffer.allocate(h.alignment());
        h.encode(b, checksums);
        return b.flip();
    }

    private SegmentHeader.Decoded decode(ByteBuffer b) {
        return SegmentHeader.decode(b.duplicate().limit(Math.min(b.limit(), SegmentHeader.MAX_ENCODED_SIZE)), checksums);
    }

    @Test
    void encodesTheDocumentedLayoutAndDecodesItBack() {
        SegmentHeader h = new SegmentHeader(Alignment.BLOCK, 7, 0x1122334455667788L, 1001, 1 << 20);
        ByteBuffer b = encoded(h);
        assertEquals(Alignment.BLOCK, b.remaining(), "the header fills its whole block");
        assertEquals(SegmentHeader.MAGIC, b.getLong(0));
        assertEquals(SegmentHeader.VERSION, b.getShort(8));
        assertEquals(Alignment.BLOCK, b.getInt(12));
        assertEquals(7, b.getLong(16));
        assertEquals(0x1122334455667788L, b.getLong(24));
        assertEquals(1001, b.getLong(32));
        assertEquals(1 << 20, b.getInt(40), "the writer's record limit at offset 40");
        for (int i = SegmentHeader.ENCODED_SIZE; i < Alignment.BLOCK; i++) {
            assertEquals(0, b.get(i), "padding byte " + i);
        }
        SegmentHeader.Decoded d = decode(b);
        assertEquals(h, d.header().orElseThrow(() -> new AssertionError(d.detail())));
    }

    @Test
    void aHeaderAfterALossCarriesItsFlag() {
        SegmentHeader h = new SegmentHeader(Alignment.BLOCK, 3, 42, 500).followingLoss();
        ByteBuffer b = encoded(h);
        assertEquals(SegmentHeader.FLAG_FOLLOWS_LOSS, b.getShort(10) & SegmentHeader.FLAG_FOLLOWS_LOSS);
        assertTrue(decode(b).header().orElseThrow().followsLoss());
    }

    @Test
    void everyProblemIsNamedNeverThrown() {
        ByteBuffer good = encoded(new SegmentHeader(Alignment.BLOCK, 1, 99, 1));
        assertEquals(SegmentHeader.Problem.SHORT, decode(good.duplicate().limit(20)).problem());
        assertEquals(SegmentHeader.Problem.ZEROS, decode(ByteBuffer.allocate(Alignment.BLOCK)).problem());

        ByteBuffer foreign = ByteBuffer.allocate(Alignment.BLOCK);
        foreign.put(0, "PK\u0003\u0004 not a wal".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(SegmentHeader.Problem.FOREIGN, decode(foreign).problem());

        ByteBuffer future = copy(good);
        future.putShort(8, (short) 9);
        future.putInt(44, checksums.plain(future.duplicate().position(0).limit(44))); // a valid header of a later version
        assertEquals(SegmentHeader.Problem.UNSUPPORTED_VERSION, decode(future).problem());
        ByteBuffer badAlignment = copy(good);
        badAlignment.putInt(12, 3000);
        badAlignment.putInt(44, checksums.plain(badAlignment.duplicate().position(0).limit(44)));
        assertEquals(SegmentHeader.Problem.DAMAGED, decode(badAlignment).problem(), "checksum right, alignment impossible");

        for (int at : new int[] {12, 16, 24, 32, 40, 44}) {
            ByteBuffer flipped = copy(good);
            flipped.put(at, (byte) (flipped.get(at) ^ 0x10));
            SegmentHeader.Decoded d = decode(flipped);
            assertTrue(d.header().isEmpty(), () -> "a flipped bit at " + at + " still decoded");
            assertEquals(SegmentHeader.Problem.DAMAGED, d.problem(), () -> "offset " + at + ": " + d.detail());
        }
    }

    @Test
    void refusesImpossibleFields() {
        assertThrows(IllegalArgumentException.class, () -> new SegmentHeader(100, 1, 1, 1), "alignment not a power of two");
        assertThrows(IllegalArgumentException.class,
                () -> new SegmentHeader(Alignment.BLOCK, 1, 1, 1, 1 << 20, SegmentHeader.AES_GCM, null, null),
                "a protected header names its key");
        assertThrows(IllegalArgumentException.class,
                () -> new SegmentHeader(Alignment.BLOCK, 1, 1, 1, 1 << 20, 7, "k", null), "an unknown protection");
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }
}
