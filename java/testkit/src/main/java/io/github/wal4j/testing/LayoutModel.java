package io.github.wal4j.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * An independent oracle of where a single-threaded writer with default options puts its bytes,
 * written from the format description in docs/security/wal.md (section 4), not from the writer's
 * code: each segment starts with a 4096-byte header block; each synchronous append is one batch
 * (36-byte header, 4-byte length, payload, 4-byte CRC) padded to 4096 (a block: docs/security/wal.md 4.2); a batch that does not fit a
 * non-empty segment starts the next one; a clean close adds a 4096-byte seal.
 *
 * <p>In a protected log (docs/security/threat-model.md) the stored payload is the sealed one,
 * {@code sealBytes} longer (16 for AES-256-GCM, 32 for the HMAC chain), and the length field counts
 * them; the segment header grows inside its 4096-byte block, so nothing else moves. The model covers
 * one writer session: a protected log starts a new segment at every open.
 */
public final class LayoutModel {
    public static final int BLOCK = 4096;
    public static final int BATCH_HEADER = 36;

    /** One batch: where its meaningful bytes are, and the record it holds (sequence 0 for a seal). */
    public record Batch(int segment, long start, long end, long paddedEnd, long sequence, boolean seal) {
    }

    private final long segmentSize;
    private final int sealBytes;
    private final List<List<Batch>> segments = new ArrayList<>();
    private long writeOffset;

    public LayoutModel(long segmentSize) {
        this(segmentSize, 0);
    }

    /** @param sealBytes bytes each record's seal adds (0 for a plain log) */
    public LayoutModel(long segmentSize, int sealBytes) {
        this.segmentSize = segmentSize;
        this.sealBytes = sealBytes;
        newSegment();
    }

    private void newSegment() {
        segments.add(new ArrayList<>());
        writeOffset = BLOCK;
    }

    private static long align(long n) {
        return (n + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** A synchronous append of {@code length} bytes that got {@code sequence}. */
    public void append(long sequence, int length) {
        int stored = length + sealBytes;
        long total = align(BATCH_HEADER + 8L + stored);
        if (writeOffset > BLOCK && writeOffset + total > segmentSize) {
            newSegment();
        }
        int index = segments.size() - 1;
        segments.get(index).add(new Batch(index, writeOffset, writeOffset + BATCH_HEADER + 8 + stored,
                writeOffset + total, sequence, false));
        writeOffset += total;
    }

    /** A clean close: the seal. */
    public void close() {
        int index = segments.size() - 1;
        segments.get(index).add(new Batch(index, writeOffset, writeOffset + BATCH_HEADER, writeOffset + BLOCK, 0,
                true));
        writeOffset += BLOCK;
    }

    /** Segments in order (index 0 is segment id 1), each its batches in order. */
    public List<List<Batch>> segments() {
        return segments;
    }

    /** The size of segment {@code index}'s file. */
    public long fileSize(int index) {
        List<Batch> batches = segments.get(index);
        return batches.isEmpty() ? BLOCK : batches.get(batches.size() - 1).paddedEnd();
    }
}
