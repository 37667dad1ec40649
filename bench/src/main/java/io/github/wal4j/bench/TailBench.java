package io.github.wal4j.bench;

import io.github.wal4j.TailOptions;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalSubscription;
import io.github.wal4j.WalTailer;
import io.github.wal4j.WriteAheadLog;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The {@code tail} section (issue 15): tailing readers against the default durable log
 * ({@code WalOptions.defaults()}, SYNC, native layer), 100 B records.
 *
 * <ul>
 *   <li>Writer cost: the appenders' throughput with 0, 1 and 4 blocking tailers attached, 1 and 16
 *       appending threads, interleaved (0 1 4 0 1 4 ...) on fresh directories; ratios to 0 tailers
 *       per repetition. Every tailer must have delivered every record by the end, or the run says
 *       so.
 *   <li>Delivery latency: from the moment an append returned (acknowledged) to the moment a tailer
 *       was handed the record, for a blocking tailer and for a subscription on a one-thread
 *       executor, at 1 and 16 appending threads. The writer wakes tailers after it completed the
 *       batch's futures, but an appender's thread may still wake later than a tailer's, so some
 *       records reach the tailer before their append returned: counted as 0 here, and their share
 *       is reported.
 * </ul>
 */
final class TailBench {
    private static final int SIZE = 100;
    private static final int[] THREADS = {1, 16};
    private static final int[] TAILERS = {0, 1, 4};

    private TailBench() {
    }

    static void run(Options o, Report report) throws Exception {
        // JIT warm-up, not reported.
        throughput(o.dir, 16, 1, o.jvmWarmup / 2, o.jvmWarmup / 2);
        latency(o.dir, 16, o.jvmWarmup / 2, o.jvmWarmup / 2);
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> cpus = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (int rep = 1; rep <= o.reps; rep++) {
            for (int threads : THREADS) {
                for (int tailers : TAILERS) {
                    Throughput t = throughput(o.dir, threads, tailers, o.warmup, o.duration);
                    rates.computeIfAbsent(threads + "/" + tailers, k -> new ArrayList<>()).add(t.recordsPerSecond);
                    cpus.computeIfAbsent(threads + "/" + tailers, k -> new ArrayList<>()).add(t.cpuPerRecord);
                    String line = String.format(Locale.ROOT, "rep %d  tail  %2d threads %d tailers %10.0f rec/s"
                            + " %8.0f ns CPU/record (appenders + writer)%s", rep, threads, tailers, t.recordsPerSecond,
                            t.cpuPerRecord, t.note);
                    lines.add(line);
                    System.out.println(line);
                }
            }
        }
        Map<String, Histogram[]> latencies = new LinkedHashMap<>();
        Map<String, long[]> early = new LinkedHashMap<>();
        for (int rep = 1; rep <= o.reps; rep++) {
            for (int threads : THREADS) {
                Latency l = latency(o.dir, threads, o.warmup, o.duration);
                Histogram[] h = latencies.computeIfAbsent(threads + "", k -> new Histogram[] {
                    new Histogram(3), new Histogram(3), new Histogram(3)});
                h[0].add(l.tailer);
                h[1].add(l.subscription);
                h[2].add(l.append);
                long[] e = early.computeIfAbsent(threads + "", k -> new long[3]);
                e[0] += l.tailerEarly;
                e[1] += l.subscriptionEarly;
                e[2] += l.tailer.getTotalCount();
                String line = String.format(Locale.ROOT, "rep %d  tail latency %2d threads: tailer p50 %.1f p99 %.1f us,"
                        + " subscription p50 %.1f p99 %.1f us, append p50 %.1f p99 %.1f us", rep, threads,
                        l.tailer.getValueAtPercentile(50) / 1e3, l.tailer.getValueAtPercentile(99) / 1e3,
                        l.subscription.getValueAtPercentile(50) / 1e3, l.subscription.getValueAtPercentile(99) / 1e3,
                        l.append.getValueAtPercentile(50) / 1e3, l.append.getValueAtPercentile(99) / 1e3);
                lines.add(line);
                System.out.println(line);
            }
        }
        report.addTail(markdown(o, rates, cpus, latencies, early, lines));
    }

