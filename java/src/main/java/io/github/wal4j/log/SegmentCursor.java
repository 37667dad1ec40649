package io.github.wal4j.log;

import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.io.StorageFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads the batches of one segment in order and validates each one whole: its header (magic,
 * checksum, sequence) and every record in it (length bounds, checksum). A batch is accepted only
 * if all of it is valid, because it was written and synced as one unit.
 *
 * <p>The cursor never trusts a length before bounding it: a batch length by the file's end and by
 * {@link BatchHeader#maxRecordsLength}, a record length by the maximum record size and by the
 * bytes left in its batch. It reads at most {@code limit} bytes of the file.
 *
 * <p>In a protected segment each record must also authenticate ({@link RecordSealer}); one that
 * passes its checksum but not its seal is damage like any other, and {@link #records()} holds the
 * opened (decrypted) payloads.
 *
 * <p>{@link #next()} returns false at the end of the valid data; {@link #stop()} then says why:
 * the end of the file, a zero-filled tail (preallocated or never written), or damage at an offset.
 */
public final class SegmentCursor {
    private static final int CHUNK = 1 << 20;

    /**
     * Why the cursor stopped.
     *
     * @param offset where the valid data ends (a batch boundary)
     * @param damaged whether the bytes at {@code offset} are neither a valid batch nor end of data
     * @param reason what is there, with numbers
     * @param zeroBytes for an undamaged stop, how many zero bytes follow {@code offset}
     */
    public record Stop(long offset, boolean damaged, String reason, long zeroBytes) {
    }

    private final StorageFile file;
    private final SegmentHeader header;
    private final long limit;
    private final int maxRecordSize;
    private final int maxStoredSize;
    private final RecordSealer sealer;
    private final Checksums checksums = new Checksums();
    private ByteBuffer opened;
    private ByteBuffer window = ByteBuffer.allocate(CHUNK);
    private long windowStart;
    private int windowLength;
    private long position;
    private long expectedSequence;
    private BatchHeader batch;
    private long batchOffset;
    private ByteBuffer records;
    private Stop stop;

    /**
     * @param file the open segment
     * @param header its decoded header
     * @param limit bytes of the file to read (its size, or the end of what a writer has completed)
     * @param maxRecordSize the largest valid payload
     * @param sealer the segment's sealer ({@link RecordSealer#PLAIN} for an unprotected segment)
     */
    public SegmentCursor(StorageFile file, SegmentHeader header, long limit, int maxRecordSize, RecordSealer sealer) {
        this.file = file;
        this.header = header;
        this.limit = limit;
        this.maxRecordSize = maxRecordSize;
        this.sealer = sealer;
        this.maxStoredSize = (int) Math.min(Integer.MAX_VALUE - 8, (long) maxRecordSize + sealer.overhead());
        this.position = header.alignment();
        this.expectedSequence = header.firstSequence();
    }

    /** Decodes the segment header at the start of {@code file} (see {@link SegmentHeader#decode}). */
    public static SegmentHeader.Decoded readHeader(StorageFile file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(file.size(), SegmentHeader.MAX_ENCODED_SIZE));
        while (b.hasRemaining() && file.read(b, b.position()) >= 0) {
            // fill
        }
        return SegmentHeader.decode(b.flip(), new Checksums());
    }

    /** The header of the batch {@link #next()} accepted last. */
    public BatchHeader batch() {
        return batch;
    }

    /** The offset of the batch {@link #next()} accepted last. */
    public long batchOffset() {
        return batchOffset;
    }

    /**
     * The framed records of the current batch, positioned at the first one; valid until the next
     * call of {@link #next()}. Iterate them with {@link #nextPayload(ByteBuffer)}.
     */
    public ByteBuffer records() {
        return records;
    }

    /** The aligned offset after the last accepted batch: where the next batch would start. */
    public long position() {
        return position;
    }

    /** The sequence number the next batch must start with. */
    public long expectedSequence() {
        return expectedSequence;
    }

    /** Why {@link #next()} returned false; {@code null} before it did. */
    public Stop stop() {
        return stop;
    }

    /** Takes the next record's payload off {@code records} (already validated) as a view. */
    public static ByteBuffer nextPayload(ByteBuffer records) {
        int length = records.getInt();
        ByteBuffer payload = records.slice(records.position(), length);
        records.position(records.position() + length + 4);
        return payload;
    }

    /** Advances to the next valid batch; false at the end of the valid data (see {@link #stop()}). */
    public boolean next() throws IOException {
        if (stop != null) {
            return false;
        }
        batch = null;
        records = null;
        long remaining = limit - position;
        if (remaining <= 0) {
            return end(0);
        }
        if (remaining < BatchHeader.SIZE) {
            long nonZero = firstNonZero(position, limit);
            return nonZero < 0 ? end(remaining)
                    : damage("incomplete batch header: " + remaining + " bytes before the end of the data at " + limit);
        }
        ByteBuffer head = read(position, BatchHeader.SIZE);
        if (BatchHeader.isZero(head)) {
            long nonZero = firstNonZero(position, limit);
            return nonZero < 0 ? end(remaining)
                    : damage("zeros where a batch header belongs, but non-zero bytes follow at offset " + nonZero);
        }
        BatchHeader candidate = BatchHeader.decode(head, header.salt(), position, checksums);
        if (candidate == null) {
            return damage("bytes at a batch boundary fail the batch header's magic or checksum");
        }
        if (candidate.firstSequence() != expectedSequence) {
            return damage("batch starts at sequence " + candidate.firstSequence() + ", expected " + expectedSequence);
        }
        long bound = BatchHeader.maxRecordsLength(maxStoredSize);
        if (candidate.recordsLength() > bound) {
            return damage("batch declares " + candidate.recordsLength() + " record bytes, more than the bound of "
                    + bound + " for a maximum record size of " + maxRecordSize);
        }
        long end = position + BatchHeader.SIZE + candidate.recordsLength();
        if (end > limit) {
            return damage("incomplete batch: its " + candidate.recordsLength() + " record bytes end at offset " + end
                    + ", the data ends at " + limit);
        }
        ByteBuffer body = read(position + BatchHeader.SIZE, candidate.recordsLength());
        ByteBuffer plain = null;
        if (sealer != RecordSealer.PLAIN) {
            if (opened == null || opened.capacity() < candidate.recordsLength()) {
                opened = ByteBuffer.allocate(Math.max(candidate.recordsLength(), 64 << 10));
            }
            plain = opened.clear();
            sealer.mark();
        }
        String problem = validate(candidate, body, plain);
        if (problem != null) {
            if (plain != null) {
                sealer.reset();
            }
            return damage(problem);
        }
        batch = candidate;
        batchOffset = position;
        records = plain != null ? plain.flip() : body.rewind();
        position = Alignment.up(end, header.alignment());
        expectedSequence = candidate.nextSequence();
        return true;
    }

    /**
     * Checks every record of a batch; returns what is wrong, or null. Never throws on bad bytes. With
     * {@code plain}, also opens each sealed record into it, framed as [length][payload][4 zero bytes]
     * so that {@link #nextPayload} reads both forms alike.
     */
    private String validate(BatchHeader candidate, ByteBuffer body, ByteBuffer plain) {
        long sequence = candidate.firstSequence();
        for (int i = 0; i < candidate.recordCount(); i++, sequence++) {
            if (body.remaining() < RecordFormat.OVERHEAD) {
                return "record " + sequence + ": " + body.remaining() + " bytes left in the batch, a record needs "
                        + RecordFormat.OVERHEAD;
            }
            int length = body.getInt();
            if (length < 0 || length > maxStoredSize) {
                return "record " + sequence + ": length field " + Integer.toUnsignedString(length)
                        + " exceeds the maximum record size " + maxRecordSize
                        + (sealer.overhead() > 0 ? " + " + sealer.overhead() + " bytes of seal" : "");
            }
            if (length < sealer.overhead()) {
                return "record " + sequence + ": length field " + length + " is shorter than its "
                        + sealer.overhead() + "-byte seal";
            }
            if (length > body.remaining() - 4) {
                return "record " + sequence + ": length field " + length + " runs past its batch ("
                        + (body.remaining() - 4) + " bytes left)";
            }
            ByteBuffer payload = body.slice(body.position(), length);
            int stored = body.getInt(body.position() + length);
            if (!RecordFormat.verify(stored, header.salt(), sequence, payload, checksums)) {
                return "record " + sequence + ": checksum mismatch";
            }
            if (plain != null) {
                int at = plain.position();
                plain.putInt(0);
                if (!sealer.open(sequence, payload, plain)) {
                    return "record " + sequence + ": checksum holds but authentication fails ("
                            + SegmentKeys.describe(header.protection()) + "): the record was altered, moved, "
                            + "reordered or copied from elsewhere";
                }
                plain.putInt(at, plain.position() - at - 4).putInt(0);
            }
            body.position(body.position() + length + 4);
        }
        if (body.hasRemaining()) {
            return "batch holds " + body.remaining() + " bytes after its " + candidate.recordCount() + " records";
        }
        return null;
    }

    /**
     * Looks for proof that data at or after the damage was acknowledged: a valid batch header further
     * on whose durable-through mark reaches {@code sequence}. Returns a description of the first such
     * batch, or {@code null} if none exists in this segment.
     */
    public String findDurableClaim(long fromOffset, long sequence) throws IOException {
        int alignment = header.alignment();
        long offset = Alignment.up(fromOffset, alignment);
        while (offset + BatchHeader.SIZE <= limit) {
            int length = (int) Math.min(CHUNK, limit - offset);
            ByteBuffer chunk = read(offset, length);
            for (int at = 0; at + BatchHeader.SIZE <= length; at += alignment) {
                if (chunk.getInt(at) != BatchHeader.MAGIC) {
                    continue;
                }
                BatchHeader candidate = BatchHeader.decode(chunk.duplicate().position(at), header.salt(), offset + at,
                        checksums);
                if (candidate != null && candidate.durableThrough() >= sequence) {
                    return "the batch at offset " + (offset + at) + " (sequences " + candidate.firstSequence()
                            + (candidate.isSeal() ? ", a clean-close seal" : "") + ") was written after records up to "
                            + candidate.durableThrough() + " were durable";
                }
            }
            offset += Math.max(alignment, length - length % alignment);
        }
        return null;
    }

    /** The offset of the first non-zero byte in [from, to), or -1. */
    private long firstNonZero(long from, long to) throws IOException {
        long offset = from;
        while (offset < to) {
            int length = (int) Math.min(CHUNK, to - offset);
            ByteBuffer chunk = read(offset, length);
            for (int i = 0; i < length; i++) {
                if (chunk.get(i) != 0) {
                    return offset + i;
                }
            }
            offset += length;
        }
        return -1;
    }

    private boolean end(long zeroBytes) {
        stop = new Stop(position, false, zeroBytes == 0 ? "end of data" : zeroBytes + " zero bytes (never written)",
                zeroBytes);
        return false;
    }

    private boolean damage(String reason) {
        stop = new Stop(position, true, reason, 0);
        return false;
    }

    /**
     * Exactly {@code length} bytes at {@code offset}, as a buffer whose index 0 is {@code offset};
     * valid until the next read. Reads ahead in windows of {@link #CHUNK} bytes so that a log of
     * small batches costs one system call per window, not two per batch.
     */
    private ByteBuffer read(long offset, int length) throws IOException {
        if (offset >= windowStart && offset + length <= windowStart + windowLength) {
            return window.slice((int) (offset - windowStart), length);
        }
        int want = (int) Math.max(length, Math.min(CHUNK, limit - offset));
        if (window.capacity() < want) {
            window = ByteBuffer.allocate(want);
        }
        ByteBuffer dst = window.clear().limit(want);
        windowLength = 0;
        while (dst.hasRemaining()) {
            int n = file.read(dst, offset + dst.position());
            if (n < 0) {
                // Reading ahead may run into the end of the file (a limit past a padding block that
                // was never written); only the bytes actually asked for must be there.
                if (dst.position() >= length) {
                    break;
                }
                throw new EOFException("segment ended at " + (offset + dst.position()) + " while reading "
                        + length + " bytes at " + offset + " (it shrank while being read)");
            }
        }
        windowStart = offset;
        windowLength = dst.position();
        return window.slice(0, length);
    }
}
