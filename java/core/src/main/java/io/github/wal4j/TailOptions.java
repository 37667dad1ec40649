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

    private static final TailOptions DEFAULTS = new TailOptions(Checkpoints.FAIL_TAILER, 256, 0, 0);

    private final Checkpoints checkpoints;
    private final int maxRecordsPerTask;
    private final long spinNanos;
    private final long delayNanos;

    private TailOptions(Checkpoints checkpoints, int maxRecordsPerTask, long spinNanos, long delayNanos) {
        this.checkpoints = checkpoints;
        this.maxRecordsPerTask = maxRecordsPerTask;
        this.spinNanos = spinNanos;
        this.delayNanos = delayNanos;
    }

    /** {@link Checkpoints#FAIL_TAILER}, 256 records per subscription task, no spin, no delivery delay. */
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
        return new TailOptions(checkpoints, maxRecordsPerTask, spinNanos, delayNanos);
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
        return new TailOptions(checkpoints, records, spinNanos, delayNanos);
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
        return new TailOptions(checkpoints, maxRecordsPerTask, nanos(spin), delayNanos);
    }

    /**
     * How long a record may wait, once durable, before this tailer hands it out (default zero: at
     * once). With zero, a tailer that caught up parks until the writer wakes it after the commit that
     * moved the durable mark; with a delay {@code d} above zero the writer never wakes it: the tailer
     * parks for at most {@code d} (and never longer than the time left of the call's timeout), then
     * reads the log's in-memory durable mark itself and delivers everything that became durable
     * meanwhile, in order, never past the mark (it does not poll the files either: it reads them only
     * once the mark says there is a record).
     *
     * <p><b>The trade.</b> Waking a parked thread costs the committing thread one futex wake per
     * commit, about 5-6 us of its CPU on a small VM: a few percent of a lone appender's CPU per
     * record, since its tailer is parked at almost every commit. With a delay that wake leaves the
     * commit path (with only delayed tailers waiting, a commit's part in tailing is one volatile
     * read), and each record costs up to {@code d} of delivery latency instead (on average about
     * half of it); the tailer wakes about once per {@code d} while it waits, records or not. Worth
     * it where a lone or few appenders commit often and a latency of {@code d} is acceptable; with
     * many appending threads the wake is shared by many records and the default costs little.
     * Measured with one appending thread (docs/benchmarks.md, "Coalesced wake-ups"): the committing
     * thread made 0.96 futex wakes per fdatasync with a default tailer, 0.007 with a delay of 1 ms
     * (0.010 with no tailer), and the delivery latency p50 went from about 10 us to 650 us.
     *
     * <p>Close, the log's close and a log failure still end a tailer parked with a delay at once.
     * A subscription with a delay is watched the same way: the log's dispatcher waits the delayed
     * way (for the shortest delay) while every subscription it watches has one. Nothing else
     * changes: ordering, exactly-once delivery, the durable-mark rule and the checkpoint options
     * are the same with or without a delay; with {@link #withSpinBeforePark} the tailer spins first,
     * then parks the delayed way.
     *
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public TailOptions withMaxDeliveryDelay(Duration delay) {
        if (delay == null) {
            throw new NullPointerException("delay");
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("maxDeliveryDelay must not be negative: " + delay);
        }
        return new TailOptions(checkpoints, maxRecordsPerTask, spinNanos, nanos(delay));
    }

    /** How long a durable record may wait before this tailer delivers it (zero: the writer wakes it). */
    public Duration maxDeliveryDelay() {
        return Duration.ofNanos(delayNanos);
    }

    private static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
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
                + ", spinBeforePark=" + spinBeforePark() + ", maxDeliveryDelay=" + maxDeliveryDelay() + "]";
    }
}
