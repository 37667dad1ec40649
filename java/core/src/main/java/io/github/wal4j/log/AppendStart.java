package io.github.wal4j.log;

import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the writer starts once recovery accepted the log: the newest segment continued at the end
 * of its valid data, or a new segment after it. Either way, what recovery read of the newest
 * segment is synced before this returns: a killed writer may have left written but unsynced
 * batches in the page cache, where the scan read them, and the new writer's batches (or a newer
 * segment) must never claim durable what could still vanish. A new segment is created whole (header
 * written and synced, renamed into place, directory synced: {@link ActiveSegment#create}).
 *
 * <p>Runs on the opening thread, before the writer exists.
 */
final class AppendStart {
    private final Storage storage;
    private final Path dir;
    private final SegmentKeys keys;
    private final int maxRecordSize;
    private final int alignment;
    private final long preallocate;
    private final boolean directIo;

    /**
     * @param alignment the batch alignment of this open (the direct-I/O alignment with {@code directIo})
     * @param preallocate bytes to preallocate in a new segment
     * @param directIo whether the writer writes with direct I/O
     */
    AppendStart(Storage storage, Path dir, SegmentKeys keys, int maxRecordSize, int alignment, long preallocate,
            boolean directIo) {
        this.storage = storage;
        this.dir = dir;
        this.keys = keys;
        this.maxRecordSize = maxRecordSize;
        this.alignment = alignment;
        this.preallocate = preallocate;
        this.directIo = directIo;
    }

    /**
     * Whether the writer needs a new segment rather than continuing {@code last} (null: the log has
     * no segment). A protected segment is written by one session only, so that a sequence number (the
     * nonce) is never sealed twice under its key: a protected log, or one whose newest segment is
     * protected, starts a new segment at every open. A segment records the maximum record size it was
     * written with: one that records a smaller limit than this open's is not continued, or its
     * records could exceed what it records. A segment whose batches are aligned to less than this
     * open's block (512 bytes, before batches took whole 4 KiB blocks) is not continued either: its
     * next batch would share a block with acknowledged ones, and a torn write of that block could
     * take them too. After a point-in-time cut ({@code followsLoss}), or when the checkpoint reaches
     * past the log's end, the next sequence does not follow the last segment's records.
     *
     * @param next the sequence after the last segment's valid records
     */
    boolean needsNewSegment(SegmentHeader last, long next, long checkpointed, boolean followsLoss) {
        return followsLoss || last == null || next < checkpointed + 1 || keys.protects() || last.isProtected()
                || last.maxRecordSize() < maxRecordSize || last.alignment() < alignment;
    }

    /**
     * Syncs {@code last} (if any), then creates segment {@code id} starting at {@code firstSequence}.
     *
     * @param followsLoss whether the sequences before {@code firstSequence} were lost in a point-in-time cut
     */
    ActiveSegment newSegment(SegmentHeader last, long id, long firstSequence, boolean followsLoss) throws IOException {
        if (last != null) {
            try (StorageFile file = storage.openWrite(dir.resolve(LogFiles.segmentName(last.segmentId())))) {
                file.sync();
            }
        }
        return ActiveSegment.create(storage, dir, keys, id, firstSequence, alignment, preallocate, directIo,
                followsLoss);
    }

    /**
     * Syncs {@code last} and opens it for appending at {@code end}; for direct I/O when its alignment
     * is a multiple of this open's.
     */
    ActiveSegment resume(SegmentHeader last, long end) throws IOException {
        Path path = dir.resolve(LogFiles.segmentName(last.segmentId()));
        StorageFile file = storage.openWrite(path);
        try {
            file.sync();
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        if (directIo && last.alignment() % alignment == 0) {
            file.close();
            file = storage.openDirectWrite(path);
        }
        return new ActiveSegment(path, file, last, RecordSealer.PLAIN, end);
    }
}
