package io.github.wal4j.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Runs one in-process implementation in one cell on a fresh directory: a warm-up, then a fixed
 * measured window. A run counts the appends that started inside the window; its length runs from
 * the window's start to the last counted append's acknowledgement. Latency is per append, from the
 * call to its return (or the future's completion), in an HdrHistogram (3 significant digits). The
 * bytes written to the bench directory's device ({@link DeviceWrites}: the whole device, every
 * writer on it) are taken from the window's start to the moment its last counted append completed
 * and the appenders stopped.
 */
final class Harness {
    static final int WARMUP = 0;
    static final int MEASURE = 1;
    static final int STOP = 2;

    private Harness() {
    }

    /** Timing of a run. */
    record Timing(double warmupSeconds, double seconds) {
    }

    static Result run(Subjects.Entry entry, Cell cell, Timing timing, int rep, Path parent) throws Exception {
        Path dir = Files.createTempDirectory(parent, entry.name() + "-");
        try {
            DeviceWrites device = DeviceWrites.of(dir);
            try (Subject subject = entry.factory().open(dir, cell.size())) {
                if (cell.isAsync()) {
                    if (!(subject instanceof AsyncSubject async)) {
                        throw new IllegalArgumentException(entry.name() + " has no asynchronous append");
                    }
                    return runAsync(entry.name(), async, cell, timing, rep, device);
                }
                return runSync(entry.name(), subject, cell, timing, rep, device);
            }
        } finally {
            Files2.deleteTree(dir);
        }
    }

    private static final class Phase {
        volatile int value = WARMUP;
        /**
         * Counted down once the window's allocation count is taken. The appending threads wait for
         * it before they end: the count of a thread that has ended is gone (getThreadAllocatedBytes
         * gives -1 for it), and with it everything it allocated in the window. Before this, a
         * thread that saw STOP and ended before the count was taken dropped out of it: the
         * one-thread cells then reported 0 B/record, the many-thread cells too little.
         */
        final CountDownLatch counted = new CountDownLatch(1);
    }

    /**
     * The measured window of a run, as {@link #measure} took it.
     *
     * @param counters the subject's counters at the window's start
     * @param start {@link System#nanoTime} at the window's start
     * @param allocated the bytes the threads allocated in the window ({@link #allocatedBetween})
     * @param deviceBefore the device's written bytes at the window's start ({@link DeviceWrites#bytesWritten()}, or -1)
     */
    private record Measured(Map<String, Long> counters, long start, long allocated, long deviceBefore) {
    }

    /**
     * Once the appenders run: the warm-up, then the window (the subject's counters and the threads'
     * allocation counts taken at its ends, the phase MEASURE inside it and STOP after it); then
     * lets the appenders end.
     */
    private static Measured measure(Subject subject, Phase phase, Timing timing, DeviceWrites device)
            throws InterruptedException {
        sleep(timing.warmupSeconds());
        Map<String, Long> before = subject.counters();
        Map<Long, Long> allocBefore = allocatedBytes();
        long deviceBefore = device == null ? -1 : device.bytesWritten();
        long windowStart = System.nanoTime();
        phase.value = MEASURE;
        sleep(timing.seconds());
        phase.value = STOP;
        Map<Long, Long> allocAfter = allocatedBytes();
        phase.counted.countDown();
        return new Measured(before, windowStart, allocatedBetween(allocBefore, allocAfter), deviceBefore);
    }

    private static Result runSync(String name, Subject subject, Cell cell, Timing timing, int rep, DeviceWrites device)
            throws Exception {
        Phase phase = new Phase();
        CountDownLatch started = new CountDownLatch(cell.threads());
        Worker[] workers = new Worker[cell.threads()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(subject, record(cell.size(), i), phase, started, name + "-" + i);
            workers[i].start();
        }
        started.await();
        Measured measured = measure(subject, phase, timing, device);
        long records = 0;
        long windowEnd = measured.start();
        Histogram latency = histogram();
        for (Worker w : workers) {
            w.join(TimeUnit.MINUTES.toMillis(5));
            if (w.isAlive()) {
                throw new IllegalStateException("appender " + w.getName() + " did not stop");
            }
            if (w.failure != null) {
                throw new IllegalStateException(name + ": append failed", w.failure);
            }
            records += w.count;
            windowEnd = Math.max(windowEnd, w.lastEnd);
            latency.add(w.latency);
        }
        // After the joins: the window's last appends are durable, their writes done.
        long deviceWritten = deviceBetween(device, measured.deviceBefore());
        Map<String, Long> windowCounters = delta(measured.counters(), subject.counters());
        return new Result(name, cell, rep, records, (windowEnd - measured.start()) / 1e9, latency,
                windowCounters, measured.allocated(), deviceWritten, subject.windowNote(windowCounters));
    }

    /** One appending thread: appends until told to stop, timing those it starts inside the window. */
    private static final class Worker extends Thread {
        private final Subject subject;
        private final byte[] record;
        private final Phase phase;
        private final CountDownLatch started;
        final Histogram latency = histogram();
        long count;
        long lastEnd;
        Throwable failure;

