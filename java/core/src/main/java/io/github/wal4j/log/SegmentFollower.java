package io.github.wal4j.log;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * The reading half of a tailer: follows the log's segments from a sequence number up to whatever
 * {@link WriteMark} it is given, one record at a time, and goes on from where it stopped when it is
 * given a later mark. Like {@link LogReader} it has a {@link SegmentCursor} validate every batch whole
 * before any of its records is handed out; unlike it, the cursor of the segment the mark is in is
 * extended to each new mark ({@link SegmentCursor#extendTo}) instead of being reopened, and the next
 * segment is opened once the mark has moved past the current one.
 *
 * <p>A segment the mark has left is complete: it was synced before its successor was created, and
 * its records end just before the first sequence of the next segment in the list, so the follower
 * moves on as soon as it read up to there, without reading the zeros of a preallocated file.
 *
 * <p>Never reads past the mark it is given; the caller gives it only durable marks. Not thread-safe:
 * one tailer's, which serializes its calls.
 */
final class SegmentFollower {
    private final Storage storage;
    private final SegmentList segments;
    private final int maxRecordSize;
    private final SegmentKeys keys;
    private SegmentList.Entry current;
    private StorageFile file;
    private SegmentCursor cursor;
    /** The last cursor done with, whose read buffers the next one takes over. */
    private SegmentCursor spent;
    /** For a segment the mark has left: the first sequence of the segment after it (its records end before). */
    private long endSequence;
    /** The current batch's validated records (the cursor's buffer, read by absolute index). */
    private ByteBuffer records;
    private ByteBuffer lent;
    private int at;
    private int left;
    private long batchSequence;
    /** The sequence the next record handed out must have at least. */
    private long next;
    /** The sequence the next segment must start with (-1 before the first segment). */
    private long expected = -1;
    private long found;
    private int foundAt;
    private int foundLength;

    SegmentFollower(Storage storage, SegmentList segments, long fromSequence, int maxRecordSize, SegmentKeys keys) {
        this.storage = storage;
        this.segments = segments;
        this.next = fromSequence;
        this.maxRecordSize = maxRecordSize;
        this.keys = keys;
    }

    /**
     * Moves to the next record at or after the follower's position that lies within {@code mark}.
     *
     * @return false if there is none yet (the follower stays where it is, ready for a later mark)
     * @throws WalCorruptedException if a batch is damaged, or a segment does not continue its predecessor
     * @throws java.nio.file.NoSuchFileException if a segment it still had to read was deleted
     */
    boolean advance(WriteMark mark) throws IOException {
        while (true) {
            while (left > 0) {
                int from = at;
                int length = RecordFormat.lengthAt(records, from);
                at = from + RecordFormat.OVERHEAD + length;
                long sequence = batchSequence++;
                left--;
                if (sequence >= next) {
                    found = sequence;
                    foundAt = RecordFormat.payloadAt(from);
                    foundLength = length;
                    next = sequence + 1;
                    return true;
                }
            }
            if (!nextBatch(mark)) {
                return false;
            }
        }
    }

    /** The sequence of the record {@link #advance} found last. */
    long sequence() {
        return found;
    }

    /** The sequence this follower hands out next, at least. */
    long nextSequence() {
        return next;
    }

    /** The id of the segment being read (-1 before the first). */
    long segmentId() {
        return current == null ? -1 : current.id();
    }

    /**
     * The payload of the record {@link #advance} found last, as a read-only view of the read buffer
     * from position to limit; valid until the next {@link #advance} or {@link #close}.
     */
    ByteBuffer view() {
        return lent.limit(foundAt + foundLength).position(foundAt);
    }

    /** A copy of the payload of the record {@link #advance} found last. */
    byte[] copy() {
        byte[] bytes = new byte[foundLength];
        records.get(foundAt, bytes);
        return bytes;
    }

    /** Moves to the next valid batch within {@code mark}; false if there is none yet. */
    private boolean nextBatch(WriteMark mark) throws IOException {
        while (true) {
            if (cursor == null && !openNext(mark)) {
                return false;
            }
            boolean passed = current.id() < mark.segmentId();
            if (passed) {
                if (endSequence == 0) {
                    endSequence = firstSequenceAfter(current.id());
                    cursor.extendTo(file.size());
                }
                if (cursor.expectedSequence() >= endSequence) {
                    closeSegment();
                    continue;
                }
            } else {
                cursor.extendTo(mark.offset());
            }
            if (cursor.next()) {
                records = cursor.recordsBuffer();
                lent = cursor.lendingView();
                at = cursor.recordsAt();
                batchSequence = cursor.batch().firstSequence();
                left = cursor.batch().recordCount();
                return true;
            }
            SegmentCursor.Stop stop = cursor.stop();
            if (stop.damaged()) {
                throw new WalCorruptedException(current.path(), stop.offset(), stop.reason());
            }
            if (!passed) {
                return false;
            }
            // The segment ended before the sequence its successor starts at: openNext judges the gap.
            closeSegment();
        }
    }

    /** The first sequence of the segment after {@code id} in the list (which the mark's segment is in). */
    private long firstSequenceAfter(long id) {
        for (SegmentList.Entry e : segments.snapshot()) {
            if (e.id() > id) {
                return e.firstSequence();
            }
        }
        throw new IllegalStateException("segment " + id + " was left by the durable mark but has no successor");
    }

    /** Opens the segment to read next, if the mark reaches it. */
    private boolean openNext(WriteMark mark) throws IOException {
        List<SegmentList.Entry> list = segments.snapshot();
        SegmentList.Entry entry = null;
        if (current == null) {
            // The segment holding the first wanted record: the last one starting at or before it.
            for (SegmentList.Entry e : list) {
                if (e.firstSequence() <= next) {
                    entry = e;
                }
            }
            if (entry == null && !list.isEmpty() && list.get(0).id() <= mark.segmentId()) {
                // A checkpoint deleted the segment holding it: never start further on silently.
                throw new NoSuchFileException(list.get(0).path().toString(), null,
                        "the segment holding sequence " + next + " was deleted; the oldest starts at "
                                + list.get(0).firstSequence());
            }
        } else {
            for (SegmentList.Entry e : list) {
                if (e.id() > current.id()) {
                    entry = e;
                    break;
                }
            }
        }
        if (entry == null || entry.id() > mark.segmentId()) {
            return false;
        }
        StorageFile opened = segments.openForRead(storage, entry);
        try {
            SegmentHeader.Decoded decoded = SegmentCursor.readHeader(opened);
            if (decoded.header().isEmpty()) {
                throw new WalCorruptedException(entry.path(), 0, "segment header: " + decoded.detail());
            }
            SegmentHeader header = decoded.header().get();
            // As LogReader: a FOLLOWS_LOSS segment starts past a point-in-time cut made at open.
            boolean skipsLoss = header.followsLoss() && header.firstSequence() > expected;
            if (expected >= 0 && header.firstSequence() != expected && header.firstSequence() > next && !skipsLoss) {
                throw new WalCorruptedException(entry.path(), 0, "segment starts at sequence "
                        + header.firstSequence() + " but the previous segment ends before " + expected);
            }
            long limit = entry.id() == mark.segmentId() ? mark.offset() : opened.size();
            cursor = new SegmentCursor(opened, header, limit, maxRecordSize, keys.sealerFor(header, entry.path()), spent);
            if (entry.id() != mark.segmentId()) {
                // A recycled segment's data ends where its successor's records begin.
                cursor.endOfUseAt(firstSequenceAfter(entry.id()));
            }
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        spent = null;
        file = opened;
        current = entry;
        endSequence = 0;
        return true;
    }

    private void closeSegment() throws IOException {
        expected = cursor.expectedSequence();
        spent = cursor;
        cursor = null;
        records = null;
        left = 0;
        StorageFile f = file;
        file = null;
        f.close();
    }

    /** Closes the open segment, if any; the follower is not used after. */
    void close() throws IOException {
        cursor = null;
        records = null;
        left = 0;
        if (file != null) {
            StorageFile f = file;
            file = null;
            f.close();
        }
    }
}
