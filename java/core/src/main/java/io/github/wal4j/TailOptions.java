package io.github.wal4j;

import java.time.Duration;

/**
 * How a tailer ({@link WriteAheadLog#tail}, {@link WriteAheadLog#subscribe}) lives beside
 * checkpoints, and how a subscription shares its executor. Immutable; each {@code with} method
 * returns a copy.
 */
public final class TailOptions {

    /** What a checkpoint does to a tailer whose position it passes. */
    public enum Checkpoints {
        /**
         * The default. A checkpoint deletes the segments it covers as always; a tailer whose next
         * record the checkpoint in force covers (it is behind the log's new start) ends with
         * {@link WalTruncatedException} at its next call: it never skips a record silently. It costs
         * no disk.
         */
        FAIL_TAILER,
        /**
         * The checkpoint commits as always, but keeps every segment that holds a record at or after
         * the tailer's position until the tailer moved past it or closed; the tailer delivers every
         * record from its position, including the ones the checkpoint covers. <b>Disk cost:</b> a
         * tailer that stalls keeps all segments from its position on (up to the whole log written
         * since), so the directory grows by what is appended while it stalls. Segments the tailer
         * has left are deleted when it moves on to the next segment or closes (or at the next
         * checkpoint or open).
         */
        HOLD_SEGMENTS
    }

    private static final TailOptions DEFAULTS = new TailOptions(Checkpoints.FAIL_TAILER, 256, 0);

    private final Checkpoints checkpoints;
    private final int maxRecordsPerTask;
    private final long spinNanos;

    private TailOptions(Checkpoints checkpoints, int maxRecordsPerTask, long spinNanos) {
        this.checkpoints = checkpoints;
        this.maxRecordsPerTask = maxRecordsPerTask;
        this.spinNanos = spinNanos;
    }

    /** {@link Checkpoints#FAIL_TAILER}, 256 records per subscription task, no spin. */
    public static TailOptions defaults() {
        return DEFAULTS;
    }

    /**
     * What a checkpoint does to the tailer.
     *
     * @throws NullPointerException if {@code checkpoints} is null
     */
    public TailOptions withCheckpoints(Checkpoints checkpoints) {
        if (checkpoints == null) {
            throw new NullPointerException("checkpoints");
        }
        return new TailOptions(checkpoints, maxRecordsPerTask, spinNanos);
    }

    /**
     * How many records a subscription hands to its callback in one task on its executor before it
     * gives the thread back (and queues a new task): a subscription far behind the log does not
     * hold a shared pool's thread for the whole backlog.
     *
     * @throws IllegalArgumentException if {@code records} is less than 1
     */
    public TailOptions withMaxRecordsPerTask(int records) {
        if (records < 1) {
            throw new IllegalArgumentException("maxRecordsPerTask must be at least 1: " + records);
        }
        return new TailOptions(checkpoints, records, spinNanos);
    }

    /**
     * How long a blocking tailer ({@link WalTailer#next}, {@link WalTailer#nextView}) that caught up
     * keeps testing the log's in-memory durable mark on its own thread before it parks (default
     * zero: it parks at once). It never reads past the durable mark, spinning or not. While it
     * spins the writer does not wake it: waking a parked thread costs the committing thread a futex
     * wake-up per commit (a few microseconds of its CPU on a small VM, a measurable share when one
     * appender commits its own records), and a spinning tailer takes that off the writer, at the
     * price of the tailer's thread running on a core for up to this long after every record it
     * delivers (a whole core if records come more often than the spin lasts). Worth it only with a
     * core to spare and a commit interval (roughly the fdatasync time) shorter than the spin;
     * subscriptions do not spin. At most the time left of the call's timeout is spent spinning.
     *
     * @throws NullPointerException if {@code spin} is null
     * @throws IllegalArgumentException if {@code spin} is negative
     */
    public TailOptions withSpinBeforePark(Duration spin) {
        if (spin == null) {
            throw new NullPointerException("spin");
        }
        if (spin.isNegative()) {
            throw new IllegalArgumentException("spin must not be negative: " + spin);
        }
        long nanos;
        try {
            nanos = spin.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        return new TailOptions(checkpoints, maxRecordsPerTask, nanos);
    }

    /** How long a blocking tailer spins on the durable mark before it parks. */
    public Duration spinBeforePark() {
        return Duration.ofNanos(spinNanos);
    }

    /** What a checkpoint does to the tailer. */
    public Checkpoints checkpoints() {
        return checkpoints;
    }

    /** Records per subscription task. */
    public int maxRecordsPerTask() {
        return maxRecordsPerTask;
    }

    @Override
    public String toString() {
        return "TailOptions[checkpoints=" + checkpoints + ", maxRecordsPerTask=" + maxRecordsPerTask
                + ", spinBeforePark=" + spinBeforePark() + "]";
    }
}
