package io.github.wal4j.inspect;

import java.util.List;

/**
 * A segment read batch by batch to where its valid data ends, by recovery's cursor.
 *
 * @param segment the segment and its header; when its header is unusable, nothing was read
 * @param batches its valid batches, in order
 * @param dataEnd where the valid data ends (a batch boundary; 0 for an unusable header)
 * @param damaged whether the bytes at {@code dataEnd} are neither a batch nor the end of the data
 * @param reason what is at {@code dataEnd}, with numbers, or {@code null}
 * @param zeroBytes for an undamaged end, how many zero bytes follow it (preallocated space)
 * @param nextSequence the sequence after its last valid record
 */
public record SegmentScan(SegmentInfo segment, List<BatchInfo> batches, long dataEnd, boolean damaged, String reason,
        long zeroBytes, long nextSequence) {

    public SegmentScan {
        batches = List.copyOf(batches);
    }

    /** Whether its last valid batch is a clean-close seal. */
    public boolean sealed() {
        return !batches.isEmpty() && batches.get(batches.size() - 1).seal();
    }

    /** The last sequence it holds, or 0 if none. */
    public long lastSequence() {
        return nextSequence > segment.firstSequence() ? nextSequence - 1 : 0;
    }
}