        Worker(Subject subject, byte[] record, Phase phase, CountDownLatch started, String name) {
            super(name);
            this.subject = subject;
            this.record = record;
            this.phase = phase;
            this.started = started;
            setDaemon(true);
        }

        @Override
        public void run() {
            started.countDown();
            try {
                while (true) {
                    int p = phase.value;
                    if (p == STOP) {
                        phase.counted.await();
                        return;
                    }
                    long t0 = System.nanoTime();
                    subject.append(record);
                    long t1 = System.nanoTime();
                    if (p == MEASURE) {
                        latency.recordValue(t1 - t0);
                        count++;
                        lastEnd = t1;
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    /** Counts and latencies of the async window, updated by the completion callbacks. */
    private static final class AsyncTally {
        final Histogram latency = histogram();
        long count;
        long lastEnd;
        Throwable failure;

        synchronized void done(long t0, long t1, int p, Throwable error) {
            if (error != null) {
                if (failure == null) {
                    failure = error;
                }
                return;
            }
            if (p == MEASURE) {
                latency.recordValue(t1 - t0);
                count++;
                lastEnd = Math.max(lastEnd, t1);
            }
        }

        synchronized Throwable failure() {
            return failure;
        }
    }

    private static Result runAsync(String name, AsyncSubject subject, Cell cell, Timing timing, int rep, DeviceWrites device)
            throws Exception {
        Phase phase = new Phase();
        Semaphore window = new Semaphore(cell.window());
        AsyncTally tally = new AsyncTally();
        byte[] record = record(cell.size(), 0);
        Throwable[] loopFailure = new Throwable[1];
        Thread appender = new Thread(() -> {
            try {
                while (true) {
                    int p = phase.value;
                    if (p == STOP || tally.failure() != null) {
                        phase.counted.await();
                        return;
                    }
                    window.acquire();
                    long t0 = System.nanoTime();
                    subject.appendAsync(record).whenComplete((seq, error) -> {
                        tally.done(t0, System.nanoTime(), p, error);
                        window.release();
                    });
                }
            } catch (Throwable t) {
                loopFailure[0] = t;
            }
        }, name + "-async");
        appender.setDaemon(true);
        appender.start();
        Measured measured = measure(subject, phase, timing, device);
        appender.join(TimeUnit.MINUTES.toMillis(5));
        if (appender.isAlive()) {
            throw new IllegalStateException(name + ": the async appender did not stop");
        }
        if (!window.tryAcquire(cell.window(), 5, TimeUnit.MINUTES)) {
            throw new IllegalStateException(name + ": appends still in flight after 5 minutes");
        }
        if (loopFailure[0] != null) {
            throw new IllegalStateException(name + ": appendAsync failed", loopFailure[0]);
        }
        if (tally.failure() != null) {
            throw new IllegalStateException(name + ": an append failed", tally.failure());
        }
        long deviceWritten = deviceBetween(device, measured.deviceBefore());
        Map<String, Long> windowCounters = delta(measured.counters(), subject.counters());
        synchronized (tally) {
            return new Result(name, cell, rep, tally.count,
                    (Math.max(tally.lastEnd, measured.start()) - measured.start()) / 1e9, tally.latency,
                    windowCounters, measured.allocated(), deviceWritten, subject.windowNote(windowCounters));
        }
    }

    static Histogram histogram() {
        Histogram h = new Histogram(3);
        h.setAutoResize(true);
        return h;
    }

    static byte[] record(int size, int seed) {
        byte[] record = new byte[size];
        new Random(seed).nextBytes(record);
        return record;
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new HashMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
        return d;
    }

    /** Bytes allocated so far by each live JVM thread (HotSpot), by thread id; null where the JVM cannot tell. */
    static Map<Long, Long> allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            long[] ids = t.getAllThreadIds();
            long[] bytes = t.getThreadAllocatedBytes(ids);
            Map<Long, Long> byThread = new HashMap<>();
            for (int i = 0; i < ids.length; i++) {
                if (bytes[i] >= 0) {
                    byThread.put(ids[i], bytes[i]);
                }
            }
            return byThread;
        }
        return null;
    }

    /**
     * Bytes allocated between two {@link #allocatedBytes()} snapshots by the threads alive at both
     * (a thread that ends in between, such as the JDK's process reaper, would otherwise subtract its
     * whole history), or -1.
     */
    static long allocatedBetween(Map<Long, Long> before, Map<Long, Long> after) {
        if (before == null || after == null) {
            return -1;
        }
        long total = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            Long start = before.get(e.getKey());
            if (start != null && e.getValue() >= start) {
                total += e.getValue() - start;
            }
        }
        return total;
    }

    /** Bytes the device wrote since {@code before} (a {@link DeviceWrites#bytesWritten()}), or -1. */
    private static long deviceBetween(DeviceWrites device, long before) {
        if (device == null || before < 0) {
            return -1;
        }
        long after = device.bytesWritten();
        return after < before ? -1 : after - before;
    }

    static void sleep(double seconds) throws InterruptedException {
        Thread.sleep(Math.max(0, Math.round(seconds * 1000)));
    }
}
