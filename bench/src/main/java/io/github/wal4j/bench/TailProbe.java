package io.github.wal4j.bench;

import io.github.wal4j.TailOptions;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalTailer;
import io.github.wal4j.WriteAheadLog;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run of the writer-cost measurement of tailing (docs/benchmarks.md, "Tailing readers (issue
 * 15)"), for bench/tail-ab, which runs it in separate JVMs against the library of a base commit
 * and of this checkout, interleaved. The default durable log ({@code WalOptions.defaults()}, SYNC)
 * on the given I/O layer, 100 B records from {@code threads} appending threads for a window, with
 * {@code tailers} blocking tailers ({@code nextView} loops, one thread each) attached; prints one
 * line: records/s, the CPU time of the log's writing threads (the appenders, which commit their
 * own records when alone, and the writer thread) per record, the tailers' CPU per record, and the
 * delivery latency of the first tailer (from the append's return to its hand-over, p50/p99; a
 * record handed over before its append returned counts 0). Every tailer must have delivered every
 * record by the end, or the line says so.
 *
 * <p>Usage: {@code TailProbe DIR LAYER THREADS TAILERS SECONDS SPIN_US [DELAY_US]}; SPIN_US above 0
 * sets {@code TailOptions.withSpinBeforePark}, DELAY_US above 0 {@code TailOptions.withMaxDeliveryDelay}
 * (each by reflection: a base library without it refuses).
 * Compiles (with {@link Files2} and {@link TimedAppends}) against the public API of the base commit too.
 */
public final class TailProbe {
    private static final int SIZE = 100;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private TailProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path parent = Path.of(args[0]);
        String layer = args[1];
        int threads = Integer.parseInt(args[2]);
        int tailers = Integer.parseInt(args[3]);
        double seconds = Double.parseDouble(args[4]);
        long spinMicros = Long.parseLong(args[5]);
        long delayMicros = args.length > 6 ? Long.parseLong(args[6]) : 0;
        TailOptions options = TailOptions.defaults();
        if (spinMicros > 0) {
            options = with(options, "withSpinBeforePark", spinMicros);
        }
        if (delayMicros > 0) {
            options = with(options, "withMaxDeliveryDelay", delayMicros);
        }
        // JIT warm-up on its own log, not reported.
        run(parent, layer, threads, Math.max(1, tailers), 1.0, options, false);
        run(parent, layer, threads, tailers, seconds, options, true);
    }

    private static void run(Path parent, String layer, int threads, int tailers, double seconds, TailOptions options,
            boolean print) throws Exception {
        Path dir = Files.createTempDirectory(parent, "tail-probe-");
        int capacity = 1 << 21;
        long[] acked = new long[capacity];
        long[] tailed = new long[capacity];
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withIoLayer(layer))) {
            if (!wal.ioLayer().equals(layer)) {
                throw new IllegalStateException("asked for the " + layer + " layer, got " + wal.ioLayer());
            }
            Thread[] readers = new Thread[tailers];
            AtomicLong[] delivered = new AtomicLong[tailers];
            WalTailer[] opened = new WalTailer[tailers];
            for (int t = 0; t < tailers; t++) {
                WalTailer tailer = opened[t] = wal.tail(1, options);
                AtomicLong count = delivered[t] = new AtomicLong();
                boolean timesIt = t == 0;
                readers[t] = new Thread(() -> {
                    try {
                        while (true) {
                            ByteBuffer view = tailer.nextView(Duration.ofSeconds(1));
                            if (view != null) {
                                long seq = tailer.lastSequence();
                                if (timesIt && seq < capacity) {
                                    tailed[(int) seq] = System.nanoTime();
                                }
                                count.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        // Closed at the end of the run.
                    }
                }, "tailer-" + t);
                readers[t].start();
            }
            long measureFrom = System.nanoTime() + 500_000_000L;
            long end = measureFrom + (long) (seconds * 1e9);
            TimedAppends appends = TimedAppends.start(wal, threads, SIZE, measureFrom, end, (seq, done) -> {
                if (seq < capacity) {
                    acked[(int) seq] = done;
                }
            });
            appends.awaitWindow();
            long writerFrom = TimedAppends.writerCpu(dir);
            long[] tailerFrom = new long[tailers];
            for (int t = 0; t < tailers; t++) {
                tailerFrom[t] = CPU.getThreadCpuTime(readers[t].getId());
            }
            appends.join();
            long writerSpent = TimedAppends.writerCpu(dir) - writerFrom;
            long tailerSpent = 0;
            for (int t = 0; t < tailers; t++) {
                tailerSpent += CPU.getThreadCpuTime(readers[t].getId()) - tailerFrom[t];
            }
            long records = appends.records();
            double rate = records / ((appends.lastAck() - measureFrom) / 1e9);
            long spent = writerSpent + appends.cpuNanos();
            long written = wal.lastSequence();
            long deadline = System.nanoTime() + 10_000_000_000L;
            String note = "";
            for (AtomicLong d : delivered) {
                while (d.get() < written && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                if (d.get() < written) {
                    note = "  (a tailer delivered " + d.get() + " of " + written + ")";
                }
            }
            for (WalTailer t : opened) {
                t.close();
            }
            for (Thread r : readers) {
                r.join();
            }
            long from = appends.firstSequence();
            long[] lat = new long[(int) Math.max(0, Math.min(written, capacity - 1) - Math.min(from, written) + 1)];
            int n = 0;
            long early = 0;
            for (long seq = from; tailers > 0 && seq <= Math.min(written, capacity - 1); seq++) {
                if (acked[(int) seq] == 0 || tailed[(int) seq] == 0) {
                    continue;
                }
                long d = tailed[(int) seq] - acked[(int) seq];
                early += d < 0 ? 1 : 0;
                lat[n++] = Math.max(0, d);
            }
            Arrays.sort(lat, 0, n);
            if (print) {
                System.out.printf(Locale.ROOT, "threads %d tailers %d spin %d us delay %d us: %8.0f rec/s %8.0f ns writer CPU/record"
                        + " %8.0f ns tailers' CPU/record  latency p50 %7.1f p99 %8.1f us (%d records, %.0f %% before"
                        + " the ack)  load %s%s%n", threads, tailers, microsOf(options, "spinBeforePark"),
                        microsOf(options, "maxDeliveryDelay"), rate, (double) spent / Math.max(1, records),
                        (double) tailerSpent / Math.max(1, records), n == 0 ? 0 : lat[n / 2] / 1e3,
                        n == 0 ? 0 : lat[Math.min(n - 1, (int) (n * 0.99))] / 1e3, n,
                        100.0 * early / Math.max(1, n), loadavg(), note);
            }
        } finally {
            Files2.deleteTree(dir);
        }
    }

    /** {@code options} with the Duration option {@code method} set to {@code micros}, by reflection. */
    private static TailOptions with(TailOptions options, String method, long micros) throws ReflectiveOperationException {
        return (TailOptions) TailOptions.class.getMethod(method, Duration.class).invoke(options, Duration.ofNanos(micros * 1000));
    }

    /** The Duration option {@code getter} in microseconds, 0 if this library lacks it. */
    private static long microsOf(TailOptions options, String getter) {
        try {
            return ((Duration) TailOptions.class.getMethod(getter).invoke(options)).toNanos() / 1000;
        } catch (ReflectiveOperationException e) {
            return 0;
        }
    }

    private static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
