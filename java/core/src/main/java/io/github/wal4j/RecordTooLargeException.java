package io.github.wal4j;

import java.nio.file.Path;

/**
 * A record is larger than {@link WalOptions#maxRecordSize()}.
 *
 * <p>Thrown by {@code append} for a record given to it: nothing was appended. Thrown by
 * {@code WriteAheadLog.open} for a valid record already in the log (its checksum holds) that was
 * written under a larger maximum record size, which its segment header records: the data is intact
 * and this is a configuration error, not damage. Open with {@code withMaxRecordSize} of at least
 * {@link #size()}. A {@link WalRefusedException}: nothing was changed on disk. {@link #file()} and {@link #sequence()} say which
 * record that is.
 */
public final class RecordTooLargeException extends WalRefusedException {
    private static final long serialVersionUID = 1L;
    private final long size;
    private final int limit;
    private final transient Path file;
    private final long sequence;
    private final int writtenLimit;

    /** A record given to {@code append}. */
    public RecordTooLargeException(long size, int limit) {
        super("record of " + size + " bytes exceeds the maximum record size of " + limit + " bytes");
        this.size = size;
        this.limit = limit;
        this.file = null;
        this.sequence = 0;
        this.writtenLimit = 0;
    }

    /**
     * A valid record found by open.
     *
     * @param file the segment that holds it
     * @param sequence its sequence number
     * @param size its payload bytes
     * @param limit the maximum record size of this open
     * @param writtenLimit the maximum record size its segment was written with
     */
    public RecordTooLargeException(Path file, long sequence, long size, int limit, int writtenLimit) {
        super("record " + sequence + " in " + file + " holds " + size + " bytes, written with withMaxRecordSize("
                + writtenLimit + "); this open uses " + limit + ": open with WalOptions.withMaxRecordSize(>= " + size
                + "); the record is intact (its checksum holds)");
        this.size = size;
        this.limit = limit;
        this.file = file;
        this.sequence = sequence;
        this.writtenLimit = writtenLimit;
    }

    /** The size of the rejected record. */
    public long size() {
        return size;
    }

    /** The configured maximum. */
    public int limit() {
        return limit;
    }

    /** The segment holding the record, for one found by open; {@code null} for an append. */
    public Path file() {
        return file;
    }

    /** The record's sequence number, for one found by open; 0 for an append. */
    public long sequence() {
        return sequence;
    }

    /** The maximum record size the record's segment was written with, for one found by open; 0 for an append. */
    public int writtenLimit() {
        return writtenLimit;
    }
}
