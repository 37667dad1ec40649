package io.github.wal4j.log;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads the batches of one segment in order and validates each one whole: its header (magic,
 * checksum, sequence) and every record in it (length bounds, checksum, seal), as
 * {@link BatchValidator} decides. A batch is accepted only if all of it is valid, because it was
 * written and synced as one unit. It reads at most {@code limit} bytes of the file, and never
 * trusts a length before the validator bounded it.
 *
 * <p>The maximum record size is the larger of the reader's and the one the segment's header
 * records ({@link SegmentHeader#maxRecordSize()}): a record written under a larger limit than the
 * reader's validates, and {@link #overLimitSequence()} names it, for the caller to refuse as a
 * configuration error rather than damage. In a protected segment {@link #records()} holds the
 * opened (decrypted) payloads.
 *
 * <p>{@link #next()} returns false at the end of the valid data; {@link #stop()} then says why:
 * the end of the file, a zero-filled tail (preallocated or never written), or damage at an offset.
 * The accepted batch is read through one set of accessors: {@link #batch()} (its header's fields),
 * {@link #batchOffset()}, and its framed records, either as a slice ({@link #records()}) or, for
 * the zero-copy readers of this package, in place ({@link #recordsBuffer()}, {@link #recordsAt()},
 * {@link #lendingView()}, {@link #visitBatch}).
 *
 * <p>The file is read through a {@link ReadAhead} window; successive cursors of one reader can share
 * it ({@link #SegmentCursor(StorageFile, SegmentHeader, long, int, RecordSealer, SegmentCursor)}).
 * Not thread-safe: one reader's.
 */
final class SegmentCursor {

    /**
     * Why the cursor stopped.
     *
     * @param offset where the valid data ends (a batch boundary)
     * @param damaged whether the bytes at {@code offset} are neither a valid batch nor end of data
     * @param reason what is there, with numbers
     * @param zeroBytes for an undamaged stop, how many zero bytes follow {@code offset}
     * @param staleBytes for an undamaged stop in a recycled segment ({@link SegmentHeader#recycled()}),
     *     how many bytes of an earlier use of the file follow {@code offset} ({@link #endOfUseAt})
     */
    public record Stop(long offset, boolean damaged, String reason, long zeroBytes, long staleBytes) {
        /** A stop with no stale bytes after it. */
        public Stop(long offset, boolean damaged, String reason, long zeroBytes) {
            this(offset, damaged, reason, zeroBytes, 0);
        }
    }

    private final StorageFile file;
    private final SegmentHeader header;
    private long limit;
    private final BatchValidator validator;
    private final Checksums checksums = new Checksums();
    private ReadAhead buffers = new ReadAhead();
    private long position;
    private long expectedSequence;
    /** In a recycled segment, the sequence at which its data provably ends ({@link #endOfUseAt}); 0 if unknown. */
    private long endOfUse;
    /** The batch {@link #next()} accepted last, or null. */
    private BatchValidator.Valid current;
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
        this.validator = new BatchValidator(header, maxRecordSize, sealer);
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
            buffers = previous.buffers;
            buffers.forget();
            previous.buffers = new ReadAhead();
            previous.current = null;
        }
    }

    /** Decodes the segment header at the start of {@code file} (see {@link SegmentHeader#decode}). */
    public static SegmentHeader.Decoded readHeader(StorageFile file) throws IOException {
        ByteBuffer b = file.readFully(ByteBuffer.allocate((int) Math.min(file.size(), SegmentHeader.MAX_ENCODED_SIZE)), 0);
        return SegmentHeader.decode(b.flip(), new Checksums());
    }

    /** The header of the batch {@link #next()} accepted last; null if it returned false. */
    public BatchHeader batch() {
        return current == null ? null : current.header();
    }

    /** The offset of the batch {@link #next()} accepted last. */
    public long batchOffset() {
        return current == null ? 0 : current.offset();
    }

    /**
     * The first record of the batch {@link #next()} accepted last that is longer than the reader's
     * maximum record size (valid under the larger one its segment was written with), or 0 if none.
     */
    public long overLimitSequence() {
        return current == null ? 0 : current.overLimitSequence();
    }

    /** The payload bytes of the record {@link #overLimitSequence()} names. */
    public int overLimitSize() {
        return current == null ? 0 : current.overLimitSize();
    }

    /**
     * The framed records of the current batch, positioned at the first one, each as
     * {@code [length][payload][4 bytes]} (the payload opened if the segment is protected); valid
     * until the next call of {@link #next()}.
     */
    public ByteBuffer records() {
        return current == null ? null : current.records().slice(current.recordsAt(), current.recordsLength());
    }

    /**
     * The buffer holding the current batch's framed records, all validated, from index
     * {@link #recordsAt()}; {@code null} if there is no current batch. This is the cursor's own read
     * buffer: read it by absolute index, never hand it out or change it. Valid until the next call of
     * {@link #next()}.
     */
    ByteBuffer recordsBuffer() {
        return current == null ? null : current.records();
    }

    /** Index of the current batch's first framed record in {@link #recordsBuffer()}. */
    int recordsAt() {
        return current == null ? 0 : current.recordsAt();
    }

    /**
     * A read-only view of {@link #recordsBuffer()} (same indexes), made once per buffer allocation,
     * for lending one payload at a time: the borrower sets its position and limit to the payload.
     */
    ByteBuffer lendingView() {
        return current == null ? null : buffers.viewOf(current.records());
    }

    /**
     * Lends every record of the batch {@link #next()} accepted last whose sequence is at least
     * {@code fromSequence} to {@code visitor}, in order, as {@link PayloadVisitor} describes (a
     * read-only view of the payload, valid during the call). The batch was validated whole.
     */
    void visitBatch(long fromSequence, PayloadVisitor visitor) throws IOException {
        ByteBuffer records = current.records();
        ByteBuffer view = lendingView();
        int at = current.recordsAt();
        long sequence = current.header().firstSequence();
        for (int i = 0; i < current.header().recordCount(); i++, sequence++) {
            int length = RecordFormat.lengthAt(records, at);
            if (sequence >= fromSequence) {
                int payload = RecordFormat.payloadAt(at);
                view.limit(payload + length).position(payload);
                visitor.visit(sequence, view);
            }
            at += RecordFormat.OVERHEAD + length;
        }
    }

    /**
     * Lets a cursor that stopped at the end of its data read on to {@code newLimit}, a later end of
     * complete batches in the same file (a tailer's new durable mark), keeping its position and read
     * buffers instead of reopening the segment. The bytes before the old limit were validated and,
     * being whole aligned blocks of complete batches, are never rewritten. A cursor that stopped on
     * damage or zeros stays stopped; a smaller limit changes nothing.
     */
    void extendTo(long newLimit) {
        if (newLimit <= limit) {
            return;
        }
        limit = newLimit;
        if (stop != null && !stop.damaged() && stop.zeroBytes() == 0 && stop.staleBytes() == 0) {
            stop = null;
        }
    }

    /**
     * Tells a cursor over a segment that a newer segment follows where the log goes on: at
     * {@code successorFirst}, that segment's first sequence. In a recycled segment
     * ({@link SegmentHeader#recycled()}) the data then ends once its records reach that sequence:
     * every record the segment held is accounted for, and what follows is the bytes of an earlier use
     * of the file, never read ({@link Stop#staleBytes()}). Anywhere else, and in a segment that is
     * not recycled, it changes nothing: bytes that are not a batch there are still damage.
     */
    void endOfUseAt(long successorFirst) {
        if (header.recycled() && successorFirst >= 1) {
            endOfUse = successorFirst;
        }
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
        current = null;
        long remaining = limit - position;
        if (remaining <= 0) {
            return end(0);
        }
        if (endOfUse > 0 && expectedSequence == endOfUse) {
            stop = new Stop(position, false, "end of this use of a recycled segment: its records reach sequence "
                    + endOfUse + ", where the next segment starts; " + remaining + " bytes of an earlier use follow",
                    0, remaining);
            return false;
        }
        int head = buffers.locate(file, limit, position, (int) Math.min(BatchHeader.SIZE, remaining));
        BatchValidator.Result result = validator.header(buffers.window(), head, position, expectedSequence, limit);
        if (result instanceof BatchValidator.Header h) {
            // The header is decoded: the body's read may now move the window.
            int length = h.header().recordsLength();
            int body = buffers.locate(file, limit, position + BatchHeader.SIZE, length);
            result = validator.records(h, buffers.window(), body, validator.opens() ? buffers.opened(length) : null);
        } else if (result instanceof BatchValidator.Zeros) {
            long nonZero = buffers.firstNonZero(file, position, limit);
            if (nonZero < 0) {
                return end(remaining);
            }
            result = BatchValidator.zerosThenData(position, nonZero);
        }
        if (result instanceof BatchValidator.Valid valid) {
            current = valid;
            position = valid.next();
            expectedSequence = valid.header().nextSequence();
            return true;
        }
        stop = new Stop(position, true, ((BatchValidator.Damage) result).reason(), 0);
        return false;
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

    /**
     * Whether any valid batch header of this segment's use (its salt, at its place) lies at an aligned
     * offset from {@code fromOffset} on. In a recycled segment, bytes that are not a batch with no
     * such header at or after them are an earlier use's: nothing of this use was written there.
     */
    public boolean anyBatchFrom(long fromOffset) throws IOException {
        return scanHeaders(fromOffset, (offset, candidate) -> true) != null;
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
            int length = (int) Math.min(ReadAhead.CHUNK, limit - offset);
            int base = buffers.locate(file, limit, offset, length);
            ByteBuffer window = buffers.window();
            for (int at = 0; at + BatchHeader.SIZE <= length; at += alignment) {
                BatchHeader candidate = BatchHeader.decode(window, base + at, header.salt(), offset + at, checksums);
                if (candidate != null && visitor.stopAt(offset + at, candidate)) {
                    return candidate;
                }
            }
            offset += Math.max(alignment, length - length % alignment);
        }
        return null;
    }

    private boolean end(long zeroBytes) {
        stop = new Stop(position, false, zeroBytes == 0 ? "end of data" : zeroBytes + " zero bytes (never written)",
                zeroBytes);
        return false;
    }
}
