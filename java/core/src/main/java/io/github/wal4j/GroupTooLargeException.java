package io.github.wal4j;

import java.util.List;

/**
 * An atomic group given to {@link WriteAheadLog#appendAll(List)} or
 * {@link WriteAheadLog#appendAllAsync(List)} is larger than one batch may hold, so it cannot be
 * written as the single unit that makes it atomic. Nothing of it was queued or written, no sequence
 * number was used, and the log goes on as before: split the group, or raise
 * {@link WalOptions#withMaxRecordSize} (the limit is the larger of 1 MiB and one record of the
 * maximum record size, counted framed: each record's payload plus 8 bytes, plus its seal in a
 * protected log). A {@link WalRefusedException}: nothing was changed.
 */
public final class GroupTooLargeException extends WalRefusedException {
    private static final long serialVersionUID = 1L;
    private final int records;
    private final long bytes;
    private final long limit;

    /**
     * @param records the records in the group
     * @param bytes the group's framed bytes
     * @param limit the most framed bytes a group may hold in this log
     */
    public GroupTooLargeException(int records, long bytes, long limit) {
        super("atomic group of " + records + " records takes " + bytes + " bytes framed, more than the " + limit
                + " bytes one batch may hold (the larger of 1 MiB and one record of the maximum record size,"
                + " framing and seals included): split it, or open with a larger withMaxRecordSize");
        this.records = records;
        this.bytes = bytes;
        this.limit = limit;
    }

    /** The number of records in the refused group. */
    public int records() {
        return records;
    }

    /** The refused group's bytes, framed (payloads, 8 bytes of framing each, seals). */
    public long bytes() {
        return bytes;
    }

    /** The most framed bytes a group may hold in this log. */
    public long limit() {
        return limit;
    }
}
