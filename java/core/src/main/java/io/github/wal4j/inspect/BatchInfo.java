package io.github.wal4j.inspect;

/**
 * One valid batch of a segment, as recovery validated it.
 *
 * @param offset where its header starts in the segment
 * @param firstSequence the sequence of its first record (for a seal: the next sequence)
 * @param recordCount how many records it holds (0 for a seal)
 * @param durableThrough the durable-through mark: every record up to it was durable when it was written
 * @param recordsLength the bytes of its framed records, after the header
 * @param seal whether it is the seal a clean close writes
 */
public record BatchInfo(long offset, long firstSequence, int recordCount, long durableThrough, int recordsLength,
        boolean seal) {
}
