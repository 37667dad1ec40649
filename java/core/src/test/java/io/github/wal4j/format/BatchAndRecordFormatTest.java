package io.github.wal4j.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void aCompletedBatchIsItsHeaderItsRecordsAndZerosToTheEndOfItsLastBlock() {
        assertEquals(4096, BatchHeader.footprint(100, 4096));
        assertEquals(8192, BatchHeader.footprint(4096 - BatchHeader.SIZE + 1, 4096), "one byte over spills into a block");
        ByteBuffer b = ByteBuffer.allocate(8192);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0x5a); // a reused buffer: whatever the last batch left
        }
        byte[] payload = new byte[] {1, 2, 3};
        b.position(BatchHeader.SIZE);
        RecordFormat.encode(b, SALT, 9, payload, RecordSealer.PLAIN, checksums);
        int recordsLength = RecordFormat.framedSize(payload.length);
        int footprint = (int) BatchHeader.footprint(recordsLength, 4096);
        BatchHeader h = new BatchHeader(1, 9, 8, recordsLength, 0);
        h.complete(b, footprint, SALT, 12288, checksums);
        assertEquals(footprint, b.position());
        assertEquals(h, BatchHeader.decode(b, 0, SALT, 12288, checksums));
        for (int i = BatchHeader.SIZE + recordsLength; i < footprint; i++) {
            assertEquals(0, b.get(i), "padding byte " + i);
        }
        assertEquals(0x5a, b.get(footprint), "nothing past the footprint is touched");

        ByteBuffer wrong = ByteBuffer.allocate(4096).position(BatchHeader.SIZE + 5);
        assertThrows(IllegalStateException.class, () -> h.complete(wrong, 4096, SALT, 0, checksums),
                "records of another length than declared");
    }

    @Test
    void aSealIsARecordlessBatchFlaggedSo() {
        BatchHeader seal = BatchHeader.seal(101, 100);
        assertTrue(seal.isSeal());
        assertEquals(0, seal.recordCount());
        assertEquals(101, seal.nextSequence());
        ByteBuffer b = ByteBuffer.allocate(4096).position(BatchHeader.SIZE);
        seal.complete(b, 4096, SALT, 8192, checksums);
        assertEquals(seal, BatchHeader.decode(b, 0, SALT, 8192, checksums));
    }

    @Test
    void batchBoundsFollowTheRecordLimit() {
        assertTrue(BatchHeader.maxRecordsLength(16 << 20) >= RecordFormat.framedSize(16 << 20),
                "a batch can hold one record of the largest size");
    }
}
