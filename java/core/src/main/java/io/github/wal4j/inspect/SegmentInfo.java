package io.github.wal4j.inspect;

import io.github.wal4j.Protection;

/**
 * One segment file and the fields of its header, decoded as recovery decodes them.
 *
 * @param id the segment id its file name gives
 * @param file its file name
 * @param size its size in bytes
 * @param problem why the header did not decode, or {@code null}; the header fields below are zero
 *     (or {@link Protection#NONE}, {@code null}, false) when it is set
 * @param detail what is wrong with the header, with numbers, or {@code null}
 * @param namedId the segment id the header names (a header naming another id than the file's is
 *     not this file's), or -1 when the header did not decode
 * @param firstSequence the sequence of its first record
 * @param alignment the batch alignment it was written with, in bytes
 * @param protection how its records are protected
 * @param keyId the id of the key that protects it, or {@code null}
 * @param maxRecordSize the maximum record size its writer had
 * @param salted whether its header carries a non-zero salt (the salt seeds every checksum, so
 *     bytes of another file never validate here)
 * @param followsLoss whether it starts after a point-in-time cut of acknowledged records
 */
public record SegmentInfo(long id, String file, long size, HeaderProblem problem, String detail, long namedId,
        long firstSequence, int alignment, Protection protection, String keyId, int maxRecordSize, boolean salted,
        boolean followsLoss) {

    /** Why a header did not decode. {@link #FOREIGN} and {@link #UNSUPPORTED_VERSION} are not damage. */
    public enum HeaderProblem {
        /** Fewer bytes than a header. */
        SHORT,
        /** Every byte zero: a file created but never written. */
        ZEROS,
        /** Not a wal4j segment at all. */
        FOREIGN,
        /** A wal4j segment of a format version this code does not know. */
        UNSUPPORTED_VERSION,
        /** The checksum or a field does not hold. */
        DAMAGED
    }

    /** Whether the header decoded and names this file's segment. */
    public boolean readable() {
        return problem == null && namedId == id;
    }
}
