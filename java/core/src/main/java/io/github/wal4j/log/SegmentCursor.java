package io.github.wal4j.log;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.StorageFile;
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
 * bytes left in its batch. It reads at most {@code limit} bytes of the file. The maximum record
 * size is the larger of the reader's and the one the segment's header records
 * ({@link SegmentHeader#maxRecordSize()}): a record written under a larger limit than the reader's
 * validates, and {@link #overLimitSequence()} names it, for the caller to refuse as a configuration
 * error rather than damage.
 *
 * <p>In a protected segment each record must also authenticate ({@link RecordSealer}); one that
 * passes its checksum but not its seal is damage like any other, and {@link #records()} holds the
 * opened (decrypted) payloads.
 *
 * <p>{@link #next()} returns false at the end of the valid data; {@link #stop()} then says why:
 * the end of the file, a zero-filled tail (preallocated or never written), or damage at an offset.
 *
 * <p>Speed (a log is read whole at every open and every replay): the file is read ahead in
 * windows of up to {@link #CHUNK} bytes into a direct buffer, which the I/O layers fill with one
 * {@code pread} and no copy through a temporary buffer; headers, lengths and checksums are then
 * read and computed in place, by absolute index, so a batch costs no allocation (its header
 * fields are read in place; {@link #batch()} makes a record of them only when asked; a protected
 * segment's records are opened into a side buffer). A zero tail is checked eight bytes at a
 * time. Successive cursors of one reader can share the window ({@link #SegmentCursor(StorageFile,
 * SegmentHeader, long, int, RecordSealer, SegmentCursor)}).
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
    /** The larger of the reader's maximum record size and the segment's: longer is damage. */
    private final int recordBound;
    private final int maxStoredSize;
    /** Stored bytes of a record at the reader's own maximum record size: a valid longer one is over its limit. */
    private final long limitStoredSize;
    /** The first record of the current batch over the reader's limit, and its payload bytes; 0 if none. */
    private long overLimitSequence;
    private int overLimitSize;
    private final RecordSealer sealer;
    private final Checksums checksums = new Checksums();
    private ByteBuffer opened;
    private ByteBuffer openedView;
    /** The read-ahead window: a direct buffer, allocated on first use and grown on demand. */
    private ByteBuffer window;
    /** A read-only view of {@link #window}, for {@link #recordsView()}. */
    private ByteBuffer windowView;
    private long windowStart;
    private int windowLength;
    private long position;
    private long expectedSequence;
    /** The accepted batch's header: its fields, and the record made of them on demand. */
    private boolean accepted;
    private int batchCount;
    private long batchFirst;
    private long batchDurable;
    private int batchLength;
    private int batchFlags;
    private BatchHeader batch;
    private long batchOffset;
    /** The current batch's framed records: {@link #window} or {@link #opened}, from index {@code recordsAt}. */
    private ByteBuffer recordsIn;
    private int recordsAt;
    private int recordsLength;
    private Stop stop;

    /**
     * @param file the open segment
     * @param header its decoded header
     * @param limit bytes of the file to read (its size, or the end of what a writer has completed)
     * @param maxRecordSize the reader's largest valid payload (a segment whose header records a larger
     *     one is read with that)
     * @param sealer the segment's sealer ({@link RecordSealer#PLAIN} for an unprotected segment)
     */
    public SegmentCursor(StorageFile file, SegmentHeader header, long limit, int maxRecordSize, RecordSealer sealer) {
        this.file = file;
        this.header = header;
        this.limit = limit;
        this.sealer = sealer;
        this.recordBound = Math.max(maxRecordSize, header.maxRecordSize());
        this.maxStoredSize = (int) Math.min(Integer.MAX_VALUE - 8, (long) recordBound + sealer.overhead());
        this.limitStoredSize = (long) maxRecordSize + sealer.overhead();
        this.position = header.alignment();
        this.expectedSequence = header.firstSequence();
    }

    /**
     * As {@link #SegmentCursor(StorageFile, SegmentHeader, long, int, RecordSealer)}, taking over the
     * read buffers of {@code previous} (which must not be used any more), so that a reader of many
     * segments allocates them once.
     */
    public SegmentCursor(StorageFile file, SegmentHeader header, long limit, int maxRecordSize, RecordSealer sealer,
            SegmentCursor previous) {
        this(file, header, limit, maxRecordSize, sealer);
        if (previous != null) {
            window = previous.window;
            windowView = previous.windowView;
            opened = previous.opened;
            openedView = previous.openedView;
            previous.window = null;
            previous.windowView = null;
            previous.opened = null;
            previous.openedView = null;
            previous.windowLength = 0;
            previous.recordsIn = null;
        }
    }

    /** Decodes the segment header at the start of {@code file} (see {@link SegmentHeader#decode}). */
    public static SegmentHeader.Decoded readHeader(StorageFile file) throws IOException {
        ByteBuffer b = file.readFully(ByteBuffer.allocate((int) Math.min(file.size(), SegmentHeader.MAX_ENCODED_SIZE)), 0);
        return SegmentHeader.decode(b.flip(), new Checksums());
    }

    /** The header of the batch {@link #next()} accepted last. */
    public BatchHeader batch() {
        if (batch == null && accepted) {
            batch = new BatchHeader(batchCount, batchFirst, batchDurable, batchLength, batchFlags);
        }
        return batch;
    }

    /** The first sequence of the batch {@link #next()} accepted last; as {@code batch().firstSequence()}. */
    public long batchFirstSequence() {
        return batchFirst;
    }

    /** The record count of the batch {@link #next()} accepted last; as {@code batch().recordCount()}. */
    public int batchRecordCount() {
        return batchCount;
    }

    /** The durable-through mark of the batch {@link #next()} accepted last; as {@code batch().durableThrough()}. */
    public long batchDurableThrough() {
        return batchDurable;
    }

    /** Whether the batch {@link #next()} accepted last is a seal; as {@code batch().isSeal()}. */
    public boolean batchIsSeal() {
        return (batchFlags & BatchHeader.FLAG_SEAL) != 0;
    }

    /**
     * The first record of the batch {@link #next()} accepted last that is longer than the reader's
     * maximum record size (valid under the larger one its segment was written with), or 0 if none.
     */
    public long overLimitSequence() {
        return overLimitSequence;
    }

    /** The payload bytes of the record {@link #overLimitSequence()} names. */
    public int overLimitSize() {
        return overLimitSize;
    }

    /** The offset of the batch {@link #next()} accepted last. */
    public long batchOffset() {
        return batchOffset;
    }

    /**
     * The framed records of the current batch, positioned at the first one, each as
     * {@code [length][payload][4 bytes]} (the payload opened if the segment is protected); valid
     * until the next call of {@link #next()}.
     */
    public ByteBuffer records() {
        return recordsIn == null ? null : recordsIn.slice(recordsAt, recordsLength);
    }

    /**
     * The buffer holding the current batch's framed records, all validated, from index
     * {@link #recordsAt()} to {@link #recordsEnd()}; {@code null} if there is no current batch. This
     * is the cursor's own read buffer: read it by absolute index, never hand it out or change it.
     * Valid until the next call of {@link #next()}.
     */
    ByteBuffer recordsBuffer() {
        return recordsIn;
    }

    /** Index of the current batch's first framed record in {@link #recordsBuffer()}. */
    int recordsAt() {
        return recordsAt;
    }

    /** Index after the current batch's last framed record in {@link #recordsBuffer()}. */
    int recordsEnd() {
        return recordsAt + recordsLength;
    }

    /**
     * Lends every record of the batch {@link #next()} accepted last whose sequence is at least
     * {@code fromSequence} to {@code visitor}, in order, as {@link PayloadVisitor} describes (a
     * read-only view of the payload, valid during the call). The batch was validated whole.
     */
    void visitBatch(long fromSequence, PayloadVisitor visitor) throws IOException {
        ByteBuffer records = recordsIn;
        ByteBuffer view = lendingView();
        int at = recordsAt;
        long sequence = batchFirst;
        for (int i = 0; i < batchCount; i++, sequence++) {
            int length = records.getInt(at);
            if (sequence >= fromSequence) {
                view.limit(at + 4 + length).position(at + 4);
                visitor.visit(sequence, view);
            }
            at += RecordFormat.OVERHEAD + length;
        }
    }

    /**
     * A read-only view of {@link #recordsBuffer()} (same indexes), made once per buffer allocation,
     * for lending one payload at a time: the borrower sets its position and limit to the payload.
     */
    ByteBuffer lendingView() {
        if (recordsIn == null) {
            return null;
        }
        return recordsIn == window ? windowView : openedView;
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

    /** Advances to the next valid batch; false at the end of the valid data (see {@link #stop()}). */
    public boolean next() throws IOException {
        if (stop != null) {
            return false;
        }
        batch = null;
        accepted = false;
        recordsIn = null;
        overLimitSequence = 0;
        long remaining = limit - position;
        if (remaining <= 0) {
            return end(0);
        }
        if (remaining < BatchHeader.SIZE) {
            long nonZero = firstNonZero(position, limit);
            return nonZero < 0 ? end(remaining)
                    : damage("incomplete batch header: " + remaining + " bytes before the end of the data at " + limit);
        }
        int head = locate(position, BatchHeader.SIZE);
        if (window.getInt(head) != BatchHeader.MAGIC && BatchHeader.isZero(window, head)) {
            long nonZero = firstNonZero(position, limit);
            return nonZero < 0 ? end(remaining)
                    : damage("zeros where a batch header belongs, but non-zero bytes follow at offset " + nonZero);
        }
        if (!BatchHeader.check(window, head, header.salt(), position, checksums)) {
            return damage("bytes at a batch boundary fail the batch header's magic or checksum");
        }
        // The header is valid: read its fields in place (before the body's read may move the window).
        int count = window.getInt(head + 4);
        long first = window.getLong(head + 8);
        long durable = window.getLong(head + 16);
        int length = window.getInt(head + 24);
        int flags = window.getInt(head + 28);
        if (first != expectedSequence) {
            return damage("batch starts at sequence " + first + ", expected " + expectedSequence);
        }
        long bound = BatchHeader.maxRecordsLength(maxStoredSize);
        if (length > bound) {
            return damage("batch declares " + length + " record bytes, more than the bound of "
                    + bound + " for a maximum record size of " + recordBound);
        }
        long end = position + BatchHeader.SIZE + length;
        if (end > limit) {
            return damage("incomplete batch: its " + length + " record bytes end at offset " + end
                    + ", the data ends at " + limit);
        }
        int body = locate(position + BatchHeader.SIZE, length);
        ByteBuffer plain = null;
        if (sealer != RecordSealer.PLAIN) {
            if (opened == null || opened.capacity() < length) {
                opened = ByteBuffer.allocate(Math.max(length, 64 << 10));
                openedView = opened.asReadOnlyBuffer();
            }
            plain = opened.clear();
            sealer.mark();
        }
        String problem = validate(first, count, window, body, length, plain);
        if (problem != null) {
            overLimitSequence = 0;
            if (plain != null) {
                sealer.reset();
            }
            return damage(problem);
        }
        accepted = true;
        batchCount = count;
        batchFirst = first;
        batchDurable = durable;
        batchLength = length;
        batchFlags = flags;
        batchOffset = position;
        if (plain != null) {
            recordsIn = opened;
            recordsAt = 0;
            recordsLength = plain.position();
        } else {
            recordsIn = window;
            recordsAt = body;
            recordsLength = length;
        }
        position = Alignment.up(end, header.alignment());
        expectedSequence = first + count;
        return true;
    }

    /**
     * Checks every record of the batch at {@code buffer[at, at + length)}; returns what is wrong, or
     * null. Never throws on bad bytes: every length is bounded before it is used. With {@code plain},
     * also opens each sealed record into it, framed as [length][payload][4 zero bytes] so that
     * readers of {@link #records()} walk both forms alike.
     */
    private String validate(long first, int count, ByteBuffer buffer, int at, int length, ByteBuffer plain) {
        long salt = header.salt();
        int overhead = sealer.overhead();
        int p = at;
        int end = at + length;
        long sequence = first;
        for (int i = 0; i < count; i++, sequence++) {
            int left = end - p;
            if (left < RecordFormat.OVERHEAD) {
                return "record " + sequence + ": " + left + " bytes left in the batch, a record needs "
                        + RecordFormat.OVERHEAD;
            }
            int size = buffer.getInt(p);
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
            // In bounds now: [p, p + 8 + size) lies inside the batch.
            int stored = buffer.getInt(p + 4 + size);
            if (stored != checksums.ofFramedRecord(salt, sequence, buffer, p, size)) {
                return "record " + sequence + ": checksum mismatch";
            }
            if (plain != null) {
                int to = plain.position();
                plain.putInt(0);
                if (!sealer.open(sequence, buffer.slice(p + 4, size), plain)) {
                    return "record " + sequence + ": checksum holds but authentication fails ("
                            + SegmentKeys.describe(header.protection()) + "): the record was altered, moved, "
                            + "reordered or copied from elsewhere";
                }
                plain.putInt(to, plain.position() - to - 4).putInt(0);
            }
            if (size > limitStoredSize && overLimitSequence == 0) {
                overLimitSequence = sequence;
                overLimitSize = size - overhead;
            }
            p += RecordFormat.OVERHEAD + size;
        }
        if (p != end) {
            return "batch holds " + (end - p) + " bytes after its " + count + " records";
        }
        return null;
    }

    /**
     * Looks for proof that data at or after the damage was acknowledged: a valid batch header further
     * on whose durable-through mark reaches {@code sequence}. Returns a description of the first such
     * batch, or {@code null} if none exists in this segment.
     */
    public String findDurableClaim(long fromOffset, long sequence) throws IOException {
        long[] at = new long[1];
        BatchHeader claim = scanHeaders(fromOffset, (offset, candidate) -> {
            at[0] = offset;
            return candidate.durableThrough() >= sequence;
        });
        if (claim == null) {
            return null;
        }
        return "the batch at offset " + at[0] + " (sequences " + claim.firstSequence()
                + (claim.isSeal() ? ", a clean-close seal" : "") + ") was written after records up to "
                + claim.durableThrough() + " were durable";
    }

    /**
     * The highest sequence any valid batch header from {@code fromOffset} on names: its last record,
     * or its durable-through mark. What point-in-time recovery learns of the sequences a cut part
     * held, so that none is handed out again; 0 if no header is found.
     */
    public long highestSequenceFrom(long fromOffset) throws IOException {
        long[] highest = new long[1];
        scanHeaders(fromOffset, (offset, candidate) -> {
            highest[0] = Math.max(highest[0], Math.max(candidate.nextSequence() - 1, candidate.durableThrough()));
            return false;
        });
        return highest[0];
    }

    /** What {@link #scanHeaders} does with each valid header: true stops the scan there. */
    @FunctionalInterface
    private interface HeaderVisitor {
        boolean stopAt(long offset, BatchHeader header);
    }

    /**
     * Visits every valid batch header at an aligned offset from {@code fromOffset} on, whether or not
     * the batches around it are valid (damage may lie between); returns the one the visitor stopped
     * at, or null.
     */
    private BatchHeader scanHeaders(long fromOffset, HeaderVisitor visitor) throws IOException {
        int alignment = header.alignment();
        long offset = Alignment.up(fromOffset, alignment);
        while (offset + BatchHeader.SIZE <= limit) {
            int length = (int) Math.min(CHUNK, limit - offset);
            int base = locate(offset, length);
            for (int at = 0; at + BatchHeader.SIZE <= length; at += alignment) {
                if (window.getInt(base + at) != BatchHeader.MAGIC) {
                    continue;
                }
                BatchHeader candidate = BatchHeader.decode(window, base + at, header.salt(), offset + at, checksums);
                if (candidate != null && visitor.stopAt(offset + at, candidate)) {
                    return candidate;
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
            int base = locate(offset, length);
            int i = 0;
            for (; i <= length - 8; i += 8) {
                if (window.getLong(base + i) != 0) {
                    break;
                }
            }
            for (; i < length; i++) {
                if (window.get(base + i) != 0) {
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
     * Makes sure the {@code length} bytes at file offset {@code offset} are in {@link #window} and
     * returns the index of the first; valid until the next call. Reads ahead in windows of
     * {@link #CHUNK} bytes so that a log of small batches costs one system call per window, not two
     * per batch.
     */
    private int locate(long offset, int length) throws IOException {
        if (window != null && offset >= windowStart && offset + length <= windowStart + windowLength) {
            return (int) (offset - windowStart);
        }
        int want = (int) Math.max(length, Math.min(CHUNK, limit - offset));
        if (window == null || window.capacity() < want) {
            // Direct: the I/O layers read into it with no copy through a temporary buffer. A small
            // segment gets a small window; the window grows to the largest batch met.
            int capacity = window == null ? Math.max(want, 4096)
                    : (int) Math.min(Integer.MAX_VALUE - 8, Math.max(want, Math.min(CHUNK, 2L * window.capacity())));
            window = ByteBuffer.allocateDirect(capacity);
            windowView = window.asReadOnlyBuffer();
            recordsIn = null;
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
        return 0;
    }
}
