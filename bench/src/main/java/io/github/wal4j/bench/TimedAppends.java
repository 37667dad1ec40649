package io.github.wal4j.bench;

import io.github.wal4j.WriteAheadLog;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/**
 * Blocking appends of equal records from several threads for a window, as the tailing benchmarks
 * ({@link TailBench}, {@link TailProbe}) measure the writer: each thread appends until {@code end};
 * the appends that start at or after {@code measureFrom} are counted, with the threads' CPU time
 * from then on (the appenders commit their own records when alone, so this is the writer's cost).
 * Uses only the log's public API, so that {@code bench/tail-ab} compiles it against older
 * libraries too.
 */
final class TimedAppends {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** Told of every append as it returns, on the appending thread. */
    interface Acked {
        void acked(long sequence, long nanoTime);
    }

    private final Thread[] threads;
    private final long measureFrom;
    private final long[] last;
    private final long[] cpu;
    private final long[] first;
    private final long[] counted;

    private TimedAppends(WriteAheadLog wal, int threads, int size, long measureFrom, long end, Acked acked) {
        this.threads = new Thread[threads];
        this.measureFrom = measureFrom;
        last = new long[threads];
        cpu = new long[threads];
        first = new long[threads];
        counted = new long[threads];
        for (int i = 0; i < threads; i++) {
            int id = i;
            this.threads[i] = new Thread(() -> {
                byte[] p = new byte[size];
                try {
                    long now;
                    long cpuFrom = -1;
                    while ((now = System.nanoTime()) < end) {
                        if (now >= measureFrom && cpuFrom < 0) {
                            cpuFrom = CPU.getCurrentThreadCpuTime();
                        }
                        long seq = wal.append(p);
                        long done = System.nanoTime();
                        acked.acked(seq, done);
                        if (now >= measureFrom) {
                            if (first[id] == 0) {
                                first[id] = seq;
                            }
                            counted[id]++;
                            last[id] = done;
                        }
                    }
                    cpu[id] = cpuFrom < 0 ? 0 : CPU.getCurrentThreadCpuTime() - cpuFrom;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, "appender-" + i);
            this.threads[i].start();
        }
    }

    /** Starts {@code threads} appending threads of {@code size}-byte records. */
    static TimedAppends start(WriteAheadLog wal, int threads, int size, long measureFrom, long end, Acked acked) {
        return new TimedAppends(wal, threads, size, measureFrom, end, acked);
    }

    /** Sleeps until the measured window starts. */
    void awaitWindow() throws InterruptedException {
        long sleep = measureFrom - System.nanoTime();
        if (sleep > 0) {
            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
    }

    /** Waits for every appending thread to end. */
    void join() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Appends counted (after {@link #join}). */
    long records() {
        long n = 0;
        for (long c : counted) {
            n += c;
        }
        return n;
    }

    /** The appending threads' CPU nanoseconds in the window (after {@link #join}). */
    long cpuNanos() {
        long n = 0;
        for (long c : cpu) {
            n += c;
        }
        return n;
    }

    /** When the last counted append returned, or {@code measureFrom} if none (after {@link #join}). */
    long lastAck() {
        long stop = measureFrom;
        for (long l : last) {
            stop = Math.max(stop, l);
        }
        return stop;
    }

    /** The lowest sequence counted, {@link Long#MAX_VALUE} if none (after {@link #join}). */
    long firstSequence() {
        long from = Long.MAX_VALUE;
        for (long f : first) {
            if (f > 0) {
                from = Math.min(from, f);
            }
        }
        return from;
    }

    /** CPU time of the log's writer thread for the log in {@code dir} (0 if not found). */
    static long writerCpu(Path dir) {
        String name = "wal4j-writer-" + dir.getFileName();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                return Math.max(0, CPU.getThreadCpuTime(t.getId()));
            }
        }
        return 0;
    }
}