    private static String markdown(Options o, Map<String, List<Double>> rates, Map<String, List<Double>> cpus,
            Map<String, Histogram[]> latencies,
            Map<String, long[]> early, List<String> lines) {
        StringBuilder md = new StringBuilder("## Tailing readers\n\n");
        md.append(String.format(Locale.ROOT, "`WalOptions.defaults()` (SYNC) on the native layer, 100 B records, "
                + "warm-up %.1f s then %.1f s per run, %d repetitions, interleaved (0, 1, 4 tailers per "
                + "repetition), fresh directory per run. Tailers: blocking `WalTailer.nextView` loops, one thread "
                + "each.%n%n", o.warmup, o.duration, o.reps));
        md.append("| appending threads | tailers | records/s (mean, per rep) | vs 0 tailers (mean of per-rep ratios, per rep) | writing threads' CPU ns/record (mean) | vs 0 tailers (mean of per-rep ratios) |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (int threads : THREADS) {
            List<Double> base = rates.get(threads + "/0");
            for (int tailers : TAILERS) {
                List<Double> r = rates.get(threads + "/" + tailers);
                List<Double> ratios = new ArrayList<>();
                for (int i = 0; i < r.size(); i++) {
                    ratios.add(r.get(i) / base.get(i));
                }
                List<Double> c = cpus.get(threads + "/" + tailers);
                List<Double> cBase = cpus.get(threads + "/0");
                List<Double> cRatios = new ArrayList<>();
                for (int i = 0; i < c.size(); i++) {
                    cRatios.add(c.get(i) / cBase.get(i));
                }
                md.append(String.format(Locale.ROOT, "| %d | %d | %.0f (%s) | %s | %.0f | %s |%n", threads, tailers, mean(r),
                        join(r, "%.0f"), tailers == 0 ? "1" : String.format(Locale.ROOT, "%.3f (%s)", mean(ratios),
                                join(ratios, "%.3f")), mean(c), tailers == 0 ? "1"
                                : String.format(Locale.ROOT, "%.3f (%s)", mean(cRatios), join(cRatios, "%.2f"))));
            }
        }
        md.append("\nDelivery latency, from the append's return to the tailer's hand-over (pooled over the "
                + "repetitions; a record handed over before its append returned counts 0):\n\n");
        md.append("| appending threads | blocking tailer p50 / p99 us | subscription p50 / p99 us | handed over before the ack (tailer, subscription) | append p50 / p99 us |\n");
        md.append("|---|---|---|---|---|\n");
        for (Map.Entry<String, Histogram[]> e : latencies.entrySet()) {
            Histogram[] h = e.getValue();
            long[] n = early.get(e.getKey());
            md.append(String.format(Locale.ROOT, "| %s | %.1f / %.1f | %.1f / %.1f | %.0f %%, %.0f %% | %.1f / %.1f |%n",
                    e.getKey(), us(h[0], 50), us(h[0], 99), us(h[1], 50), us(h[1], 99),
                    100.0 * n[0] / Math.max(1, n[2]), 100.0 * n[1] / Math.max(1, n[2]), us(h[2], 50), us(h[2], 99)));
        }
        md.append("\n```\n");
        lines.forEach(l -> md.append(l).append('\n'));
        md.append("```\n\n");
        return md.toString();
    }

    private static double us(Histogram h, double p) {
        return h.getValueAtPercentile(p) / 1e3;
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static String join(List<Double> xs, String format) {
        List<String> s = new ArrayList<>();
        xs.forEach(x -> s.add(String.format(Locale.ROOT, format, x)));
        return String.join(", ", s);
    }

    /**
     * @param cpuPerRecord CPU nanoseconds of the log's writing threads (the appenders, which also
     *     commit their own records when alone, and the writer thread) per record over the window:
     *     what the writer pays, less sensitive to a loaded machine than records/s; the tailers'
     *     own threads are not in it
     */
    private record Throughput(double recordsPerSecond, double cpuPerRecord, String note) {
    }

    private static WriteAheadLog open(Path dir) throws Exception {
        WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withIoLayer("native"));
        if (!wal.ioLayer().equals("native")) {
            wal.close();
            throw new IllegalStateException("asked for the native layer, got " + wal.ioLayer());
        }
        return wal;
    }

