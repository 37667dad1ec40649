package io.github.wal4j.log;

import io.github.wal4j.InFlightLimit;
import io.github.wal4j.WalInterruptedException;
import io.github.wal4j.WalOverloadedException;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;

/**
 * Admission to the {@link CommitQueue} under the {@link InFlightLimit}: it counts the records and
 * framed bytes queued and not yet taken into a batch, and decides whether one more append (a
 * record, or a group's records) may join them: at once, after waiting for room, or not at all.
 *
 * <p>An append fits when its records and bytes fit beside those queued, or when nothing is queued
 * (so one larger than the limit gets in alone instead of never). One that does not fit fails at
 * once under {@link InFlightLimit.Policy#FAIL_FAST}; under {@link InFlightLimit.Policy#BLOCK} its
 * caller waits on the queue's {@code room} condition, interruptibly and at most the limit's
 * timeout, unless it may not wait (the writer thread, the only one that makes room: it is let
 * through). Refusals throw before anything is queued, so nothing is half-queued.
 *
 * <p>Not thread-safe: the queue calls every method under its lock, and {@link #admit} waits on a
 * condition of that lock, which releases it meanwhile.
 */
final class InFlightAdmission {
    /** Waits longer than this (about 146 years) are waited out as "for ever", without overflow. */
    private static final long FOREVER_NANOS = Long.MAX_VALUE / 2;

    private final InFlightLimit limit;
    private final Condition room;
    private int records;
    private long bytes;

    /**
     * @param room the condition of the queue's lock that {@link #taken} and {@link #cleared} signal
     */
    InFlightAdmission(InFlightLimit limit, Condition room) {
        this.limit = limit;
        this.room = room;
    }

    /**
     * Returns once an append of {@code n} records and {@code framed} bytes may be queued, or once
     * {@code stopped} says the queue refuses everything anyway (the caller checks it again).
     *
     * @param mayWait false on the writer thread, which never waits: under BLOCK it passes at once
     * @throws WalOverloadedException if it does not fit and the policy fails fast, or no room came
     *     within the timeout
     * @throws WalInterruptedException if the caller was interrupted while waiting (or when it would
     *     start to); its interrupt status is set again
     */
    void admit(int n, long framed, boolean mayWait, BooleanSupplier stopped)
            throws WalOverloadedException, WalInterruptedException {
        if (fits(n, framed) || stopped.getAsBoolean()) {
            return;
        }
        if (limit.policy() == InFlightLimit.Policy.FAIL_FAST) {
            throw new WalOverloadedException(n, framed, limit, records, bytes, 0);
        }
        if (!mayWait) {
            return;
        }
        long timeout = limit.timeout().compareTo(java.time.Duration.ofNanos(FOREVER_NANOS)) > 0 ? FOREVER_NANOS
                : limit.timeout().toNanos();
        long left = timeout;
        while (!fits(n, framed) && !stopped.getAsBoolean()) {
            if (left <= 0) {
                throw new WalOverloadedException(n, framed, limit, records, bytes, timeout);
            }
            try {
                left = room.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WalInterruptedException(n, e);
            }
        }
    }

    private boolean fits(int n, long framed) {
        return records == 0 || ((long) records + n <= limit.maxRecords() && bytes + framed <= limit.maxBytes());
    }

    /** An admitted append was queued. */
    void added(int n, long framed) {
        records += n;
        bytes += framed;
    }

    /** The writer (or a self-committing appender) took {@code n} records of {@code framed} bytes off the queue. */
    void taken(int n, long framed) {
        records -= n;
        bytes -= framed;
        room.signalAll();
    }

    /** Everything queued was dropped (the log failed): waiters wake and find the queue refusing. */
    void cleared() {
        records = 0;
        bytes = 0;
        room.signalAll();
    }

    /** Records queued, not yet taken. */
    int records() {
        return records;
    }

    /** Framed bytes queued, not yet taken. */
    long bytes() {
        return bytes;
    }
}
