package io.github.wal4j.inspect;

/**
 * The mark of the log's last clean close ({@code CLOSE_MARK}): where the log ended then. Open checks
 * the log against it, so that a log shorter than it was at a clean close is damage, not a torn tail.
 *
 * @param lastSequence the last sequence the log held
 * @param segmentId the segment it ended in
 * @param endOffset where the data of that segment ended (after the seal)
 */
public record CloseMarkInfo(long lastSequence, long segmentId, long endOffset) {
}