    /** Appends from {@code threads} threads for a window with {@code tailers} tailers attached. */
    private static Throughput throughput(Path parent, int threads, int tailers, double warmup, double seconds)
            throws Exception {
        Path dir = Files.createTempDirectory(parent, "tail-");
        try (WriteAheadLog wal = open(dir)) {
            List<Thread> readers = new ArrayList<>();
            AtomicLong[] delivered = new AtomicLong[tailers];
            List<WalTailer> opened = new ArrayList<>();
            for (int t = 0; t < tailers; t++) {
                WalTailer tailer = wal.tail(1, TailOptions.defaults());
                opened.add(tailer);
                AtomicLong count = delivered[t] = new AtomicLong();
                Thread reader = new Thread(() -> {
                    try {
                        while (true) {
                            ByteBuffer view = tailer.nextView(Duration.ofSeconds(1));
                            if (view != null) {
                                count.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        // Closed at the end of the run.
                    }
                }, "tailer-" + t);
                reader.start();
                readers.add(reader);
            }
            long measureFrom = System.nanoTime() + (long) (warmup * 1e9);
            long end = measureFrom + (long) (seconds * 1e9);
            TimedAppends appends = TimedAppends.start(wal, threads, SIZE, measureFrom, end, (seq, done) -> { });
            appends.awaitWindow();
            long writerFrom = TimedAppends.writerCpu(dir);
            appends.join();
            long writerSpent = TimedAppends.writerCpu(dir) - writerFrom;
            long records = appends.records();
            double rate = records / ((appends.lastAck() - measureFrom) / 1e9);
            double cpuPerRecord = (double) (writerSpent + appends.cpuNanos()) / Math.max(1, records);
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
            opened.forEach(WalTailer::close);
            for (Thread r : readers) {
                r.join();
            }
            return new Throughput(rate, cpuPerRecord, note);
        } finally {
            Files2.deleteTree(dir);
        }
    }

    private record Latency(Histogram tailer, Histogram subscription, Histogram append, long tailerEarly,
            long subscriptionEarly) {
    }

    /** Delivery latency at {@code threads} appenders: one blocking tailer and one subscription attached. */
    private static Latency latency(Path parent, int threads, double warmup, double seconds) throws Exception {
        Path dir = Files.createTempDirectory(parent, "tail-latency-");
        int capacity = 2 << 20;
        long[] acked = new long[capacity];
        long[] tailed = new long[capacity];
        long[] pushed = new long[capacity];
        Histogram append = new Histogram(3);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        long measureFrom;
        long written;
        try (WriteAheadLog wal = open(dir)) {
            WalTailer tailer = wal.tail(1, TailOptions.defaults());
            Thread reader = new Thread(() -> {
                try {
                    while (true) {
                        if (tailer.nextView(Duration.ofSeconds(1)) != null && tailer.lastSequence() < capacity) {
                            tailed[(int) tailer.lastSequence()] = System.nanoTime();
                        }
                    }
                } catch (Exception e) {
                    // Closed at the end of the run.
                }
            }, "tailer");
            reader.start();
            WalSubscription subscription = wal.subscribe(1, TailOptions.defaults(), executor, (seq, payload) -> {
                if (seq < capacity) {
                    pushed[(int) seq] = System.nanoTime();
                }
            });
            long start = System.nanoTime();
            measureFrom = start + (long) (warmup * 1e9);
            long end = measureFrom + (long) (seconds * 1e9);
            Histogram[] own = new Histogram[threads];
            Thread[] appenders = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                Histogram h = own[i] = new Histogram(3);
                appenders[i] = new Thread(() -> {
                    byte[] p = new byte[SIZE];
                    try {
                        long began;
                        while ((began = System.nanoTime()) < end) {
                            long seq = wal.append(p);
                            long now = System.nanoTime();
                            if (seq < capacity) {
                                acked[(int) seq] = now;
                            }
                            if (began >= measureFrom) {
                                h.recordValue(now - began);
                            }
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                appenders[i].start();
            }
            for (Thread t : appenders) {
                t.join();
            }
            for (Histogram h : own) {
                append.add(h);
            }
            written = Math.min(wal.lastSequence(), capacity - 1);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((tailer.nextSequence() <= written || subscription.nextSequence() <= written)
                    && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            tailer.close();
            reader.join();
            subscription.close();
        } finally {
            executor.shutdown();
            executor.awaitTermination(10, TimeUnit.SECONDS);
            Files2.deleteTree(dir);
        }
        Histogram t = new Histogram(3);
        Histogram s = new Histogram(3);
        long tEarly = 0;
        long sEarly = 0;
        for (int seq = 1; seq <= written; seq++) {
            if (acked[seq] < measureFrom || tailed[seq] == 0 || pushed[seq] == 0) {
                continue;
            }
            long dt = tailed[seq] - acked[seq];
            long ds = pushed[seq] - acked[seq];
            tEarly += dt < 0 ? 1 : 0;
            sEarly += ds < 0 ? 1 : 0;
            t.recordValue(Math.max(0, dt));
            s.recordValue(Math.max(0, ds));
        }
        return new Latency(t, s, append, tEarly, sEarly);
    }
}
