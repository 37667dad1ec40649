package io.github.wal4j.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchHeader} and {@link RecordFormat}: their layouts, and that their checksums bind them to
 * the place they were written for (salt, offset, sequence), so bytes copied from elsewhere never
 * validate (lesson 3: every record knows where it belongs).
 */
class BatchAndRecordFormatTest {
    private final Checksums checksums = new Checksums();
    private static final long SALT = 0x0123456789abcdefL;

    @Test
    void batchHeaderLayoutAndRoundTrip() {
        BatchHeader h = new BatchHeader(3, 41, 40, 300, 0);
        ByteBuffer b = ByteBuffer.allocate(BatchHeader.SIZE);
        h.encode(b, 0, SALT, 8192, checksums);
        assertEquals(BatchHeader.MAGIC, b.getInt(0));
        assertEquals(3, b.getInt(4));
        assertEquals(41, b.getLong(8));
        assertEquals(40, b.getLong(16));
        assertEquals(300, b.getInt(24));
        assertEquals(0, b.getInt(28));
        assertEquals(h, BatchHeader.decode(b, 0, SALT, 8192, checksums));
        assertEquals(44, h.nextSequence());
        assertTrue(BatchHeader.check(b, 0, SALT, 8192, checksums));
    }

    @Test
    void aBatchHeaderValidatesOnlyAtItsOwnPlaceInItsOwnSegment() {
        ByteBuffer b = ByteBuffer.allocate(BatchHeader.SIZE);
        new BatchHeader(1, 5, 4, 20, 0).encode(b, 0, SALT, 4096, checksums);
        assertNull(BatchHeader.decode(b, 0, SALT, 8192, checksums), "another offset");
        assertNull(BatchHeader.decode(b, 0, SALT + 1, 4096, checksums), "another segment's salt");
        for (int at = 0; at < BatchHeader.SIZE; at++) {
            ByteBuffer flipped = ByteBuffer.allocate(BatchHeader.SIZE).put(b.duplicate().clear());
            flipped.put(at, (byte) (flipped.get(at) ^ 1));
            assertNull(BatchHeader.decode(flipped, 0, SALT, 4096, checksums), "a flipped bit at " + at);
        }
        assertTrue(BatchHeader.isZero(ByteBuffer.allocate(BatchHeader.SIZE), 0));
        assertFalse(BatchHeader.isZero(b, 0));
    }

    @Test
    void aRecordIsLengthPayloadAndAChecksumOfItsPlace() {
        byte[] payload = "forty-two".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(RecordFormat.framedSize(payload.length));
        RecordFormat.encode(b, SALT, 42, payload, RecordSealer.PLAIN, checksums);
        assertEquals(b.capacity(), b.position(), "framedSize is what encode writes");
        assertEquals(payload.length, b.getInt(0));
        assertEquals(ByteBuffer.wrap(payload), b.duplicate().position(4).limit(4 + payload.length));
        int crc = b.getInt(4 + payload.length);
        assertEquals(crc, checksums.ofFramedRecord(SALT, 42, b, 0, payload.length));
        assertNotEquals(crc, checksums.ofFramedRecord(SALT, 43, b, 0, payload.length), "another sequence");
        assertNotEquals(crc, checksums.ofFramedRecord(SALT ^ 1, 42, b, 0, payload.length), "another segment");
    }

    @Test
    void batchBoundsFollowTheRecordLimit() {
        assertTrue(BatchHeader.maxRecordsLength(16 << 20) >= RecordFormat.framedSize(16 << 20),
                "a batch can hold one record of the largest size");
    }
}
