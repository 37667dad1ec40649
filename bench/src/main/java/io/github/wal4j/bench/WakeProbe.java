package io.github.wal4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What waking one other thread costs the thread that wakes it (docs/benchmarks.md, "Tailing readers
 * (issue 15)"): a lone appender's loop of {@code write + fdatasync} (or a sleep) followed by a
 * wake-up, as a self-committing appender publishes the durable mark to a parked tailer. Reports the
 * waker's thread CPU time per iteration for each mode, interleaved, so the difference to
 * {@code none} is what one wake-up costs the waker on this machine:
 *
 * <ul>
 *   <li>{@code none}: no wake-up (the loop alone);
 *   <li>{@code unpark-parked}: {@code LockSupport.unpark} of a thread parked in
 *       {@code LockSupport.park} (it re-parks at once after waking: a futex wake of a sleeping
 *       thread, the target's core usually idle);
 *   <li>{@code unpark-running}: {@code unpark} of a thread that is spinning (only the permit is set,
 *       no futex; the target burns the other core);
 *   <li>{@code signal-parked}: {@code ReentrantLock} + {@code Condition.signal} + unlock, the target
 *       in {@code awaitNanos} (the shape of the mark signal's publish on main);
 *   <li>{@code volatile-read}: one volatile read of a flag nobody sets (the publish with nobody
 *       waiting);
 *   <li>{@code marksignal-parked}: the library's own {@code MarkSignal.publish()} (package-private,
 *       reached by reflection from the wal4j jar on the class path, so the probe measures whichever
 *       version that jar holds), one thread waiting in its {@code await}; skipped if the class is
 *       not there.
 * </ul>
 *
 * <p>Usage: {@code WakeProbe DIR ITERATIONS ROUNDS IDLE} with IDLE {@code fsync} (100 B write +
 * {@code force(false)} on a file in DIR) or {@code sleepUS} (parkNanos of US microseconds).
 */
public final class WakeProbe {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static volatile boolean flag;
    private static volatile boolean stop;
    private static volatile long wakes;
    /** The waker's CPU per iteration in the wake-up call alone (between two thread-CPU reads), of the last run. */
    private static double sections;

    private WakeProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int iterations = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        String idle = args[3];
        String[] modes = markSignal() == null
                ? new String[] {"none", "unpark-parked", "unpark-running", "signal-parked", "volatile-read"}
                : new String[] {"none", "unpark-parked", "unpark-running", "signal-parked", "volatile-read",
                    "marksignal-parked"};
        double[][] perIteration = new double[modes.length][rounds];
        double[][] inCall = new double[modes.length][rounds];
        Path file = Files.createTempFile(dir, "wake-", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            run(ch, "none", iterations / 4, idle); // warm-up
            for (int r = 0; r < rounds; r++) {
                for (int m = 0; m < modes.length; m++) {
                    perIteration[m][r] = run(ch, modes[m], iterations, idle);
                    inCall[m][r] = sections;
                    System.out.printf(Locale.ROOT, "round %d %-15s %8.2f us waker CPU/iteration, %6.2f us of it in"
                            + " the wake-up call%n", r + 1, modes[m], perIteration[m][r] / 1e3, sections / 1e3);
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
        System.out.printf(Locale.ROOT, "# idle %s, %d iterations x %d rounds; load %s%n", idle, iterations, rounds,
                Files.readString(Path.of("/proc/loadavg")).trim());
        for (int m = 0; m < modes.length; m++) {
            double[] diffs = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                diffs[r] = perIteration[m][r] - perIteration[0][r];
            }
            java.util.Arrays.sort(diffs);
            double[] own = perIteration[m].clone();
            java.util.Arrays.sort(own);
            double[] call = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                call[r] = inCall[m][r] - inCall[0][r];
            }
            java.util.Arrays.sort(call);
            System.out.printf(Locale.ROOT, "%-15s median %8.2f us/iteration, minus none: median %6.2f us (min %6.2f,"
                    + " max %6.2f); in the call, minus none: median %6.2f us (min %6.2f, max %6.2f)%n", modes[m],
                    own[rounds / 2] / 1e3, diffs[rounds / 2] / 1e3, diffs[0] / 1e3, diffs[rounds - 1] / 1e3,
                    call[rounds / 2] / 1e3, call[0] / 1e3, call[rounds - 1] / 1e3);
        }
    }

    private static volatile long version;

    /** The library's MarkSignal class with publish/await made accessible, or null if not on the class path. */
    private static Object[] markSignal() {
        try {
            Class<?> c = Class.forName("io.github.wal4j.log.MarkSignal");
            java.lang.reflect.Constructor<?> k = c.getDeclaredConstructor();
            java.lang.reflect.Method publish = c.getDeclaredMethod("publish");
            java.lang.reflect.Method await = c.getDeclaredMethod("await", java.util.function.BooleanSupplier.class,
                    long.class);
            k.setAccessible(true);
            publish.setAccessible(true);
            await.setAccessible(true);
            return new Object[] {k, publish, await};
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The waker's thread CPU nanoseconds per iteration of {@code mode}. */
    private static double run(FileChannel ch, String mode, int iterations, String idle) throws Exception {
        stop = false;
        ReentrantLock lock = new ReentrantLock();
        Condition moved = lock.newCondition();
        Object[] ms = mode.equals("marksignal-parked") ? markSignal() : null;
        Object signal = ms == null ? null : ((java.lang.reflect.Constructor<?>) ms[0]).newInstance();
        java.lang.reflect.Method publish = ms == null ? null : (java.lang.reflect.Method) ms[1];
        Thread target = switch (mode) {
            case "marksignal-parked" -> new Thread(() -> {
                try {
                    java.lang.reflect.Method await = (java.lang.reflect.Method) ms[2];
                    while (!stop) {
                        long seen = version;
                        await.invoke(signal, (java.util.function.BooleanSupplier) () -> stop || version != seen,
                                1_000_000_000L);
                        wakes++;
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
            case "unpark-parked" -> new Thread(() -> {
                while (!stop) {
                    LockSupport.park();
                    wakes++;
                }
            });
            case "unpark-running" -> new Thread(() -> {
                while (!stop) {
                    Thread.onSpinWait();
                }
            });
            case "signal-parked" -> new Thread(() -> {
                lock.lock();
                try {
                    while (!stop) {
                        moved.awaitNanos(1_000_000_000L);
                        wakes++;
                    }
                } catch (InterruptedException e) {
                    // ends
                } finally {
                    lock.unlock();
                }
            });
            default -> null;
        };
        if (target != null) {
            target.setDaemon(true);
            target.start();
        }
        ByteBuffer record = ByteBuffer.allocateDirect(100);
        long sleep = idle.startsWith("sleep") ? Long.parseLong(idle.substring(5)) * 1000 : -1;
        long position = 0;
        long section = 0;
        long cpu = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < iterations; i++) {
            if (sleep >= 0) {
                LockSupport.parkNanos(sleep);
            } else {
                record.clear();
                ch.write(record, position);
                position += 100;
                ch.force(false);
            }
            long before = CPU.getCurrentThreadCpuTime();
            switch (mode) {
                case "unpark-parked", "unpark-running" -> LockSupport.unpark(target);
                case "signal-parked" -> {
                    lock.lock();
                    try {
                        moved.signal();
                    } finally {
                        lock.unlock();
                    }
                }
                case "marksignal-parked" -> {
                    version++;
                    publish.invoke(signal);
                }
                case "volatile-read" -> {
                    if (flag) {
                        throw new IllegalStateException();
                    }
                }
                default -> { }
            }
            section += CPU.getCurrentThreadCpuTime() - before;
        }
        cpu = CPU.getCurrentThreadCpuTime() - cpu;
        sections = (double) section / iterations;
        stop = true;
        if (target != null) {
            LockSupport.unpark(target);
            lock.lock();
            try {
                moved.signalAll();
            } finally {
                lock.unlock();
            }
            if (signal != null) {
                version++;
                publish.invoke(signal);
            }
            target.join();
        }
        return (double) cpu / iterations;
    }
}
