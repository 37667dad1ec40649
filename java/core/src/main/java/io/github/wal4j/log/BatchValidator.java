package io.github.wal4j.log;

import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import java.nio.ByteBuffer;

/**
 * Decides what the bytes at one batch boundary of a segment are: a valid batch, the zeros of a
 * tail never written, or damage, with the offset and the reason. Pure: it reads only the buffer it
 * is given and does no I/O, so it can be fed any bytes (a fuzzer, a unit test) without a file.
 *
 * <p>No length is trusted before it is bounded: a batch's records length by
 * {@link BatchHeader#maxRecordsLength} and by the end of the segment's data, a record's length by
 * the maximum record size (the larger of the reader's and the one the segment's header records,
 * plus the seal of a protected segment) and by the bytes left in its batch. Nothing is allocated
 * from a length field: the validator allocates its small results (and, in a protected segment, a
 * view of each record for its sealer), never a buffer; the caller lends the buffer records are
 * opened into.
 *
 * <p>A batch is judged in two steps so that a reader can fetch its records once it knows their
 * length: {@link #header} checks the header at a boundary, {@link #records} the records it
 * declares. {@link #validate} does both over a buffer that holds all the bytes.
 *
 * <p>The records of a large plain batch are checked on two threads: the reader's and the
 * {@link ChecksumHelper}'s, which only computes checksums of records the reader bounded; the
 * result is the one the reader's thread alone would reach (the first problem in record order),
 * and the call returns once the helper no longer reads the buffer.
 *
 * <p>Not thread-safe: the checksum state, and a protected segment's {@link RecordSealer}, belong to
 * one reader.
 */
final class BatchValidator {

    /** What the bytes at a batch boundary are. */
    sealed interface Result permits Valid, Header, Zeros, Damage {
    }

    /**
     * A valid batch, every record checked (and opened, in a protected segment).
     *
     * @param offset the batch's offset in the segment
     * @param header its header
     * @param records the buffer holding its framed records, {@code [length][payload][4 bytes]} each
     *     (the source buffer, or the opened payloads of a protected segment)
     * @param recordsAt the index of the first framed record in {@code records}
     * @param recordsLength the bytes of framed records there
     * @param next the aligned offset after the batch: where the next batch starts
     * @param overLimitSequence the first record longer than the reader's own maximum record size
     *     (valid under the larger one its segment records), or 0 if none
     * @param overLimitSize that record's payload bytes
     */
    record Valid(long offset, BatchHeader header, ByteBuffer records, int recordsAt, int recordsLength, long next,
            long overLimitSequence, int overLimitSize) implements Result {
    }

    /** A valid batch header at {@code offset} whose records {@link #records} has still to check. */
    record Header(long offset, BatchHeader header) implements Result {
    }

    /**
     * Zero bytes where a batch header belongs. Only the header's bytes were seen: it is the end of
     * the data only if every byte up to the end is zero ({@link #firstNonZero}).
     */
    record Zeros(long offset) implements Result {
    }

    /** The bytes at {@code offset} are neither a valid batch nor zeros; {@code reason} says why, with numbers. */
    record Damage(long offset, String reason) implements Result {
    }

    /** Zeros to compare with ({@link #firstNonZero}); read-only, so shared by every thread. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    private final SegmentHeader segment;
    private final RecordSealer sealer;
    /** The larger of the reader's maximum record size and the segment's: longer is damage. */
    private final int recordBound;
    private final int maxStoredSize;
    /** Stored bytes of a record at the reader's own maximum record size: a valid longer one is over its limit. */
    private final long limitStoredSize;
    private final Checksums checksums = new Checksums();
    /** When a plain batch's checksums are shared with the {@link ChecksumHelper}. */
    private final ChecksumHelper.Policy policy;
    /** Where each record of a split batch starts, and its stored bytes ({@link #checkSplit}); grown on demand. */
    private int[] starts = new int[0];
    private int[] sizes = new int[0];
    /** What the last {@link #check} found: the first record over the reader's limit and its payload bytes; 0 if none. */
    private long overLimitSequence;
    private int overLimitSize;

