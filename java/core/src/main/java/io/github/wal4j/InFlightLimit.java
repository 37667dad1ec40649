package io.github.wal4j;

import java.time.Duration;
import java.util.Objects;

/**
 * The bound on appends in flight, and what an append does when it is reached
 * ({@link WalOptions#withInFlightLimit}). Immutable.
 *
 * <p><b>What counts.</b> An append is in flight from the moment it is queued until the writer takes
 * it into a batch to write (the batch being written, at most 1 MiB or one larger record or group,
 * comes on top). It counts as its records (one, or a group's) and its framed bytes (each payload
 * plus 8 bytes, plus its seal in a protected log). Flush, fsync and readers' barriers do not count.
 *
 * <p><b>Admission.</b> An append is admitted when its records and bytes fit beside those in flight
 * ({@code inFlightRecords + n <= maxRecords} and {@code inFlightBytes + b <= maxBytes}), or when
 * nothing is in flight (so a record or group larger than the limit still gets in, alone). Otherwise:
 * <ul>
 *   <li>{@link Policy#BLOCK} (the default): the caller waits for room, interruptibly, at most
 *       {@link #timeout()}; past it the append fails with {@link WalOverloadedException}, and an
 *       interrupt while it waits fails it with {@link WalInterruptedException};</li>
 *   <li>{@link Policy#FAIL_FAST}: the append fails at once with {@link WalOverloadedException},
 *       so an event loop can shed load instead of stalling.</li>
 * </ul>
 * A refused append was not queued and used no sequence number (a group: none of it); the log goes
 * on. Blocking appends ({@code append}, {@code appendAll}) throw the exception;
 * {@code appendAsync} and {@code appendAllAsync} return a future already failed with it (a blocked
 * {@code appendAsync} does not return until it is admitted or refused).
 *
 * <p><b>The writer thread</b> (a callback on an append's future) never waits for room, since only it
 * makes room: under {@link Policy#BLOCK} its appends are admitted past the limit (the callback's own
 * chain bounds them); under {@link Policy#FAIL_FAST} they are refused like any other.
 *
 * <p>{@link #defaults()}: the bound of earlier versions, 64 MiB and no record bound, blocking, now
 * interruptibly and for at most a minute.
 */
public final class InFlightLimit {
    /** 64 MiB: the default bound on framed bytes in flight. */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;
    /** No bound on records beyond the bytes': the default. */
    public static final int DEFAULT_MAX_RECORDS = Integer.MAX_VALUE;
    /** One minute: how long a blocked append waits for room by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(1);

    /** What an append does when the limit is reached. */
    public enum Policy {
        /** Wait for room, interruptibly, at most {@link InFlightLimit#timeout()}. */
        BLOCK,
        /** Fail at once with {@link WalOverloadedException}. */
        FAIL_FAST
    }

    private static final InFlightLimit DEFAULTS = new InFlightLimit(DEFAULT_MAX_RECORDS, DEFAULT_MAX_BYTES,
            Policy.BLOCK, DEFAULT_TIMEOUT);

    private final int maxRecords;
    private final long maxBytes;
    private final Policy policy;
    private final Duration timeout;

    private InFlightLimit(int maxRecords, long maxBytes, Policy policy, Duration timeout) {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("max records in flight must be at least 1: " + maxRecords);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("max bytes in flight must be at least 1: " + maxBytes);
        }
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.policy = policy;
        this.timeout = timeout;
    }

    /** 64 MiB, no record bound, {@link Policy#BLOCK} for at most a minute. */
    public static InFlightLimit defaults() {
        return DEFAULTS;
    }

    /**
     * Appends beyond {@code maxRecords} records or {@code maxBytes} framed bytes in flight wait for
     * room, at most {@code timeout} (then {@link WalOverloadedException}); an interrupt ends the wait
     * with {@link WalInterruptedException}.
     *
     * @param timeout how long to wait; {@link Duration#ZERO} refuses at once, as {@link #failFast}
     *     does; very long durations are waited out as "for ever"
     * @throws IllegalArgumentException if a bound is below 1 or the timeout is negative
     */
    public static InFlightLimit blocking(int maxRecords, long maxBytes, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("in-flight timeout must not be negative: " + timeout);
        }
        return new InFlightLimit(maxRecords, maxBytes, Policy.BLOCK, timeout);
    }

    /**
     * Appends beyond {@code maxRecords} records or {@code maxBytes} framed bytes in flight fail at
     * once with {@link WalOverloadedException}.
     *
     * @throws IllegalArgumentException if a bound is below 1
     */
    public static InFlightLimit failFast(int maxRecords, long maxBytes) {
        return new InFlightLimit(maxRecords, maxBytes, Policy.FAIL_FAST, Duration.ZERO);
    }

    /** The records in flight above which an append is not admitted. */
    public int maxRecords() {
        return maxRecords;
    }

    /** The framed bytes in flight above which an append is not admitted. */
    public long maxBytes() {
        return maxBytes;
    }

    /** What an append does when it does not fit. */
    public Policy policy() {
        return policy;
    }

    /** How long a {@link Policy#BLOCK} append waits for room; {@link Duration#ZERO} for {@link Policy#FAIL_FAST}. */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InFlightLimit l && l.maxRecords == maxRecords && l.maxBytes == maxBytes
                && l.policy == policy && l.timeout.equals(timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxRecords, maxBytes, policy, timeout);
    }

    @Override
    public String toString() {
        return "InFlightLimit[" + (maxRecords == DEFAULT_MAX_RECORDS ? "" : maxRecords + " records, ") + maxBytes
                + " bytes, " + (policy == Policy.BLOCK ? "block " + timeout : "fail fast") + "]";
    }
}
