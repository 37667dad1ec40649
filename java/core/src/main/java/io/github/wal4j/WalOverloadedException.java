package io.github.wal4j;

/**
 * An append was refused because the in-flight limit ({@link WalOptions#withInFlightLimit}) was
 * reached: at once under {@link InFlightLimit.Policy#FAIL_FAST}, or after waiting
 * {@link InFlightLimit#timeout()} for room under {@link InFlightLimit.Policy#BLOCK}. The writer is
 * behind (the disk is slower than the appenders, or stalled): shed load, or retry later. Nothing
 * of the append was queued and it used no sequence number; the log goes on, and earlier appends
 * are unaffected. A {@link WalRefusedException}: nothing was changed.
 */
public final class WalOverloadedException extends WalRefusedException {
    private static final long serialVersionUID = 1L;
    private final transient InFlightLimit limit;
    private final int inFlightRecords;
    private final long inFlightBytes;
    private final long waitedNanos;

    /**
     * @param records the refused append's records (1, or a group's)
     * @param bytes its framed bytes
     * @param limit the limit in force
     * @param inFlightRecords the records in flight when it was refused
     * @param inFlightBytes the framed bytes in flight when it was refused
     * @param waitedNanos how long it waited for room (0 under fail-fast)
     */
    public WalOverloadedException(int records, long bytes, InFlightLimit limit, int inFlightRecords,
            long inFlightBytes, long waitedNanos) {
        super("append of " + records + " record(s) (" + bytes + " bytes framed) refused: " + inFlightRecords
                + " records and " + inFlightBytes + " bytes are in flight, the limit is " + limit
                + (limit.policy() == InFlightLimit.Policy.FAIL_FAST ? " (fail fast)"
                        : "; no room came within " + waitedNanos / 1_000_000 + " ms")
                + ": the writer is behind, shed load or retry later");
        this.limit = limit;
        this.inFlightRecords = inFlightRecords;
        this.inFlightBytes = inFlightBytes;
        this.waitedNanos = waitedNanos;
    }

    /** The limit that refused the append. */
    public InFlightLimit limit() {
        return limit;
    }

    /** The records in flight when the append was refused. */
    public int inFlightRecords() {
        return inFlightRecords;
    }

    /** The framed bytes in flight when the append was refused. */
    public long inFlightBytes() {
        return inFlightBytes;
    }

    /** How long the append waited for room before it was refused, in nanoseconds (0: it did not wait). */
    public long waitedNanos() {
        return waitedNanos;
    }
}
