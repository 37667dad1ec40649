package io.github.wal4j.format;

import java.nio.ByteBuffer;

/**
 * The header of a group-commit batch: the records of one write and one fdatasync.
 *
 * <pre>
 *  offset size  field
 *   0      4    magic "WBAT"
 *   4      4    record count N (0 for a seal)
 *   8      8    sequence number of the batch's first record
 *  16      8    durable-through D: every record with sequence &lt;= D was durable (synced) before
 *               this batch was written
 *  24      4    L: bytes of framed records that follow this header
 *  28      4    flags; bit 0 = SEAL (written by a clean close, N = 0)
 *  32      4    CRC32C of (segment salt, this batch's byte offset in the segment, bytes [0, 32))
 *  36      L    N records, each framed by {@link RecordFormat}
 *  36+L    ..   zero padding up to the next multiple of the segment's alignment
 * </pre>
 * All integers are big-endian. A batch starts at a multiple of the segment's alignment and its
 * padding fills the rest of its last block, so a later write never touches a block that holds
 * acknowledged data. The durable-through mark is how recovery tells a torn tail (damage where no
 * later batch claims the damaged records were durable) from corruption (a later batch says they were).
 */
public record BatchHeader(int recordCount, long firstSequence, long durableThrough, int recordsLength, int flags) {

    /** The magic, "WBAT". */
    public static final int MAGIC = 0x57424154;
    /** Encoded size in bytes. */
    public static final int SIZE = 36;
    /** Flag bit of a seal batch: the log was closed cleanly, everything before it is acknowledged. */
    public static final int FLAG_SEAL = 1;
    private static final int CRC_OFFSET = 32;
    /** Writers close a batch once its records reach this many bytes (a single larger record still fits). */
    public static final int TARGET_RECORDS_LENGTH = 1 << 20;

    /** The largest records length a valid batch may declare, given the maximum record size. */
    public static long maxRecordsLength(int maxRecordSize) {
        return Math.max(TARGET_RECORDS_LENGTH + (long) maxRecordSize + RecordFormat.OVERHEAD,
                (long) maxRecordSize + RecordFormat.OVERHEAD);
    }

    /**
     * Bytes a batch of {@code recordsLength} framed record bytes takes in a segment of this
     * alignment: the header, the records, and zero padding to the end of its last block.
     */
    public static long footprint(long recordsLength, int alignment) {
        return Alignment.up(SIZE + recordsLength, alignment);
    }

    /**
     * The seal a clean close writes: a batch without records, at the next sequence, whose
     * durable-through mark covers the whole log; it takes one block.
     */
    public static BatchHeader seal(long nextSequence, long durableThrough) {
        return new BatchHeader(0, nextSequence, durableThrough, 0, FLAG_SEAL);
    }

    /**
     * Completes a batch in {@code dst[0, footprint)}, whose framed records end at {@code dst}'s
     * position ({@link #SIZE} + {@link #recordsLength()}): zero padding to {@code footprint}, then
     * this header at index 0 for its place {@code offset} in the segment. {@code dst} is left
     * positioned at {@code footprint}, ready to be flipped and written.
     *
     * @throws IllegalStateException if the records written are not the length this header declares
     */
    public void complete(ByteBuffer dst, int footprint, long salt, long offset, Checksums checksums) {
        complete(dst, footprint, recordCount, firstSequence, durableThrough, recordsLength, flags, salt, offset,
                checksums);
    }

    /**
     * {@link #complete(ByteBuffer, int, long, long, Checksums)} of the header with these fields,
     * without making one: the writer's way, once per batch, allocating nothing.
     */
    public static void complete(ByteBuffer dst, int footprint, int recordCount, long firstSequence,
            long durableThrough, int recordsLength, int flags, long salt, long offset, Checksums checksums) {
        if (dst.position() != SIZE + recordsLength) {
            throw new IllegalStateException("batch of " + (dst.position() - SIZE) + " record bytes, "
                    + recordsLength + " declared");
        }
        while (dst.position() < footprint) {
            dst.put((byte) 0);
        }
        encode(dst, 0, recordCount, firstSequence, durableThrough, recordsLength, flags, salt, offset, checksums);
    }

    /** Whether this is a seal written by a clean close. */
    public boolean isSeal() {
        return (flags & FLAG_SEAL) != 0;
    }

    /** The sequence number after this batch's last record. */
    public long nextSequence() {
        return firstSequence + recordCount;
    }

    /** Writes the header into {@code dst} at absolute index {@code at}; {@code offset} is its place in the segment. */
    public void encode(ByteBuffer dst, int at, long salt, long offset, Checksums checksums) {
        encode(dst, at, recordCount, firstSequence, durableThrough, recordsLength, flags, salt, offset, checksums);
    }

    private static void encode(ByteBuffer dst, int at, int recordCount, long firstSequence, long durableThrough,
            int recordsLength, int flags, long salt, long offset, Checksums checksums) {
        dst.putInt(at, MAGIC).putInt(at + 4, recordCount).putLong(at + 8, firstSequence)
                .putLong(at + 16, durableThrough).putInt(at + 24, recordsLength).putInt(at + 28, flags);
        dst.putInt(at + CRC_OFFSET, checksums.of(salt, offset, dst, at, CRC_OFFSET));
    }

    /**
     * Decodes the {@link #SIZE} bytes at {@code src}'s position, checking magic and checksum.
     *
     * @return the header, or {@code null} if the bytes are not a valid batch header for this place
     */
    public static BatchHeader decode(ByteBuffer src, long salt, long offset, Checksums checksums) {
        if (src.remaining() < SIZE) {
            return null;
        }
        return decode(src, src.position(), salt, offset, checksums);
    }

    /**
     * As {@link #decode(ByteBuffer, long, long, Checksums)} for the header at absolute index
     * {@code at} of {@code src}, which must hold {@link #SIZE} bytes there; allocates nothing but the
     * header it returns and leaves {@code src}'s position and limit alone.
     */
    public static BatchHeader decode(ByteBuffer src, int at, long salt, long offset, Checksums checksums) {
        if (!check(src, at, salt, offset, checksums)) {
            return null;
        }
        return new BatchHeader(src.getInt(at + 4), src.getLong(at + 8), src.getLong(at + 16), src.getInt(at + 24),
                src.getInt(at + 28));
    }

    /**
     * Whether the {@link #SIZE} bytes at absolute index {@code at} of {@code src} are a valid batch
     * header for this place (what {@link #decode(ByteBuffer, int, long, long, Checksums)} accepts);
     * the caller then reads the fields in place. Allocates nothing.
     */
    public static boolean check(ByteBuffer src, int at, long salt, long offset, Checksums checksums) {
        if (at < 0 || src.limit() - at < SIZE) {
            return false;
        }
        if (src.getInt(at) != MAGIC) {
            return false;
        }
        if (src.getInt(at + CRC_OFFSET) != checksums.of(salt, offset, src, at, CRC_OFFSET)) {
            return false;
        }
        int count = src.getInt(at + 4);
        int length = src.getInt(at + 24);
        long first = src.getLong(at + 8);
        return count >= 0 && length >= 0 && first >= 1 && (long) count * RecordFormat.OVERHEAD <= length;
    }

    /** Whether the {@link #SIZE} bytes at absolute index {@code at} of {@code src} are all zero: nothing was written here. */
    public static boolean isZero(ByteBuffer src, int at) {
        return (src.getLong(at) | src.getLong(at + 8) | src.getLong(at + 16) | src.getLong(at + 24)
                | src.getInt(at + 32)) == 0;
    }
}
