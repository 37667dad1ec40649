package io.github.wal4j.log;

import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Frames what the writer writes into one reusable direct buffer: a batch (its {@link BatchHeader},
 * each record as {@link RecordFormat} sealed by the segment's sealer, zero padding to the batch's
 * footprint) or a seal, each for its place in the segment. The layouts are the format's; this class
 * only fills the buffer.
 *
 * <p>The buffer sits at a 4 KiB-aligned address, so direct I/O takes it without a copy, and grows on
 * demand (to a full batch plus one record), so a log of small appends keeps it small. Each call
 * reuses it: write what one call returns before the next. Not thread-safe: the writer's alone.
 */
final class BatchEncoder {
    private final Checksums checksums = new Checksums();
    private ByteBuffer buffer = PageAlignedBuffers.allocate(256 << 10);

    /**
     * Frames the records among {@code requests} (appends and groups, in order) as one batch at
     * {@code segment}'s write offset.
     *
     * @param count the number of records among {@code requests}
     * @param first the first record's sequence number (the records' are consecutive)
     * @param recordsLength the records' framed bytes, seals included
     * @param durableThrough the batch header's durable-through mark
     * @return the framed batch, from position 0 to its footprint
     */
    ByteBuffer batch(ActiveSegment segment, List<? extends CommitRequest> requests, int count, long first,
            int recordsLength, long durableThrough) {
        long total = BatchHeader.footprint(recordsLength, segment.header.alignment());
        ByteBuffer b = bufferFor((int) total);
        long salt = segment.header.salt();
        b.position(BatchHeader.SIZE);
        for (int i = 0; i < requests.size(); i++) {
            CommitRequest request = requests.get(i);
            if (request instanceof CommitRequest.Append a) {
                RecordFormat.encode(b, segment.header, a.sequence(), a.payload(), segment.sealer, checksums);
            } else if (request instanceof CommitRequest.Group g) {
                long sequence = g.first();
                for (byte[] payload : g.payloads()) {
                    RecordFormat.encode(b, segment.header, sequence++, payload, segment.sealer, checksums);
                }
            }
        }
        BatchHeader.complete(b, (int) total, count, first, durableThrough, recordsLength, 0, salt,
                segment.writeOffset, checksums);
        return b.flip();
    }

    /**
     * Frames the seal of a clean close ({@link BatchHeader#seal}) at {@code segment}'s write offset.
     *
     * @return the seal, one block of the segment's alignment from position 0
     */
    ByteBuffer seal(ActiveSegment segment, long nextSequence, long durableThrough) {
        int alignment = segment.header.alignment();
        ByteBuffer b = bufferFor(alignment).position(BatchHeader.SIZE);
        BatchHeader.seal(nextSequence, durableThrough)
                .complete(b, alignment, segment.header.salt(), segment.writeOffset, checksums);
        return b.flip();
    }

    private ByteBuffer bufferFor(int size) {
        if (buffer.capacity() < size) {
            // Doubling: batches grow with concurrency, and each direct buffer dropped waits for a GC.
            buffer = PageAlignedBuffers.allocate(Math.max(size, Math.min(2 * buffer.capacity(), BatchHeader.TARGET_RECORDS_LENGTH + (64 << 10))));
        }
        return buffer.clear().limit(size);
    }
}
