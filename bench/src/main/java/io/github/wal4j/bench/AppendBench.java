package io.github.wal4j.bench;

import io.github.wal4j.Durability;
import io.github.wal4j.KeyProvider;
import io.github.wal4j.Protection;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Append throughput of wal4j in its default, durable configuration ({@link Durability#SYNC}: every
 * append is fdatasync'ed before it returns, concurrent appends are group-committed), on the native
 * and the pure-Java I/O layer side by side in one JVM.
 *
 * <p>Every cell (record size x appending threads) runs once per layer per repetition, the layers
 * alternating (native, java, native, java, ...), each run on a fresh log directory: a warm-up, then
 * a fixed measured window. A run counts the appends that started inside the window; its length is
 * from the window's start to the last counted append's return. Every counted append's latency is
 * kept, and percentiles come from the sorted array of them. With {@code --ceiling}, each repetition
 * also runs the C program {@code bench/c/fsync_loop.c} (pwrite + fdatasync per record, one thread)
 * for every record size: the physical reference.
 *
 * <p>Run through {@code bench/run}; options: {@code --dir D} (default {@code target/bench/tmp}),
 * {@code --duration S} (3), {@code --warmup S} (1), {@code --jvm-warmup S} (2), {@code --reps N}
 * (3), {@code --threads 1,16}, {@code --sizes 100,4096}, {@code --layers native,java},
 * {@code --ceiling PATH}, {@code --allow-tmpfs}. A layer may carry a protection suffix:
 * {@code native+aes} (AES-256-GCM), {@code native+hmac} (HMAC-SHA256 chain).
 */
public final class AppendBench {

    private AppendBench() {
    }

    /** One measured run. */
    record Run(String layer, int threads, int size, int rep, long records, double seconds, long[] sortedLatencies) {
        double recordsPerSecond() {
            return records / seconds;
        }

        double megabytesPerSecond() {
            return records * (double) size / seconds / 1e6;
        }
    }

    /** One run of the C reference loop. */
    record Ceiling(String mode, int size, int rep, double recordsPerSecond, double megabytesPerSecond, double p50Us,
            double p99Us) {
    }

    private static final class Options {
        Path dir = Path.of("target", "bench", "tmp");
        double duration = 3;
        double warmup = 1;
        double jvmWarmup = 2;
        int reps = 3;
        int[] threads = {1, 16};
        int[] sizes = {100, 4096};
        List<String> layers = List.of("native", "java");
        Path ceiling;
        boolean allowTmpfs;
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Files.createDirectories(o.dir);
        FileStore store = Files.getFileStore(o.dir);
        String fsType = store.type();
        if ((fsType.equals("tmpfs") || fsType.equals("ramfs")) && !o.allowTmpfs) {
            throw new IllegalStateException(o.dir.toAbsolutePath() + " is on " + fsType
                    + ": fdatasync is free there, the numbers would mean nothing (--allow-tmpfs to insist)");
        }
        System.out.printf(Locale.ROOT, "# wal4j append benchmark%n");
        System.out.printf(Locale.ROOT, "java %s (%s), %s %s %s, %d CPUs%n", System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "directory %s on %s (%s)%n", o.dir.toAbsolutePath(), fsType, store.name());
        System.out.printf(Locale.ROOT, "WalOptions.defaults(): durability=%s, segment size %d MiB; layers %s; "
                        + "warm-up %.1f s, window %.1f s, %d repetitions%n%n",
                WalOptions.defaults().durability(), WalOptions.defaults().segmentSize() >> 20, o.layers, o.warmup,
                o.duration, o.reps);

        // JIT warm-up of both layers' code paths, not reported.
        for (String layer : o.layers) {
            run(o, layer, o.threads[o.threads.length - 1], o.sizes[0], 0, o.jvmWarmup / 2, o.jvmWarmup / 2);
        }

        List<Run> runs = new ArrayList<>();
        List<Ceiling> ceilings = new ArrayList<>();
        for (int rep = 1; rep <= o.reps; rep++) {
            for (int size : o.sizes) {
                if (o.ceiling != null) {
                    for (String mode : List.of("fallocate", "overwrite")) {
                        Ceiling c = ceiling(o, mode, size, rep);
                        ceilings.add(c);
                        System.out.printf(Locale.ROOT, "rep %d  C %-9s %5d B  t=1   %9.0f rec/s %8.2f MB/s  p50 %7.1f us  p99 %7.1f us%n",
                                rep, mode, size, c.recordsPerSecond(), c.megabytesPerSecond(), c.p50Us(), c.p99Us());
                    }
                }
                for (int threads : o.threads) {
                    for (String layer : o.layers) {
                        Run r = run(o, layer, threads, size, rep, o.warmup, o.duration);
                        runs.add(r);
                        System.out.printf(Locale.ROOT, "rep %d  %-11s %5d B  t=%-3d %9.0f rec/s %8.2f MB/s  p50 %7.1f us  p99 %7.1f us%n",
                                rep, layer, size, threads, r.recordsPerSecond(), r.megabytesPerSecond(),
                                percentile(r.sortedLatencies(), 0.50) / 1e3, percentile(r.sortedLatencies(), 0.99) / 1e3);
                    }
                }
            }
        }
        System.out.println();
        report(o, runs, ceilings);
    }

    /** One run on a fresh directory: warm-up, then the measured window. */
    static Run run(Options o, String layer, int threads, int size, int rep, double warmupSeconds, double seconds)
            throws Exception {
        Path dir = Files.createTempDirectory(o.dir, "wal-" + layer + "-");
        try {
            // "native-direct": the native layer with WalOptions.withDirectIo(true); "+aes" / "+hmac":
            // with AES-256-GCM encryption / the HMAC-SHA256 chain (issue 8's cost of protection).
            Protection protection = layer.endsWith("+aes") ? Protection.AES_256_GCM
                    : layer.endsWith("+hmac") ? Protection.HMAC_SHA256_CHAIN : Protection.NONE;
            String unprotected = layer.contains("+") ? layer.substring(0, layer.indexOf('+')) : layer;
            boolean direct = unprotected.endsWith("-direct");
            String base = direct ? unprotected.substring(0, unprotected.length() - "-direct".length()) : unprotected;
            byte[] key = new byte[32];
            new java.security.SecureRandom().nextBytes(key);
            WalOptions options = WalOptions.defaults().withIoLayer(base).withDirectIo(direct)
                    .withProtection(protection, protection == Protection.NONE ? null : KeyProvider.of("bench", key));
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                if (!wal.ioLayer().equals(base) || wal.directIo() != direct) {
                    throw new IllegalStateException("asked for the " + layer + " layer, got " + wal.ioLayer()
                            + (wal.directIo() ? " with direct I/O" : ""));
                }
                Worker[] workers = new Worker[threads];
                CountDownLatch started = new CountDownLatch(threads);
                Phase phase = new Phase();
                for (int i = 0; i < threads; i++) {
                    workers[i] = new Worker(wal, size, phase, started, i);
                    workers[i].start();
                }
                started.await();
                sleep(warmupSeconds);
                long windowStart = System.nanoTime();
                phase.value = Phase.MEASURE;
                sleep(seconds);
                phase.value = Phase.STOP;
                long records = 0;
                long windowEnd = windowStart;
                List<long[]> latencies = new ArrayList<>();
                for (Worker w : workers) {
                    w.join(TimeUnit.MINUTES.toMillis(2));
                    if (w.isAlive()) {
                        throw new IllegalStateException("appender " + w.getName() + " did not stop");
                    }
                    if (w.failure != null) {
                        throw new IllegalStateException("append failed on the " + layer + " layer", w.failure);
                    }
                    records += w.count;
                    windowEnd = Math.max(windowEnd, w.lastEnd);
                    latencies.add(Arrays.copyOf(w.latencies, w.count));
                }
                long[] all = merge(latencies);
                Arrays.sort(all);
                return new Run(layer, threads, size, rep, records, (windowEnd - windowStart) / 1e9, all);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static final class Phase {
        static final int WARMUP = 0;
        static final int MEASURE = 1;
        static final int STOP = 2;
        volatile int value = WARMUP;
    }

    /** One appending thread: appends the same record until told to stop, timing those it starts in the window. */
    private static final class Worker extends Thread {
        private final WriteAheadLog wal;
        private final byte[] record;
        private final Phase phase;
        private final CountDownLatch started;
        long[] latencies = new long[1 << 14];
        int count;
        long lastEnd;
        Throwable failure;

        Worker(WriteAheadLog wal, int size, Phase phase, CountDownLatch started, int index) {
            super("bench-appender-" + index);
            this.wal = wal;
            this.record = new byte[size];
            new Random(index).nextBytes(record);
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
                    if (p == Phase.STOP) {
                        return;
                    }
                    long t0 = System.nanoTime();
                    wal.append(record); // SYNC: returns once the record is fdatasync'ed
                    long t1 = System.nanoTime();
                    if (p == Phase.MEASURE) {
                        if (count == latencies.length) {
                            latencies = Arrays.copyOf(latencies, count * 2);
                        }
                        latencies[count++] = t1 - t0;
                        lastEnd = t1;
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    /** Runs the C loop once and parses its line. */
    static Ceiling ceiling(Options o, String mode, int size, int rep) throws IOException, InterruptedException {
        Path file = o.dir.resolve("fsync-loop-" + ProcessHandle.current().pid() + "-" + mode + "-" + size + ".dat");
        Process p = new ProcessBuilder(o.ceiling.toString(), file.toString(), Integer.toString(size),
                Double.toString(o.duration), mode).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = in.readLine();
        }
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0 || line == null) {
            p.destroyForcibly();
            throw new IOException(o.ceiling + " failed (" + mode + ", " + size + " B)");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : line.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return new Ceiling(mode, size, rep, Double.parseDouble(fields.get("records_per_s")),
                Double.parseDouble(fields.get("mb_per_s")), Double.parseDouble(fields.get("p50_us")),
                Double.parseDouble(fields.get("p99_us")));
    }

    /** The summary: a Markdown table with the mean over repetitions, and the native/java ratio. */
    static void report(Options o, List<Run> runs, List<Ceiling> ceilings) {
        System.out.println("## Summary (mean over " + o.reps + " repetitions; latency percentiles over every "
                + "counted append of all repetitions; MB = 10^6 bytes of payload)");
        System.out.println();
        if (!ceilings.isEmpty()) {
            System.out.println("| C reference (1 thread) | record | records/s | MB/s | p50 us | p99 us |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            for (int size : o.sizes) {
                for (String mode : List.of("fallocate", "overwrite")) {
                    List<Ceiling> cs = ceilings.stream().filter(c -> c.size() == size && c.mode().equals(mode)).toList();
                    System.out.printf(Locale.ROOT, "| pwrite+fdatasync, %s | %d B | %.0f | %.2f | %.1f | %.1f |%n", mode, size,
                            mean(cs.stream().mapToDouble(Ceiling::recordsPerSecond).toArray()),
                            mean(cs.stream().mapToDouble(Ceiling::megabytesPerSecond).toArray()),
                            mean(cs.stream().mapToDouble(Ceiling::p50Us).toArray()),
                            mean(cs.stream().mapToDouble(Ceiling::p99Us).toArray()));
                }
            }
            System.out.println();
        }
        boolean pair = o.layers.size() == 2;
        String a = o.layers.get(0);
        String b = pair ? o.layers.get(1) : null;
        StringBuilder header = new StringBuilder("| record | threads |");
        StringBuilder rule = new StringBuilder("|---:|---:|");
        for (String layer : o.layers) {
            header.append(' ').append(layer).append(" records/s (min-max) | ").append(layer).append(" MB/s | ")
                    .append(layer).append(" p50 / p99 us |");
            rule.append("---:|---:|---:|");
        }
        if (pair) {
            header.append(' ').append(a).append('/').append(b).append(" records/s (per-rep pairs) |");
            rule.append("---:|");
        }
        System.out.println(header);
        System.out.println(rule);
        for (int size : o.sizes) {
            for (int threads : o.threads) {
                StringBuilder row = new StringBuilder().append("| ").append(size).append(" B | ").append(threads).append(" |");
                Map<String, double[]> rates = new LinkedHashMap<>();
                for (String layer : o.layers) {
                    List<Run> cell = runs.stream()
                            .filter(r -> r.layer().equals(layer) && r.size() == size && r.threads() == threads)
                            .sorted(Comparator.comparingInt(Run::rep)).toList();
                    double[] rate = cell.stream().mapToDouble(Run::recordsPerSecond).toArray();
                    rates.put(layer, rate);
                    long[] pooled = merge(cell.stream().map(Run::sortedLatencies).toList());
                    Arrays.sort(pooled);
                    row.append(String.format(Locale.ROOT, " %.0f (%.0f-%.0f) | %.2f | %.0f / %.0f |", mean(rate),
                            Arrays.stream(rate).min().orElse(0), Arrays.stream(rate).max().orElse(0),
                            mean(cell.stream().mapToDouble(Run::megabytesPerSecond).toArray()),
                            percentile(pooled, 0.50) / 1e3, percentile(pooled, 0.99) / 1e3));
                }
                if (pair) {
                    double[] x = rates.get(a);
                    double[] y = rates.get(b);
                    StringBuilder perRep = new StringBuilder();
                    for (int i = 0; i < Math.min(x.length, y.length); i++) {
                        perRep.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", x[i] / y[i]));
                    }
                    row.append(String.format(Locale.ROOT, " **%.2f** (%s) |", mean(x) / mean(y), perRep));
                }
                System.out.println(row);
            }
        }
    }

    private static long[] merge(List<long[]> parts) {
        long[] all = new long[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (long[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** Nearest-rank percentile of a sorted array, in its unit; 0 for an empty one. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double mean(double[] values) {
        return values.length == 0 ? 0 : Arrays.stream(values).sum() / values.length;
    }

    private static void sleep(double seconds) throws InterruptedException {
        Thread.sleep(Math.max(0, Math.round(seconds * 1000)));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--allow-tmpfs" -> o.allowTmpfs = true;
                case "--dir" -> o.dir = Path.of(value(args, ++i, arg));
                case "--duration" -> o.duration = Double.parseDouble(value(args, ++i, arg));
                case "--warmup" -> o.warmup = Double.parseDouble(value(args, ++i, arg));
                case "--jvm-warmup" -> o.jvmWarmup = Double.parseDouble(value(args, ++i, arg));
                case "--reps" -> o.reps = Integer.parseInt(value(args, ++i, arg));
                case "--threads" -> o.threads = ints(value(args, ++i, arg));
                case "--sizes" -> o.sizes = ints(value(args, ++i, arg));
                case "--layers" -> o.layers = List.of(value(args, ++i, arg).split(","));
                case "--ceiling" -> o.ceiling = Path.of(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (o.reps < 1 || o.duration <= 0 || o.warmup < 0 || o.threads.length == 0 || o.sizes.length == 0
                || o.layers.isEmpty()) {
            throw new IllegalArgumentException("bad options");
        }
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }
}
