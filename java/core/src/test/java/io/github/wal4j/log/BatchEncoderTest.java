package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchEncoder} without a file: a batch is its header for its place, its records in order,
 * zero padding to its footprint; barriers add nothing; a seal takes one block.
 */
class BatchEncoderTest {
    private static final int ALIGNMENT = 4096;
    private static final long SALT = 0x5eedL;

    private final Checksums checksums = new Checksums();

    private static ActiveSegment segment(long writeOffset) throws Exception {
        SegmentHeader header = SegmentKeys.NONE.newHeader(ALIGNMENT, 3, SALT, 10, false);
        return new ActiveSegment(null, null, header, RecordSealer.PLAIN, writeOffset);
    }

    private static CommitRequest.Append append(long sequence, byte[] payload) {
        CommitRequest.Append append = new CommitRequest.FutureAppend(new CompletableFuture<>());
        append.queued(sequence, payload, RecordFormat.framedSize(payload.length), 0);
        return append;
    }

    @Test
    void aBatchIsItsHeaderItsRecordsAndZerosToItsFootprint() throws Exception {
        ActiveSegment segment = segment(2 * ALIGNMENT);
        List<CommitRequest> requests = List.of(append(10, new byte[] {1, 2, 3}),
                new CommitRequest.Barrier(true, new CompletableFuture<>()), append(11, new byte[] {4}));
        int recordsLength = RecordFormat.framedSize(3) + RecordFormat.framedSize(1);
        ByteBuffer b = new BatchEncoder().batch(segment, requests, 2, 10, recordsLength, 9);

        assertEquals(0, b.position());
        assertEquals(ALIGNMENT, b.limit(), "padded to the end of its block");
        assertEquals(new BatchHeader(2, 10, 9, recordsLength, 0),
                BatchHeader.decode(b, 0, SALT, 2 * ALIGNMENT, checksums), "a header valid for its place");
        int at = BatchHeader.SIZE;
        assertEquals(3, b.getInt(at));
        assertEquals(1, b.get(at + 4));
        at += RecordFormat.framedSize(3);
        assertEquals(1, b.getInt(at));
        assertEquals(4, b.get(at + 4));
        for (int i = BatchHeader.SIZE + recordsLength; i < b.limit(); i++) {
            assertEquals(0, b.get(i), "padding at " + i);
        }
    }

    @Test
    void aLargerBatchGrowsTheBufferAndASealTakesOneBlock() throws Exception {
        BatchEncoder encoder = new BatchEncoder();
        byte[] big = new byte[600 << 10];
        int recordsLength = RecordFormat.framedSize(big.length);
        ByteBuffer b = encoder.batch(segment(ALIGNMENT), List.of(append(10, big)), 1, 10, recordsLength, 9);
        assertEquals(BatchHeader.footprint(recordsLength, ALIGNMENT), b.remaining());
        assertEquals(0, b.alignmentOffset(0, 4096), "aligned for direct I/O");

        ByteBuffer seal = encoder.seal(segment(5 * ALIGNMENT), 11, 10);
        assertEquals(ALIGNMENT, seal.remaining());
        BatchHeader header = BatchHeader.decode(seal, 0, SALT, 5 * ALIGNMENT, checksums);
        assertTrue(header.isSeal());
        assertEquals(BatchHeader.seal(11, 10), header);
    }
}
