package io.github.wal4j;

/**
 * A tailer's position is below the start of the log: a checkpoint covers the records from there,
 * so the log no longer promises to hold them (as Kafka's offset-out-of-range). Thrown by
 * {@link WriteAheadLog#tail} and {@link WriteAheadLog#subscribe} at once when asked to start below
 * the log's start, and by a running {@link WalTailer} (or ends a {@link WalSubscription}) with
 * {@link TailOptions.Checkpoints#FAIL_TAILER} when a checkpoint passed its position: never a silent
 * skip. The tailer is ended; the records it delivered stay delivered. To go on, rebuild from the
 * snapshot in force ({@link WriteAheadLog#snapshot()}) and tail again from
 * {@link #firstAvailable()}, or tail with {@link TailOptions.Checkpoints#HOLD_SEGMENTS}.
 */
public class WalTruncatedException extends WalException {
    private static final long serialVersionUID = 1L;

    private final long position;
    private final long firstAvailable;

    /**
     * @param position the sequence the tailer was to deliver next
     * @param firstAvailable the first sequence the log still holds (the checkpoint in force plus one)
     */
    public WalTruncatedException(long position, long firstAvailable) {
        super("truncated below your position: the tailer was to deliver sequence " + position
                + ", but the log starts at " + firstAvailable + " (a checkpoint covers the records before);"
                + " rebuild from the snapshot in force and tail from " + firstAvailable
                + ", or tail with TailOptions.Checkpoints.HOLD_SEGMENTS");
        this.position = position;
        this.firstAvailable = firstAvailable;
    }

    /** The sequence the tailer was to deliver next. */
    public long position() {
        return position;
    }

    /** The first sequence the log holds: the checkpoint in force plus one. */
    public long firstAvailable() {
        return firstAvailable;
    }
}