    /**
     * @param segment the segment's header: its salt, alignment, recorded maximum record size and protection
     * @param maxRecordSize the reader's largest valid payload
     * @param sealer the segment's sealer ({@link RecordSealer#PLAIN} for an unprotected segment)
     */
    BatchValidator(SegmentHeader segment, int maxRecordSize, RecordSealer sealer) {
        this(segment, maxRecordSize, sealer, ChecksumHelper.Policy.fromSystemProperties());
    }

    /**
     * As {@link #BatchValidator(SegmentHeader, int, RecordSealer)}, sharing the checksums of plain
     * batches with the {@link ChecksumHelper} as {@code policy} says.
     */
    BatchValidator(SegmentHeader segment, int maxRecordSize, RecordSealer sealer, ChecksumHelper.Policy policy) {
        this.policy = policy;
        this.segment = segment;
        this.sealer = sealer;
        this.recordBound = Math.max(maxRecordSize, segment.maxRecordSize());
        this.maxStoredSize = (int) Math.min(Integer.MAX_VALUE - 8, (long) recordBound + sealer.overhead());
        this.limitStoredSize = (long) maxRecordSize + sealer.overhead();
    }

    /** Whether records must be opened into a side buffer (a protected segment). */
    boolean opens() {
        return sealer != RecordSealer.PLAIN;
    }

    /**
     * Judges the bytes at a batch boundary from the whole of {@code src[at, limit)}: the first step,
     * the header, then the records; a zero header is the end of the data only if zeros run to the
     * buffer's limit.
     *
     * @param offset the segment offset of {@code src[at]}
     * @param expectedSequence the sequence the batch must start with
     * @param plain where a protected segment's records are opened to (at least as long as the batch's
     *     records), or null for a plain segment
     * @return {@link Valid}, {@link Zeros} or {@link Damage}, never {@link Header}
     */
    Result validate(ByteBuffer src, int at, long offset, long expectedSequence, ByteBuffer plain) {
        long dataEnd = offset + (src.limit() - at);
        Result first = header(src, at, offset, expectedSequence, dataEnd);
        if (first instanceof Zeros) {
            int nonZero = firstNonZero(src, at, src.limit());
            return nonZero < 0 ? first : zerosThenData(offset, offset + (nonZero - at));
        }
        if (first instanceof Header h) {
            return records(h, src, at + BatchHeader.SIZE, plain);
        }
        return first;
    }

    /**
     * The first step: the batch header at {@code src[at]}, for segment offset {@code offset}, whose
     * segment's data ends at {@code dataEnd}. {@code src} must hold {@code min(BatchHeader.SIZE,
     * dataEnd - offset)} bytes from {@code at}.
     *
     * @return {@link Header} (header valid, its records lie before {@code dataEnd}), {@link Zeros}, or
     *     {@link Damage}
     */
    Result header(ByteBuffer src, int at, long offset, long expectedSequence, long dataEnd) {
        long remaining = dataEnd - offset;
        if (remaining < BatchHeader.SIZE) {
            return firstNonZero(src, at, at + (int) remaining) < 0 ? new Zeros(offset)
                    : new Damage(offset, "incomplete batch header: " + remaining + " bytes before the end of the data at "
                            + dataEnd);
        }
        if (BatchHeader.isZero(src, at)) {
            return new Zeros(offset);
        }
        BatchHeader header = BatchHeader.decode(src, at, segment.salt(), offset, checksums);
        if (header == null) {
            return new Damage(offset, "bytes at a batch boundary fail the batch header's magic or checksum");
        }
        if (header.firstSequence() != expectedSequence) {
            return new Damage(offset, "batch starts at sequence " + header.firstSequence() + ", expected "
                    + expectedSequence);
        }
        int length = header.recordsLength();
        long bound = BatchHeader.maxRecordsLength(maxStoredSize);
        if (length > bound) {
            return new Damage(offset, "batch declares " + length + " record bytes, more than the bound of "
                    + bound + " for a maximum record size of " + recordBound);
        }
        long end = offset + BatchHeader.SIZE + length;
        if (end > dataEnd) {
            return new Damage(offset, "incomplete batch: its " + length + " record bytes end at offset " + end
                    + ", the data ends at " + dataEnd);
        }
        return new Header(offset, header);
    }

