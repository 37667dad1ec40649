package io.github.wal4j.log;

import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads, for recovery, the facts about segment files that the scan of their batches does not give:
 * what a header says (or why it says nothing), whether the newest file holds any record, where the
 * next segments start, and the highest sequence a damaged part names. Reads only; changes nothing.
 */
final class SegmentProbe {

    /**
     * What a segment's header says.
     *
     * @param header the header, or null
     * @param foreign why the file is not a segment of this format (unknown magic or version), or null
     * @param damage what is wrong with the header, or null
     */
    record HeaderRead(SegmentHeader header, String foreign, String damage) {
    }

    private final Storage storage;
    private final Path dir;
    private final int maxRecordSize;

    SegmentProbe(Storage storage, Path dir, int maxRecordSize) {
        this.storage = storage;
        this.dir = dir;
        this.maxRecordSize = maxRecordSize;
    }

    /** The header of segment {@code id}, open as {@code file} and {@code size} bytes long. */
    static HeaderRead header(StorageFile file, long size, long id) throws IOException {
        SegmentHeader.Decoded decoded = SegmentCursor.readHeader(file);
        if (decoded.header().isEmpty()) {
            if (decoded.problem() == SegmentHeader.Problem.FOREIGN
                    || decoded.problem() == SegmentHeader.Problem.UNSUPPORTED_VERSION) {
                return new HeaderRead(null, decoded.detail(), null);
            }
            return new HeaderRead(null, null, "segment header: " + decoded.detail());
        }
        SegmentHeader header = decoded.header().get();
        if (header.segmentId() != id) {
            return new HeaderRead(null, null, "segment header names segment " + header.segmentId()
                    + ", the file name says " + id);
        }
        if (size < header.alignment()) {
            return new HeaderRead(null, null, "segment holds " + size + " bytes, less than its " + header.alignment()
                    + "-byte header block");
        }
        return new HeaderRead(header, null, null);
    }

    /**
     * Asks {@link Verdict#ofNewestFile} of segment {@code id}, the newest: the file may have lost its
     * tail down into its header block (a file system that drops a file's tail, or a truncation). A
     * protected header cut inside its extension (key id, HMAC) counts as cut inside its header block:
     * its first 48 bytes decoded and passed their checksum, and only the bytes the cut took are missing.
     * Zeros are looked for only where the size does not decide.
     */
    Verdict newestFile(long id) throws IOException {
        Path path = dir.resolve(LogFiles.segmentName(id));
        try (StorageFile file = storage.openRead(path)) {
            long size = file.size();
            int headerBlock = 0;
            if (size >= SegmentHeader.ENCODED_SIZE) {
                SegmentHeader.Decoded decoded = SegmentCursor.readHeader(file);
                if (decoded.header().isPresent()) {
                    headerBlock = decoded.header().get().segmentId() == id ? decoded.header().get().alignment() : 0;
                } else if (decoded.problem() == SegmentHeader.Problem.SHORT) {
                    ByteBuffer b = file.readFully(ByteBuffer.allocate(SegmentHeader.ENCODED_SIZE), 0);
                    headerBlock = !b.hasRemaining() && SegmentHeader.segmentIdAt(b, 0) == id
                            ? SegmentHeader.alignmentAt(b, 0) : 0;
                }
            }
            boolean decided = size < SegmentHeader.ENCODED_SIZE || size < headerBlock;
            return Verdict.ofNewestFile(size, headerBlock, !decided && allZero(file, size));
        }
    }

    private static boolean allZero(StorageFile file, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        for (long offset = 0; offset < size; ) {
            int n = file.read(b.clear(), offset);
            if (n <= 0) {
                break;
            }
            if (BatchValidator.firstNonZero(b, 0, n) >= 0) {
                return false;
            }
            offset += n;
        }
        return true;
    }

    /**
     * For each segment, the first sequence of the nearest newer segment whose header decodes (-1 if
     * none): sequence numbers grow with segment ids, so every record of the segment lies before it.
     * Only headers are read.
     */
    long[] nextStarts(List<Long> ids) throws IOException {
        long[] starts = new long[ids.size()];
        long start = -1;
        for (int i = ids.size() - 1; i >= 0; i--) {
            starts[i] = start;
            long id = ids.get(i);
            try (StorageFile file = storage.openRead(dir.resolve(LogFiles.segmentName(id)))) {
                long first = SegmentCursor.readHeader(file).header().filter(h -> h.segmentId() == id)
                        .map(SegmentHeader::firstSequence).orElse(-1L);
                if (first >= 1) {
                    start = first;
                }
            }
        }
        return starts;
    }

    /**
     * The header to look for batch headers behind in segment {@code id}: its own, or, if it does not
     * decode, one salvaged from its salt and alignment as they are ({@link SegmentHeader#salvage});
     * null for a segment of another place or log (its batches say nothing about this one) or a file
     * too short to hold a header. What the loss report ({@link LossScan}) and a point-in-time cut
     * ({@link #highestWritten}) both search with, so that they name the same lost sequences.
     */
    static SegmentHeader searchHeader(StorageFile file, long id) throws IOException {
        SegmentHeader.Decoded d = SegmentCursor.readHeader(file);
        if (d.header().isPresent()) {
            return d.header().get().segmentId() == id ? d.header().get() : null;
        }
        return SegmentHeader.salvage(file.readFully(ByteBuffer.allocate(SegmentHeader.ENCODED_SIZE), 0).flip(), id);
    }

    /**
     * The highest sequence the batch headers of these segments name (0 if none), a segment whose
     * header does not decode included ({@link #searchHeader}): what a point-in-time cut that sets
     * them aside takes, read before anything is changed.
     */
    long highestWritten(List<Long> ids) throws IOException {
        long highest = 0;
        for (long id : ids) {
            Path path = dir.resolve(LogFiles.segmentName(id));
            try (StorageFile file = storage.openRead(path)) {
                SegmentHeader header = searchHeader(file, id);
                if (header == null || file.size() < header.alignment()) {
                    continue;
                }
                SegmentCursor cursor = new SegmentCursor(file, header, file.size(), maxRecordSize,
                        RecordSealer.PLAIN);
                highest = Math.max(highest, cursor.highestSequenceFrom(header.alignment()));
            }
        }
        return highest;
    }
}
