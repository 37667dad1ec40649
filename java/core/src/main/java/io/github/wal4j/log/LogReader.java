package io.github.wal4j.log;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalReader;
import io.github.wal4j.WalRecord;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * Streams records from a snapshot of the segment list up to a {@link WriteMark}. Every
 * batch is validated whole (headers, lengths, checksums, seals) by its {@link SegmentCursor} before
 * any of its records is handed out; {@link #next()} copies each payload into its own array, while
 * {@link #forEach(PayloadVisitor)} lends a read-only view of it.
 */
public final class LogReader implements WalReader {
    private final Storage storage;
    private final List<SegmentList.Entry> segments;
    private final WriteMark mark;
    private final long fromSequence;
    private final int maxRecordSize;
    private final SegmentKeys keys;
    private final SegmentList reads;
    private int index;
    private StorageFile file;
    private SegmentList.Entry current;
    private SegmentCursor cursor;
    /** The last cursor done with, whose read buffers the next one takes over. */
    private SegmentCursor spent;
    /**
     * The current batch's validated records, in the cursor's read buffer (never handed out);
     * {@code at} indexes the next one.
     */
    private ByteBuffer records;
    private int at;
    /** A read-only view of {@link #records}' buffer, lent to a {@link PayloadVisitor} a payload at a time. */
    private ByteBuffer lent;
    private long sequence;
    private int left;
    private long expected = -1;

    public LogReader(Storage storage, List<SegmentList.Entry> segments, WriteMark mark,
            long fromSequence, int maxRecordSize, SegmentKeys keys) {
        this(storage, null, segments, mark, fromSequence, maxRecordSize, keys);
    }

    /**
     * As {@link #LogReader(Storage, List, WriteMark, long, int, SegmentKeys)}, opening each segment
     * through {@code reads} ({@link SegmentList#openForRead}), so that a checkpoint never recycles
     * a file this reader has open; null opens them directly.
     */
    LogReader(Storage storage, SegmentList reads, List<SegmentList.Entry> segments, WriteMark mark,
            long fromSequence, int maxRecordSize, SegmentKeys keys) {
        this.reads = reads;
        this.keys = keys;
        this.storage = storage;
        this.segments = segments;
        this.mark = mark;
        this.fromSequence = fromSequence;
        this.maxRecordSize = maxRecordSize;
        // Skip segments that end before the first wanted record.
        while (index + 1 < segments.size() && segments.get(index + 1).firstSequence() <= fromSequence) {
            index++;
        }
    }

    @Override
    public WalRecord next() throws IOException {
        while (true) {
            while (left > 0) {
                // The batch was validated whole: this length was bounded before the cursor accepted it.
                int from = at;
                int length = records.getInt(from);
                at = from + RecordFormat.OVERHEAD + length;
                long seq = sequence++;
                left--;
                if (seq >= fromSequence && seq < mark.nextSequence()) {
                    byte[] bytes = new byte[length];
                    records.get(from + 4, bytes);
                    return new WalRecord(seq, bytes);
                }
            }
            if (!advance()) {
                return null;
            }
        }
    }

    /**
     * Hands every remaining record to {@code visitor} as {@link PayloadVisitor} describes: a
     * read-only view of the payload in the read buffer, valid only during the call. Allocates
     * nothing per record or per batch. If the visitor throws, the exception reaches
     * the caller and the reader stands after that record.
     */
    public void forEach(PayloadVisitor visitor) throws IOException {
        while (true) {
            // The visitor gets a read-only view, so that what it does to position and limit never
            // reaches the framing this reader reads, and it cannot write.
            ByteBuffer view = lent;
            long stop = mark.nextSequence();
            while (left > 0) {
                int from = at;
                int length = records.getInt(from);
                at = from + RecordFormat.OVERHEAD + length;
                long seq = sequence++;
                left--;
                if (seq >= fromSequence && seq < stop) {
                    view.limit(from + 4 + length).position(from + 4);
                    visitor.visit(seq, view);
                }
            }
            if (!advance()) {
                return;
            }
        }
    }

    /** Moves to the next accepted batch, opening segments as needed; false after the last one. */
    private boolean advance() throws IOException {
        while (true) {
            if (cursor != null && cursor.next()) {
                records = cursor.recordsBuffer();
                lent = cursor.lendingView();
                at = cursor.recordsAt();
                sequence = cursor.batch().firstSequence();
                left = cursor.batch().recordCount();
                return true;
            }
            if (cursor != null) {
                SegmentCursor.Stop stop = cursor.stop();
                if (stop.damaged()) {
                    throw new WalCorruptedException(current.path(), stop.offset(), stop.reason());
                }
                expected = cursor.expectedSequence();
                closeFile();
                if (current.id() == mark.segmentId()) {
                    return false;
                }
            }
            if (!openNext()) {
                return false;
            }
        }
    }

    private boolean openNext() throws IOException {
        if (index >= segments.size() || segments.get(index).id() > mark.segmentId()) {
            return false;
        }
        current = segments.get(index++);
        try {
            file = reads != null ? reads.openForRead(storage, current) : storage.openRead(current.path());
        } catch (NoSuchFileException e) {
            throw new WalException("segment " + current.path().getFileName() + " was removed by a checkpoint "
                    + "while this reader still had to read it", e);
        }
        long limit = current.id() == mark.segmentId() ? mark.offset() : file.size();
        SegmentHeader.Decoded decoded = SegmentCursor.readHeader(file);
        if (decoded.header().isEmpty()) {
            throw new WalCorruptedException(current.path(), 0, "segment header: " + decoded.detail());
        }
        SegmentHeader header = decoded.header().get();
        // A segment marked FOLLOWS_LOSS starts past its predecessor's end: the sequences between were
        // lost in a point-in-time cut and are skipped.
        boolean skipsLoss = header.followsLoss() && header.firstSequence() > expected;
        if (expected >= 0 && header.firstSequence() != expected && header.firstSequence() > fromSequence && !skipsLoss) {
            throw new WalCorruptedException(current.path(), 0, "segment starts at sequence "
                    + header.firstSequence() + " but the previous segment ends before " + expected);
        }
        cursor = new SegmentCursor(file, header, limit, maxRecordSize, keys.sealerFor(header, current.path()), spent);
        if (current.id() != mark.segmentId() && index < segments.size()) {
            // A recycled segment's data ends where its successor's records begin.
            cursor.endOfUseAt(segments.get(index).firstSequence());
        }
        spent = null;
        return true;
    }

    private void closeFile() throws IOException {
        if (cursor != null) {
            spent = cursor;
        }
        cursor = null;
        records = null;
        lent = null;
        left = 0;
        if (file != null) {
            StorageFile f = file;
            file = null;
            f.close();
        }
    }

    @Override
    public void close() throws IOException {
        closeFile();
    }
}
