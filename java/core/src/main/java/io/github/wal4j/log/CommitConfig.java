package io.github.wal4j.log;

import io.github.wal4j.DurableWatermark;
import io.github.wal4j.Durability;
import io.github.wal4j.InFlightLimit;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.spi.Storage;
import java.nio.file.Path;

/**
 * What the commit path of one open log is set to, fixed while it is open: where and how it writes
 * ({@link SegmentWriter}), what it acknowledges when ({@link CommitQueue}, {@link GroupCommitter}).
 *
 * @param storage the file layer every write, sync and segment creation goes through
 * @param dir the log directory (absolute), also named in messages and the writer thread's name
 * @param keys the protection new segments get
 * @param durability when an append is acknowledged: once synced, or once queued
 * @param segmentSize the size a new segment is preallocated to, and past which a batch rotates
 * @param alignment the batch alignment of new segments
 * @param directIo whether new segments are written with direct I/O
 * @param maxBatchBytes the framed record bytes a batch may hold (at least one record); see
 *     {@link #batchLimit()}
 * @param watermark told of every sync before the appends it covers are acknowledged; may be null
 * @param tuning the benchmark switches read when the log opened
 * @param inFlight the bound on queued appends ({@link InFlightAdmission})
 * @param preparer writes the next segment's blocks ahead of rotation; null: segments are created
 *     at rotation, preallocated where the layer can
 */
record CommitConfig(Storage storage, Path dir, SegmentKeys keys, Durability durability, long segmentSize,
        int alignment, boolean directIo, int maxBatchBytes, DurableWatermark watermark, CommitTuning tuning,
        InFlightLimit inFlight, SegmentPreparer preparer) {

    /** {@link #maxBatchBytes}, but never beyond the records length a batch header is meant for. */
    int batchLimit() {
        return Math.min(maxBatchBytes, BatchHeader.TARGET_RECORDS_LENGTH);
    }
}