    /**
     * The second step: every record of the batch {@code header} accepted, framed in
     * {@code src[at, at + recordsLength)}. Never throws on bad bytes: every length is bounded before
     * it is used. With {@code plain} (a protected segment), each sealed record is opened into it from
     * index 0, framed as {@code [length][payload][4 zero bytes]} so that readers walk both forms alike;
     * a failed batch leaves the sealer as it was.
     */
    Result records(Header header, ByteBuffer src, int at, ByteBuffer plain) {
        BatchHeader batch = header.header();
        int length = batch.recordsLength();
        if (plain != null) {
            plain.clear();
            sealer.mark();
        }
        String problem = check(batch.firstSequence(), batch.recordCount(), src, at, length, plain);
        if (problem != null) {
            if (plain != null) {
                sealer.reset();
            }
            return new Damage(header.offset(), problem);
        }
        long next = Alignment.up(header.offset() + BatchHeader.SIZE + length, segment.alignment());
        return plain != null
                ? new Valid(header.offset(), batch, plain, 0, plain.position(), next, overLimitSequence, overLimitSize)
                : new Valid(header.offset(), batch, src, at, length, next, overLimitSequence, overLimitSize);
    }

    /**
     * Checks the {@code count} records at {@code buffer[at, at + length)}; returns what is wrong, or
     * null; notes the first record over the reader's limit. What is wrong is the first problem in
     * record order, whichever way the records are checked ({@link #checkSplit} for a large plain
     * batch, the loop here otherwise).
     */
    private String check(long first, int count, ByteBuffer buffer, int at, int length, ByteBuffer plain) {
        overLimitSequence = 0;
        overLimitSize = 0;
        if (plain == null && policy.splits(count, length)) {
            ChecksumHelper helper = ChecksumHelper.tryAcquire();
            if (helper != null) {
                try {
                    return checkSplit(helper, first, count, buffer, at, length);
                } finally {
                    helper.release();
                }
            }
        }
        long salt = segment.salt();
        boolean onePass = segment.onePassRecords();
        int p = at;
        int end = at + length;
        long sequence = first;
        for (int i = 0; i < count; i++, sequence++) {
            int left = end - p;
            String bounds = outOfBounds(sequence, buffer, p, left);
            if (bounds != null) {
                return bounds;
            }
            int size = RecordFormat.lengthAt(buffer, p);
            // In bounds now: [p, p + 8 + size) lies inside the batch.
            int stored = RecordFormat.checksumAt(buffer, p, size);
            if (stored != RecordFormat.checksum(onePass, salt, sequence, buffer, p, size, checksums)) {
                return "record " + sequence + ": checksum mismatch";
            }
            if (plain != null) {
                int to = plain.position();
                plain.putInt(0);
                if (!sealer.open(sequence, buffer.slice(RecordFormat.payloadAt(p), size), plain)) {
                    return "record " + sequence + ": checksum holds but authentication fails ("
                            + SegmentKeys.describe(segment.protection()) + "): the record was altered, moved, "
                            + "reordered or copied from elsewhere";
                }
                plain.putInt(to, plain.position() - to - 4).putInt(0);
            }
            noteOverLimit(sequence, size);
            p += RecordFormat.OVERHEAD + size;
        }
        return trailing(p, end, count);
    }

