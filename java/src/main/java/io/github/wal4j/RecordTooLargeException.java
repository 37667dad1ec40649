package io.github.wal4j;

/** A record is larger than {@link WalOptions#maxRecordSize()}; nothing was appended. */
public class RecordTooLargeException extends WalException {
    private static final long serialVersionUID = 1L;
    private final long size;
    private final int limit;

    public RecordTooLargeException(long size, int limit) {
        super("record of " + size + " bytes exceeds the maximum record size of " + limit + " bytes");
        this.size = size;
        this.limit = limit;
    }

    /** The size of the rejected record. */
    public long size() {
        return size;
    }

    /** The configured maximum. */
    public int limit() {
        return limit;
    }
}
