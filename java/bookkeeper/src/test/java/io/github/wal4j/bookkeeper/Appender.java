package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.DurableLog;
import io.github.wal4j.WalRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * A thread that appends {@code <prefix>-<i>} records asynchronously (up to 64 in flight) until it
 * is stopped or the log fails, and remembers every acknowledgement: sequence to payload, the first
 * failure, the longest time one append waited for its acknowledgement, and the longest time
 * without any acknowledgement (a stall), both since the start or {@link #resetLongest()}.
 */
final class Appender {
    final Map<Long, String> acked = new ConcurrentSkipListMap<>();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final LongAccumulator longestWaitNanos = new LongAccumulator(Math::max, 0);
    final LongAccumulator longestGapNanos = new LongAccumulator(Math::max, 0);
    private final AtomicLong lastAckNanos = new AtomicLong();
    private final Semaphore window = new Semaphore(64);
    private final Thread thread;
    private volatile boolean stop;

    Appender(DurableLog log, String prefix) {
        thread = new Thread(() -> {
            for (long i = 0; !stop && failure.get() == null; i++) {
                try {
                    if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        i--;
                        continue;
                    }
                } catch (InterruptedException e) {
                    return;
                }
                String payload = prefix + "-" + i;
                long started = System.nanoTime();
                log.appendAsync(payload.getBytes(StandardCharsets.UTF_8)).whenComplete((seq, e) -> {
                    window.release();
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        long now = System.nanoTime();
                        longestWaitNanos.accumulate(now - started);
                        long previous = lastAckNanos.getAndSet(now);
                        if (previous != 0) {
                            longestGapNanos.accumulate(now - previous);
                        }
                        acked.put(seq, payload);
                    }
                });
            }
        }, "appender " + prefix);
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts the longest wait and the longest gap between acknowledgements again from now. */
    void resetLongest() {
        lastAckNanos.set(System.nanoTime());
        longestWaitNanos.reset();
        longestGapNanos.reset();
    }

    /** Waits (bounded) until {@code count} appends are acknowledged; fails if the log failed first. */
    void awaitAcks(int count, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (acked.size() < count) {
            if (failure.get() != null) {
                throw new AssertionError("the log failed after " + acked.size() + " acks", failure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + acked.size() + " of " + count + " acks within " + timeoutMillis
                        + " ms; the threads then:\n" + threadDump());
            }
            Thread.sleep(5);
        }
    }

    /** Waits (bounded) until the log has failed an append; returns that failure. */
    Throwable awaitFailure(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (failure.get() == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no append failed within " + timeoutMillis + " ms (" + acked.size() + " acks)");
            }
            Thread.sleep(5);
        }
        return failure.get();
    }

    /** Stops appending and waits until every append in flight is acknowledged or failed. */
    void close() throws InterruptedException {
        stop = true;
        thread.join(30_000);
        if (!window.tryAcquire(64, 60, TimeUnit.SECONDS)) {
            throw new AssertionError("appends still in flight 60 s after stopping");
        }
        window.release(64);
    }

    /**
     * Checks that {@code records} (a log read from its start) holds every acknowledged append at its
     * sequence, sequences contiguous from {@code first}, and no payload twice.
     */
    static void assertHoldsEveryAck(List<WalRecord> records, long first, Map<Long, String> acked) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < records.size(); i++) {
            WalRecord r = records.get(i);
            assertEquals(first + i, r.sequence(), "sequences contiguous");
            assertTrue(seen.add(new String(r.payload(), StandardCharsets.UTF_8)),
                    "payload at " + r.sequence() + " appears twice");
        }
        long last = records.isEmpty() ? first - 1 : records.get(records.size() - 1).sequence();
        for (Map.Entry<Long, String> a : acked.entrySet()) {
            assertTrue(a.getKey() >= first && a.getKey() <= last, "acknowledged sequence " + a.getKey()
                    + " is not in the log (" + first + ".." + last + ")");
            assertArrayEquals(a.getValue().getBytes(StandardCharsets.UTF_8),
                    records.get((int) (a.getKey() - first)).payload(), "record " + a.getKey());
        }
    }

    /** Every thread's stack, for a stall's failure message (what waited on what). */
    static String threadDump() {
        StringBuilder out = new StringBuilder();
        for (java.lang.management.ThreadInfo t : java.lang.management.ManagementFactory.getThreadMXBean()
                .dumpAllThreads(true, true)) {
            out.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState());
            if (t.getLockName() != null) {
                out.append(" on ").append(t.getLockName());
            }
            if (t.getLockOwnerName() != null) {
                out.append(" owned by \"").append(t.getLockOwnerName()).append('"');
            }
            out.append('\n');
            for (StackTraceElement e : t.getStackTrace()) {
                out.append("    at ").append(e).append('\n');
            }
        }
        return out.toString();
    }
}
