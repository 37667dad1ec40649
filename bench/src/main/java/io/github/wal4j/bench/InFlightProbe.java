package io.github.wal4j.bench;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * appendAsync throughput under the in-flight limit: N threads issue {@code appendAsync} of B-byte
 * records for S seconds with the default durable options ({@code Durability.SYNC}), either without
 * waiting ({@code unbounded}: only the log's in-flight limit holds them back) or keeping at most W
 * futures each in flight ({@code window:W}: the limit never binds, so this measures what admission
 * costs on the common path). It then waits for the last acknowledgement and prints records/s
 * (records appended / time until all were acknowledged).
 *
 * <p>LIMIT {@code default} opens with the library's default; {@code huge} sets a limit no run
 * reaches (through reflection, so the class also runs against a library from before the option,
 * where only {@code default} exists). {@code bench/inflight} runs it against the library before the
 * in-flight limit and this checkout, interleaved. PREP (optional) {@code prep} keeps the library's
 * default segment preparation, {@code noprep} turns it off ({@code withSegmentPreparation(false)},
 * also through reflection: a library from before the option has no preparation).
 *
 * <p>Beside records/s it prints the process's CPU time per record (all threads: appenders, writer,
 * preparer, JIT and GC; steadier than throughput on a shared machine) and, from {@code /proc/self/io},
 * the bytes the process had written to storage ({@code write_bytes}, page-cache pages it dirtied)
 * and passed to write calls ({@code wchar}) per payload byte, from before the open to after the
 * close. Arguments: {@code DIR LAYER MODE THREADS SECONDS BYTES LIMIT [PREP]}.
 */
public final class InFlightProbe {
    private InFlightProbe() {
    }

    public static void main(String[] a) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(a[0]), "inflight");
        String layer = a[1];
        String mode = a[2];
        int threads = Integer.parseInt(a[3]);
        double seconds = Double.parseDouble(a[4]);
        int size = Integer.parseInt(a[5]);
        String limit = a[6];
        String prep = a.length > 7 ? a[7] : "prep";
        int window = mode.startsWith("window:") ? Integer.parseInt(mode.substring(7)) : Integer.MAX_VALUE;
        WalOptions options = WalOptions.defaults().withIoLayer(layer);
        if (limit.equals("huge")) {
            Class<?> type = Class.forName("io.github.wal4j.InFlightLimit");
            Object huge = type.getMethod("blocking", int.class, long.class, Duration.class)
                    .invoke(null, Integer.MAX_VALUE, Long.MAX_VALUE / 4, Duration.ofDays(1));
            Method with = WalOptions.class.getMethod("withInFlightLimit", type);
            options = (WalOptions) with.invoke(options, huge);
        } else if (!limit.equals("default")) {
            throw new IllegalArgumentException("LIMIT is default or huge: " + limit);
        }
        if (prep.equals("noprep")) {
            options = (WalOptions) WalOptions.class.getMethod("withSegmentPreparation", boolean.class)
                    .invoke(options, false);
        } else if (!prep.equals("prep")) {
            throw new IllegalArgumentException("PREP is prep or noprep: " + prep);
        }
        long[] appended = new long[threads];
        long elapsed;
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuFrom = os.getProcessCpuTime();
        long[] ioFrom = io();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            Thread[] ts = new Thread[threads];
            Throwable[] failure = new Throwable[1];
            for (int i = 0; i < threads; i++) {
                int t = i;
                ts[i] = new Thread(() -> {
                    byte[] p = new byte[size];
                    p[0] = 1;
                    ArrayDeque<CompletableFuture<Long>> inFlight = new ArrayDeque<>();
                    CompletableFuture<Long> last = null;
                    try {
                        long n = 0;
                        while (System.nanoTime() < end) {
                            if (inFlight.size() >= window) {
                                inFlight.poll().join();
                            }
                            last = wal.appendAsync(p);
                            if (window != Integer.MAX_VALUE) {
                                inFlight.add(last);
                            }
                            n++;
                        }
                        if (last != null) {
                            last.join(); // every earlier one is acknowledged too
                        }
                        appended[t] = n;
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                });
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            elapsed = System.nanoTime() - start;
            if (failure[0] != null) {
                throw new IllegalStateException("an append failed", failure[0]);
            }
        }
        long cpu = os.getProcessCpuTime() - cpuFrom;
        long[] ioTo = io();
        long total = 0;
        for (long n : appended) {
            total += n;
        }
        double payload = (double) total * size;
        System.out.printf("layer %s %s threads %d size %d limit %s %s: %.0f rec/s (%d records in %.2f s),"
                        + " %.0f ns CPU/record, written %.2f B/payload B (write calls %.2f)%n", layer, mode,
                threads, size, limit, prep, total / (elapsed / 1e9), total, elapsed / 1e9, cpu / (double) total,
                (ioTo[1] - ioFrom[1]) / payload, (ioTo[0] - ioFrom[0]) / payload);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted((x, y) -> y.compareTo(x)).toList()) {
                Files.delete(f);
            }
        }
    }

    /** {@code wchar} and {@code write_bytes} of this process, from {@code /proc/self/io}. */
    private static long[] io() throws java.io.IOException {
        long[] v = new long[2];
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("wchar:")) {
                v[0] = Long.parseLong(line.substring(6).trim());
            } else if (line.startsWith("write_bytes:")) {
                v[1] = Long.parseLong(line.substring(12).trim());
            }
        }
        return v;
    }
}
