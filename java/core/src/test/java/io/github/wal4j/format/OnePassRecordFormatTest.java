package io.github.wal4j.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Format version 3 ({@link RecordFormat}): a record's checksum is one CRC32C pass over length and
 * payload XOR its place, and still binds the record to its segment and sequence; the segment
 * header says which check its records carry, and versions 1 and 2 keep theirs.
 */
class OnePassRecordFormatTest {
    private static final long SALT = 0x0123456789abcdefL;
    private final Checksums checksums = new Checksums();
    private final SegmentHeader v3 = new SegmentHeader(Alignment.BLOCK, 1, SALT, 1).withVersion(SegmentHeader.VERSION_ONE_PASS);
    private final SegmentHeader v1 = new SegmentHeader(Alignment.BLOCK, 1, SALT, 1);

    private ByteBuffer framed(SegmentHeader segment, long sequence, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(RecordFormat.framedSize(payload.length));
        RecordFormat.encode(b, segment, sequence, payload, RecordSealer.PLAIN, checksums);
        return b;
    }

    private boolean validates(ByteBuffer b, boolean onePass, long salt, long sequence) {
        int length = RecordFormat.lengthAt(b, 0);
        return RecordFormat.checksumAt(b, 0, length) == RecordFormat.checksum(onePass, salt, sequence, b, 0, length,
                checksums);
    }

