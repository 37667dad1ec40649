package io.github.wal4j.log;

import io.github.wal4j.WalFormatException;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.inspect.InspectedRecord;
import io.github.wal4j.inspect.RecordScanEnd;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The records of {@link io.github.wal4j.inspect.LogInspection#records}: the segments in order, each
 * read by recovery's {@link SegmentCursor} (every batch validated whole before its records are
 * lent), with each record's place on disk. A segment whose records all lie before the first
 * sequence asked for is skipped unread (its successor's header says so). Reads only.
 */
final class RecordWalk {
    private final LogInspector inspection;
    private final int maxRecordSize;
    private final SegmentKeys keys;
    private final Consumer<InspectedRecord> visitor;

    RecordWalk(LogInspector inspection, int maxRecordSize, SegmentKeys keys, Consumer<InspectedRecord> visitor) {
        this.inspection = inspection;
        this.maxRecordSize = maxRecordSize;
        this.keys = keys;
        this.visitor = visitor;
    }

    /** Lends the records in [first, last]; says where damage stopped the walk, if it did. */
    RecordScanEnd run(long checkpointed, long first, long last) throws IOException {
        List<Long> ids = inspection.segmentIds();
        long[] starts = new long[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            try (StorageFile file = inspection.storage().openRead(inspection.segmentPath(ids.get(i)))) {
                starts[i] = SegmentCursor.readHeader(file).header().map(SegmentHeader::firstSequence).orElse(-1L);
            }
        }
        long expected = -1;
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            Path path = inspection.segmentPath(id);
            String name = path.getFileName().toString();
            if (i + 1 < ids.size() && starts[i] > 0 && starts[i + 1] > 0 && starts[i + 1] <= first) {
                expected = starts[i + 1];
                continue; // every record of this segment is before the first asked for
            }
            try (StorageFile file = inspection.storage().openRead(path)) {
                SegmentHeader.Decoded d = SegmentCursor.readHeader(file);
                if (d.header().isEmpty()) {
                    if (d.problem() == SegmentHeader.Problem.FOREIGN
                            || d.problem() == SegmentHeader.Problem.UNSUPPORTED_VERSION) {
                        throw new WalFormatException(path + ": " + d.detail());
                    }
                    if (i == ids.size() - 1 && (d.problem() == SegmentHeader.Problem.SHORT
                            || d.problem() == SegmentHeader.Problem.ZEROS)) {
                        return stop(name, 0, "the newest segment has no complete header (" + d.detail() + ")");
                    }
                    return stop(name, 0, "segment header: " + d.detail());
                }
                SegmentHeader header = d.header().get();
                if (header.segmentId() != id) {
                    return stop(name, 0, "segment header names segment " + header.segmentId()
                            + ", the file name says " + id);
                }
                long start = header.firstSequence();
                boolean continues = expected < 0 ? start <= checkpointed + 1
                        : start == expected || (start <= checkpointed + 1 && start > expected);
                if (!continues) {
                    return stop(name, 0, "segment starts at sequence " + start + ", expected "
                            + (expected < 0 ? "at most " + (checkpointed + 1) : expected));
                }
                RecordSealer sealer = keys.sealerFor(header, path);
                SegmentCursor cursor = new SegmentCursor(file, header, file.size(), maxRecordSize, sealer);
                if (i + 1 < ids.size()) {
                    // A recycled segment's data ends where its successor's records begin.
                    cursor.endOfUseAt(starts[i + 1]);
                }
                if (!lend(cursor, file, sealer, name, first, last)) {
                    return new RecordScanEnd(null, 0, null, -1);
                }
                SegmentCursor.Stop stop = cursor.stop();
                boolean staleEnd = i == ids.size() - 1 && header.recycled() && !cursor.anyBatchFrom(stop.offset());
                if (stop.damaged() && !staleEnd) {
                    return stop(name, stop.offset(), stop.reason());
                }
                expected = cursor.expectedSequence();
            }
        }
        return new RecordScanEnd(null, 0, null, expected);
    }

    /** Lends the segment's records in [first, last]; false once a record past {@code last} is reached. */
    private boolean lend(SegmentCursor cursor, StorageFile file, RecordSealer sealer, String name, long first,
            long last) throws IOException {
        while (cursor.next()) {
            BatchHeader batch = cursor.batch();
            if (batch.recordCount() == 0 || batch.nextSequence() <= first) {
                continue;
            }
            if (batch.firstSequence() > last) {
                return false;
            }
            ByteBuffer records = cursor.records();
            // Offsets and checksums are those on disk; in a protected segment the cursor holds the
            // opened payloads, each shorter than its stored form by the seal.
            long at = cursor.batchOffset() + BatchHeader.SIZE;
            for (long seq = batch.firstSequence(); seq < batch.nextSequence(); seq++) {
                int length = records.getInt();
                ByteBuffer payload = records.slice(records.position(), length).asReadOnlyBuffer();
                int stored = length + sealer.overhead();
                int crc = sealer.overhead() == 0 ? records.getInt(records.position() + length)
                        : readInt(file, at + 4 + stored);
                records.position(records.position() + length + 4);
                long recordOffset = at;
                at += RecordFormat.framedSize(stored);
                if (seq < first) {
                    continue;
                }
                if (seq > last) {
                    return false;
                }
                visitor.accept(new InspectedRecord(seq, payload, crc, name, recordOffset));
            }
        }
        return true;
    }

    private static RecordScanEnd stop(String file, long offset, String reason) {
        return new RecordScanEnd(file, offset, reason, -1);
    }

    private static int readInt(StorageFile file, long offset) throws IOException {
        ByteBuffer b = file.readFully(ByteBuffer.allocate(4), offset);
        return b.flip().remaining() == 4 ? b.getInt() : 0;
    }
}
