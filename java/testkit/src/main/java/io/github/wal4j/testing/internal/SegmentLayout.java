package io.github.wal4j.testing.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An independent reading of one segment file's layout, written from the documented byte format
 * (not with the library's decoders), so tests can aim damage at exact places: the segment header,
 * each batch header, each record's length field, payload and CRC, and each batch's padding.
 *
 * <p>It trusts the file (it is meant for logs the test just wrote) and stops at the first offset
 * that does not start with the batch magic "WBAT".
 *
 * @param file the segment
 * @param size the file's size in bytes
 * @param alignment the block alignment from the header (512)
 * @param segmentId the id from the header
 * @param salt the header's salt (seeds every checksum in the file)
 * @param firstSequence the first sequence number the segment may hold
 * @param batches every batch, in file order (a seal included)
 */
public record SegmentLayout(Path file, long size, int alignment, long segmentId, long salt, long firstSequence,
        List<Batch> batches) {

    public static final int SEGMENT_HEADER_BYTES = 48;
    public static final int BATCH_HEADER_BYTES = 36;
    public static final int BATCH_MAGIC = 0x57424154; // "WBAT"

    /** Offsets inside a batch header (relative to the batch's offset). */
    public static final int BATCH_COUNT = 4;
    public static final int BATCH_FIRST_SEQUENCE = 8;
    public static final int BATCH_DURABLE_THROUGH = 16;
    public static final int BATCH_RECORDS_LENGTH = 24;
    public static final int BATCH_FLAGS = 28;
    public static final int BATCH_CRC = 32;

    /**
     * One record's place.
     *
     * @param sequence its sequence number (the batch's first sequence plus its index)
     * @param offset absolute offset of its 4-byte length field
     * @param length the payload length
     */
    public record Record(long sequence, long offset, int length) {
        /** Absolute offset of the first payload byte. */
        public long payloadOffset() {
            return offset + 4;
        }

        /** Absolute offset of the 4-byte CRC after the payload. */
        public long crcOffset() {
            return offset + 4 + length;
        }

        /** Absolute offset after the CRC. */
        public long end() {
            return offset + 8 + length;
        }
    }

    /**
     * One batch.
     *
     * @param offset absolute offset of its header
     * @param count the record count
     * @param firstSequence the sequence of its first record
     * @param durableThrough its durable-through mark
     * @param recordsLength bytes of framed records after the header
     * @param flags its flags (bit 0: seal)
     * @param end the aligned offset where the next batch starts
     * @param records its records
     */
    public record Batch(long offset, int count, long firstSequence, long durableThrough, int recordsLength, int flags,
            long end, List<Record> records) {
        /** Whether this is the seal a clean close writes. */
        public boolean isSeal() {
            return (flags & 1) != 0;
        }

        /** The offset just after the last byte that carries meaning (header and framed records). */
        public long contentEnd() {
            return offset + BATCH_HEADER_BYTES + recordsLength;
        }
    }

    /** Reads the layout of {@code file}. */
    public static SegmentLayout read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        if (b.capacity() < SEGMENT_HEADER_BYTES || b.getLong(0) != 0x57414C344A534547L) {
            throw new IllegalArgumentException(file + " does not start with a wal4j segment header");
        }
        int alignment = b.getInt(12);
        long segmentId = b.getLong(16);
        long salt = b.getLong(24);
        long firstSequence = b.getLong(32);
        List<Batch> batches = new ArrayList<>();
        long offset = alignment;
        while (offset + BATCH_HEADER_BYTES <= b.capacity() && b.getInt((int) offset) == BATCH_MAGIC) {
            int at = (int) offset;
            int count = b.getInt(at + BATCH_COUNT);
            long first = b.getLong(at + BATCH_FIRST_SEQUENCE);
            long durable = b.getLong(at + BATCH_DURABLE_THROUGH);
            int length = b.getInt(at + BATCH_RECORDS_LENGTH);
            int flags = b.getInt(at + BATCH_FLAGS);
            List<Record> records = new ArrayList<>();
            long r = offset + BATCH_HEADER_BYTES;
            for (int i = 0; i < count; i++) {
                int n = b.getInt((int) r);
                records.add(new Record(first + i, r, n));
                r += 8 + n;
            }
            long contentEnd = offset + BATCH_HEADER_BYTES + length;
            long end = (contentEnd + alignment - 1) / alignment * alignment;
            batches.add(new Batch(offset, count, first, durable, length, flags, end, List.copyOf(records)));
            offset = end;
        }
        return new SegmentLayout(file, b.capacity(), alignment, segmentId, salt, firstSequence, List.copyOf(batches));
    }

    /** The batches that hold records (seals left out). */
    public List<Batch> dataBatches() {
        return batches.stream().filter(batch -> !batch.isSeal()).toList();
    }

    /** The batch holding {@code sequence}. */
    public Batch batchOf(long sequence) {
        for (Batch batch : batches) {
            if (batch.count() > 0 && sequence >= batch.firstSequence()
                    && sequence < batch.firstSequence() + batch.count()) {
                return batch;
            }
        }
        throw new IllegalArgumentException("no batch holds sequence " + sequence + " in " + file);
    }

    /** The place of the record with {@code sequence}. */
    public Record record(long sequence) {
        Batch batch = batchOf(sequence);
        return batch.records().get((int) (sequence - batch.firstSequence()));
    }
}
