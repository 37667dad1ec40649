package io.github.wal4j.log;

import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;

/** The segment the writer appends to: its open file, header and the offset of the next batch. */
final class ActiveSegment {
    private static final SecureRandom SALTS = new SecureRandom();

    final Path path;
    final StorageFile file;
    final SegmentHeader header;
    /** Seals the records written to this segment; used by the {@link SegmentWriter} alone. */
    final RecordSealer sealer;
    long writeOffset;

    ActiveSegment(Path path, StorageFile file, SegmentHeader header, RecordSealer sealer, long writeOffset) {
        this.path = path;
        this.file = file;
        this.header = header;
        this.sealer = sealer;
        this.writeOffset = writeOffset;
    }

    /**
     * Creates segment {@code id}: header written and synced under a temporary name, renamed into
     * place, directory synced. A crash leaves no segment or a complete one (plus a temporary file
     * recovery removes), so a {@code .wal} file with a damaged header is never a torn write.
     */
    static ActiveSegment create(Storage storage, Path dir, SegmentKeys keys, long id, long firstSequence,
            int alignment, long preallocate, boolean directIo) throws IOException {
        return create(storage, dir, keys, id, firstSequence, alignment, preallocate, directIo, false);
    }

    /**
     * As {@link #create(Storage, Path, SegmentKeys, long, long, int, long, boolean)}; with
     * {@code followsLoss} the header says the sequences before {@code firstSequence} that the log
     * does not hold were lost in a point-in-time cut ({@link SegmentHeader#followsLoss()}).
     */
    static ActiveSegment create(Storage storage, Path dir, SegmentKeys keys, long id, long firstSequence,
            int alignment, long preallocate, boolean directIo, boolean followsLoss) throws IOException {
        Path temporary = LogFiles.temporary(dir.resolve(LogFiles.segmentName(id)));
        storage.delete(temporary);
        return complete(storage, dir, keys, id, firstSequence, alignment, preallocate, directIo, followsLoss, false,
                storage.create(temporary));
    }

    /**
     * As {@link #create(Storage, Path, SegmentKeys, long, long, int, long, boolean)}, over a file a
     * {@link SegmentPreparer} made: {@code <id>.wal.tmp}, zeros written over the whole segment and
     * synced. The header is written over the zeros, synced, and the file renamed into place, then the
     * directory synced: the same order as a new file, so a crash leaves the same two outcomes. The
     * file is not preallocated: its blocks are written already. A recycled file (a freed segment's,
     * {@link SegmentPreparer}) gets a header with a new salt and the RECYCLED flag
     * ({@link SegmentHeader#recycled()}): the bytes of its earlier use behind the header carry the
     * earlier salt.
     *
     * @param prepared the prepared file, open; owned by this call (closed if it fails)
     * @param recycled whether it holds an earlier use's bytes rather than zeros
     */
    static ActiveSegment createPrepared(Storage storage, Path dir, SegmentKeys keys, long id, long firstSequence,
            int alignment, boolean directIo, StorageFile prepared, boolean recycled) throws IOException {
        return complete(storage, dir, keys, id, firstSequence, alignment, 0, directIo, false, recycled, prepared);
    }

    private static ActiveSegment complete(Storage storage, Path dir, SegmentKeys keys, long id, long firstSequence,
            int alignment, long preallocate, boolean directIo, boolean followsLoss, boolean recycled, StorageFile created)
            throws IOException {
        StorageFile file = created;
        Path path = dir.resolve(LogFiles.segmentName(id));
        Path temporary = LogFiles.temporary(path);
        SegmentHeader header;
        RecordSealer sealer;
        try {
            header = keys.newHeader(alignment, id, SALTS.nextLong(), firstSequence, followsLoss, recycled);
            sealer = keys.sealerFor(header, path);
            ByteBuffer block = ByteBuffer.allocate(alignment);
            header.encode(block, new Checksums());
            file.write(block.flip(), 0);
            if (preallocate > 0) {
                file.preallocate(preallocate);
            }
            file.sync();
            storage.rename(temporary, path);
            storage.syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        if (directIo) {
            // The header went through the page cache and is synced; batches bypass it from here on.
            file.close();
            file = storage.openDirectWrite(path);
        }
        return new ActiveSegment(path, file, header, sealer, alignment);
    }
}