    /**
     * {@link #check} of a plain batch with the checksums shared with the {@link ChecksumHelper}.
     * First the bounds of every record, in order, as the loop of {@link #check} checks them, up to
     * the first that fails (each record's place follows from the lengths before it); then the
     * checksums of the records before that one, on both threads. The answer is the loop's: a
     * checksum failure of a record before the first out-of-bounds one (the first such record), else
     * that bounds failure, else bytes left after the last record, else null.
     */
    private String checkSplit(ChecksumHelper helper, long first, int count, ByteBuffer buffer, int at, int length) {
        if (starts.length < count) {
            starts = new int[Math.max(count, 2 * starts.length)];
            sizes = new int[starts.length];
        }
        int p = at;
        int end = at + length;
        String bounds = null;
        int inBounds = 0;
        for (; inBounds < count; inBounds++) {
            bounds = outOfBounds(first + inBounds, buffer, p, end - p);
            if (bounds != null) {
                break;
            }
            int size = RecordFormat.lengthAt(buffer, p);
            starts[inBounds] = p;
            sizes[inBounds] = size;
            p += RecordFormat.OVERHEAD + size;
        }
        int chunkRecords = (int) Math.max(1, Math.min(count, (long) count * policy.chunkBytes() / length));
        int bad = helper.firstMismatch(checksums, buffer, segment.onePassRecords(), segment.salt(), first, starts, sizes, inBounds, chunkRecords);
        if (bad >= 0) {
            return "record " + (first + bad) + ": checksum mismatch";
        }
        if (bounds != null) {
            return bounds;
        }
        for (int i = 0; i < count; i++) {
            noteOverLimit(first + i, sizes[i]);
        }
        return trailing(p, end, count);
    }

    /**
     * What is wrong with the bounds of record {@code sequence}, whose length field is at
     * {@code buffer[p]} with {@code left} bytes left in its batch; null if {@code [p, p + 8 + size)}
     * lies inside the batch and the size is one a record may have.
     */
    private String outOfBounds(long sequence, ByteBuffer buffer, int p, int left) {
        int overhead = sealer.overhead();
        if (left < RecordFormat.OVERHEAD) {
            return "record " + sequence + ": " + left + " bytes left in the batch, a record needs "
                    + RecordFormat.OVERHEAD;
        }
        int size = RecordFormat.lengthAt(buffer, p);
        if (size < 0 || size > maxStoredSize) {
            return "record " + sequence + ": length field " + Integer.toUnsignedString(size)
                    + " exceeds the maximum record size " + recordBound
                    + (overhead > 0 ? " + " + overhead + " bytes of seal" : "");
        }
        if (size < overhead) {
            return "record " + sequence + ": length field " + size + " is shorter than its "
                    + overhead + "-byte seal";
        }
        if (size > left - RecordFormat.OVERHEAD) {
            return "record " + sequence + ": length field " + size + " runs past its batch ("
                    + (left - RecordFormat.OVERHEAD) + " bytes left)";
        }
        return null;
    }

    /** Notes record {@code sequence} of {@code size} stored bytes if it is the first over the reader's limit. */
    private void noteOverLimit(long sequence, int size) {
        if (size > limitStoredSize && overLimitSequence == 0) {
            overLimitSequence = sequence;
            overLimitSize = size - sealer.overhead();
        }
    }

    /** What is wrong with a batch whose {@code count} valid records end at {@code p}, its records at {@code end}. */
    private static String trailing(int p, int end, int count) {
        return p != end ? "batch holds " + (end - p) + " bytes after its " + count + " records" : null;
    }

    /** The damage of a zero batch header followed, at {@code nonZero}, by data. */
    static Damage zerosThenData(long offset, long nonZero) {
        return new Damage(offset, "zeros where a batch header belongs, but non-zero bytes follow at offset " + nonZero);
    }

    /**
     * The index of the first non-zero byte in {@code src[from, to)}, or -1. Compared against a
     * buffer of zeros with {@link ByteBuffer#mismatch}, which the JVM runs vectorized: a
     * preallocated segment's tail is tens of megabytes of zeros, checked at every open.
     */
    static int firstNonZero(ByteBuffer src, int from, int to) {
        for (int at = from; at < to; at += ZEROS.capacity()) {
            int length = Math.min(ZEROS.capacity(), to - at);
            int mismatch = src.slice(at, length).mismatch(ZEROS.slice(0, length));
            if (mismatch >= 0) {
                return at + mismatch;
            }
        }
        return -1;
    }
}