    @Test
    void theStoredValueIsTheCrcOfLengthAndPayloadXorThePlaceAsDocumented() {
        byte[] payload = "forty-two".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = framed(v3, 42, payload);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 4 + payload.length);
        // place(salt, s) = fold(fmix64(salt)) ^ (int) s * 0x9E3779B1, spelled out once more here.
        long z = SALT;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        z ^= z >>> 33;
        int place = (int) (z ^ (z >>> 32)) ^ 42 * 0x9E3779B1;
        assertEquals((int) crc.getValue() ^ place, b.getInt(4 + payload.length));
        assertTrue(validates(b, true, SALT, 42));
        assertNotEquals(framed(v1, 42, payload).getInt(4 + payload.length), b.getInt(4 + payload.length),
                "version 1 stores another value for the same record");
        assertTrue(!validates(b, false, SALT, 42), "a version-3 record does not pass the version-1 check");
    }

    @Test
    void aVersionThreeRecordValidatesOnlyAtItsOwnSequenceInItsOwnSegment() {
        byte[] payload = new byte[100];
        new Random(7).nextBytes(payload);
        ByteBuffer b = framed(v3, 1_000, payload);
        for (long s = 1; s < 5_000; s++) {
            assertEquals(s == 1_000, validates(b, true, SALT, s), "sequence " + s);
        }
        // Sequences far apart but within 2^32 of each other: the sequence term is a bijection mod 2^32.
        for (long d : new long[] {1L << 31, (1L << 32) - 1, 0xFFFF_FFFFL - 999}) {
            assertTrue(!validates(b, true, SALT, 1_000 + d), "sequence 1000 + " + d);
        }
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            long other = random.nextLong();
            assertTrue(other == SALT || !validates(b, true, other, 1_000), "salt " + Long.toHexString(other));
        }
        for (int at = 0; at < b.capacity(); at++) {
            for (int bit = 0; bit < 8; bit++) {
                ByteBuffer flipped = ByteBuffer.allocate(b.capacity()).put(b.duplicate().clear());
                flipped.put(at, (byte) (flipped.get(at) ^ (1 << bit)));
                if (RecordFormat.lengthAt(flipped, 0) == payload.length) {
                    assertTrue(!validates(flipped, true, SALT, 1_000), "a flipped bit at " + at + "." + bit);
                }
            }
        }
    }

    @Test
    void anEmptyRecordOfZerosDoesNotValidate() {
        ByteBuffer zeros = ByteBuffer.allocate(RecordFormat.OVERHEAD);
        for (long s = 1; s < 10_000; s++) {
            assertTrue(!validates(zeros, true, SALT, s), "sequence " + s);
        }
    }

    @Test
    void theHeaderCarriesTheVersionAndTheVersionCarriesTheCheck() {
        ByteBuffer b = ByteBuffer.allocate(Alignment.BLOCK);
        v3.encode(b, checksums);
        assertEquals(SegmentHeader.VERSION_ONE_PASS, b.getShort(8));
        SegmentHeader decoded = SegmentHeader.decode(b.flip(), checksums).header().orElseThrow();
        assertEquals(v3, decoded);
        assertTrue(decoded.onePassRecords());
        assertTrue(!v1.onePassRecords());
        assertTrue(!new SegmentHeader(Alignment.BLOCK, 1, SALT, 1, 0, SegmentHeader.AES_GCM, "k", new byte[32])
                .onePassRecords(), "a protected header of version 2");
        assertNotEquals(v1, v3, "the version is part of the header");
        assertThrows(IllegalArgumentException.class, () -> v1.withVersion(SegmentHeader.VERSION_PROTECTED),
                "version 2 is protected only");
        assertThrows(IllegalArgumentException.class, () -> v1.withVersion(4));
    }

    @Test
    void aProtectedVersionThreeHeaderRoundTripsAndItsTagCoversTheVersion() {
        SegmentHeader h = new SegmentHeader(Alignment.BLOCK, 2, SALT, 9, 0, SegmentHeader.HMAC_CHAIN, "key-1", null)
                .withVersion(SegmentHeader.VERSION_ONE_PASS);
        byte[] covered = h.authenticatedBytes();
        assertEquals(SegmentHeader.VERSION_ONE_PASS, ByteBuffer.wrap(covered).getShort(8));
        SegmentHeader tagged = h.withTag(new byte[KeyDerivation.MAC_BYTES]);
        ByteBuffer b = ByteBuffer.allocate(Alignment.BLOCK);
        tagged.encode(b, checksums);
        SegmentHeader decoded = SegmentHeader.decode(b.flip().limit(SegmentHeader.MAX_ENCODED_SIZE), checksums).header()
                .orElseThrow();
        assertEquals(tagged, decoded);
        assertTrue(decoded.onePassRecords() && decoded.isProtected());
    }

    @Test
    void versionsAndProtectionsThatDoNotGoTogetherAreDamage() {
        ByteBuffer good = ByteBuffer.allocate(Alignment.BLOCK);
        v1.encode(good, checksums);
        // version 2 without a protection, and version 3 with an unknown one
        for (int[] vp : new int[][] {{2, 0}, {3, 7}, {1, 1}}) {
            ByteBuffer b = ByteBuffer.allocate(Alignment.BLOCK).put(good.duplicate().flip());
            b.putShort(8, (short) vp[0]).putShort(10, (short) vp[1]);
            b.putInt(44, checksums.plain(b.duplicate().position(0).limit(44)));
            SegmentHeader.Decoded d = SegmentHeader.decode(b.flip().limit(SegmentHeader.MAX_ENCODED_SIZE), checksums);
            assertEquals(SegmentHeader.Problem.DAMAGED, d.problem(), "version " + vp[0] + ", protection " + vp[1]
                    + ": " + d.detail());
        }
    }

    @Test
    void aSalvagedHeaderKeepsVersionThree() {
        ByteBuffer b = ByteBuffer.allocate(Alignment.BLOCK);
        v3.encode(b, checksums);
        b.putInt(44, 0); // the checksum no longer holds: the header is salvaged
        assertTrue(SegmentHeader.salvage(b.flip(), 1).onePassRecords());
        ByteBuffer old = ByteBuffer.allocate(Alignment.BLOCK);
        v1.encode(old, checksums);
        assertTrue(!SegmentHeader.salvage(old.flip(), 1).onePassRecords());
    }
}
