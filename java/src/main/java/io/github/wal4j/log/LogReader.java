package io.github.wal4j.log;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalReader;
import io.github.wal4j.WalRecord;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.io.Storage;
import io.github.wal4j.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.List;

/** Streams records from a snapshot of the segment list up to a {@link GroupCommitter.WriteMark}. */
public final class LogReader implements WalReader {
    private final Storage storage;
    private final List<SegmentList.Entry> segments;
    private final GroupCommitter.WriteMark mark;
    private final long fromSequence;
    private final int maxRecordSize;
    private final SegmentKeys keys;
    private int index;
    private StorageFile file;
    private SegmentList.Entry current;
    private SegmentCursor cursor;
    private ByteBuffer records;
    private long sequence;
    private int left;
    private long expected = -1;

    public LogReader(Storage storage, List<SegmentList.Entry> segments, GroupCommitter.WriteMark mark,
            long fromSequence, int maxRecordSize, SegmentKeys keys) {
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
                ByteBuffer payload = SegmentCursor.nextPayload(records);
                long seq = sequence++;
                left--;
                if (seq >= fromSequence && seq < mark.nextSequence()) {
                    byte[] bytes = new byte[payload.remaining()];
                    payload.get(bytes);
                    return new WalRecord(seq, bytes);
                }
            }
            if (cursor != null && cursor.next()) {
                records = cursor.records();
                sequence = cursor.batch().firstSequence();
                left = cursor.batch().recordCount();
                continue;
            }
            if (cursor != null) {
                SegmentCursor.Stop stop = cursor.stop();
                if (stop.damaged()) {
                    throw new WalCorruptedException(current.path(), stop.offset(), stop.reason());
                }
                expected = cursor.expectedSequence();
                closeFile();
                if (current.id() == mark.segmentId()) {
                    return null;
                }
            }
            if (!openNext()) {
                return null;
            }
        }
    }

    private boolean openNext() throws IOException {
        if (index >= segments.size() || segments.get(index).id() > mark.segmentId()) {
            return false;
        }
        current = segments.get(index++);
        try {
            file = storage.openRead(current.path());
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
        if (expected >= 0 && header.firstSequence() != expected && header.firstSequence() > fromSequence) {
            throw new WalCorruptedException(current.path(), 0, "segment starts at sequence "
                    + header.firstSequence() + " but the previous segment ends before " + expected);
        }
        cursor = new SegmentCursor(file, header, limit, maxRecordSize, keys.sealerFor(header, current.path()));
        return true;
    }

    private void closeFile() throws IOException {
        cursor = null;
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
