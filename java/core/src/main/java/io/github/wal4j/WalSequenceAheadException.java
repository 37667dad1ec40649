package io.github.wal4j;

/**
 * A tail was asked to start past the end of the log: beyond the sequence the next append gets
 * ({@link WriteAheadLog#lastSequence()} + 1), so it would wait for records that do not exist, and a
 * position saved from another log (or a log restored from an older copy) would go unnoticed.
 * Thrown by {@link WriteAheadLog#tail} and {@link WriteAheadLog#subscribe}; nothing was started.
 */
public class WalSequenceAheadException extends WalException {
    private static final long serialVersionUID = 1L;

    private final long requested;
    private final long nextSequence;

    /**
     * @param requested the sequence the tail was asked to start at
     * @param nextSequence the sequence the next append gets
     */
    public WalSequenceAheadException(long requested, long nextSequence) {
        super("cannot tail from sequence " + requested + ": the log ends before it (the next append gets "
                + nextSequence + "); a saved position from another log, or a log restored from an older copy?");
        this.requested = requested;
        this.nextSequence = nextSequence;
    }

    /** The sequence the tail was asked to start at. */
    public long requested() {
        return requested;
    }

    /** The sequence the next append gets: the highest a tail may start at. */
    public long nextSequence() {
        return nextSequence;
    }
}
