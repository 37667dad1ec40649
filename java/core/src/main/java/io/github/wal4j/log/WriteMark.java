package io.github.wal4j.log;

/**
 * How far a reader may read: the complete batches up to byte {@code offset} of segment
 * {@code segmentId}, whose records end just before {@code nextSequence}. {@code SegmentWriter}
 * publishes two of them, the write mark (handed to the OS) and the durable mark (fdatasync'ed);
 * a reader takes one when it starts and never reads past it.
 */
record WriteMark(long segmentId, long offset, long nextSequence) {
}
