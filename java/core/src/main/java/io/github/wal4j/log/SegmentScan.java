package io.github.wal4j.log;

import io.github.wal4j.format.SegmentHeader;

/**
 * What recovery's scan found in one segment: the facts {@link Verdict#of} judges, and nothing it
 * must read itself. A record, so that a test can state any case without a file.
 *
 * @param name the segment's file name
 * @param newest whether it was the newest segment when the crash came (a newer one that holds no
 *     record and is removed still counts: it existed)
 * @param newer the file name of the segment after it, or null if none
 * @param size the file's size in bytes
 * @param checkpointed the sequence the checkpoint covers up to (0 if none)
 * @param nextStart the first sequence of the nearest newer segment whose header decodes (-1 if none)
 * @param foreign why the header says the file is not a segment of this format (unknown magic or
 *     version), or null
 * @param headerDamage what is wrong with the header, or why it does not continue the log (a
 *     sequence gap, a missing oldest segment), or null
 * @param header the decoded header, or null if it did not decode
 * @param stop where and why the scan of its batches stopped (null if the header stopped it)
 * @param next the sequence after its last valid record
 * @param durableClaim for damage in the newest segment, the valid batch after it whose
 *     durable-through mark reaches the damaged records (its description), or null if none
 * @param requiredProtection the protection the log is opened with, if it is protected and this
 *     segment is not (so it could have been planted); else null
 * @param missing where the disk lacks what the page cache holds of its unvouched tail: the offset
 *     and first sequence of the first batch it lacks; null if not checked or the disk holds it all
 * @param staleAfterDamage for damage in a recycled segment ({@link SegmentHeader#recycled()}): no
 *     batch header of this use lies at or after it ({@link SegmentCursor#anyBatchFrom}), so the bytes
 *     there are an earlier use's; false if not checked
 */
record SegmentScan(String name, boolean newest, String newer, long size, long checkpointed, long nextStart,
        String foreign, String headerDamage, SegmentHeader header, SegmentCursor.Stop stop, long next,
        String durableClaim, String requiredProtection, long[] missing, boolean staleAfterDamage) {

    /** A segment whose header stopped the scan: unknown format ({@code foreign}) or damage. */
    static SegmentScan ofHeader(String name, boolean newest, String newer, long size, long checkpointed,
            long nextStart, String foreign, String headerDamage, SegmentHeader header) {
        return new SegmentScan(name, newest, newer, size, checkpointed, nextStart, foreign, headerDamage, header,
                null, 0, null, null, null, false);
    }

    /** A segment whose batches were scanned up to {@code stop}. */
    static SegmentScan ofBatches(String name, boolean newest, String newer, long size, long checkpointed,
            long nextStart, SegmentHeader header, SegmentCursor.Stop stop, long next, String durableClaim,
            String requiredProtection) {
        return new SegmentScan(name, newest, newer, size, checkpointed, nextStart, null, null, header, stop, next,
                durableClaim, requiredProtection, null, false);
    }

    /** These facts, with what the device check of the unvouched tail found. */
    SegmentScan withMissing(long[] missing) {
        return new SegmentScan(name, newest, newer, size, checkpointed, nextStart, foreign, headerDamage, header, stop,
                next, durableClaim, requiredProtection, missing, staleAfterDamage);
    }

    /** These facts, with no batch header of this use at or after the damage ({@link #staleAfterDamage}). */
    SegmentScan withStaleAfterDamage() {
        return new SegmentScan(name, newest, newer, size, checkpointed, nextStart, foreign, headerDamage, header, stop,
                next, durableClaim, requiredProtection, missing, true);
    }

    /** The header's first sequence, 0 without a header. */
    long firstSequence() {
        return header == null ? 0 : header.firstSequence();
    }
}
