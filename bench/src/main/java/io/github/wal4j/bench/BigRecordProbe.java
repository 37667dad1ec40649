package io.github.wal4j.bench;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalStats;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;

/**
 * Blocking appends of big records from many threads, in the default durable configuration
 * ({@code Durability.SYNC}): T threads append B-byte records for a warm-up and then S measured
 * seconds. Prints, for the measured window, what the machine's load moves little: CPU time of the
 * whole process per record (every thread: appenders, writer, JIT, GC), bytes the process had the
 * kernel write ({@code /proc/self/io} {@code wchar}) and bytes sent to the device
 * ({@code write_bytes}) per payload byte, fdatasyncs and mean records per batch (from
 * {@link WalStats}); and records/s and MB/s, which it does move. {@code bench/bigrecords} runs it
 * against two commits' libraries, interleaved. Arguments: {@code DIR LAYER THREADS SECONDS BYTES
 * WARMUP_SECONDS}.
 */
public final class BigRecordProbe {
    private BigRecordProbe() {
    }

    public static void main(String[] a) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(a[0]), "bigrecords");
        String layer = a[1];
        int threads = Integer.parseInt(a[2]);
        double seconds = Double.parseDouble(a[3]);
        int size = Integer.parseInt(a[4]);
        double warmup = Double.parseDouble(a[5]);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        LongAdder measured = new LongAdder();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withIoLayer(layer))) {
            long start = System.nanoTime();
            long measureFrom = start + (long) (warmup * 1e9);
            long end = measureFrom + (long) (seconds * 1e9);
            CountDownLatch done = new CountDownLatch(threads);
            Throwable[] failure = new Throwable[1];
            for (int i = 0; i < threads; i++) {
                byte[] p = new byte[size];
                new java.util.Random(i).nextBytes(p);
                Thread t = new Thread(() -> {
                    try {
                        long now;
                        while ((now = System.nanoTime()) < end) {
                            wal.append(p);
                            if (now >= measureFrom) {
                                measured.increment();
                            }
                        }
                    } catch (Throwable e) {
                        failure[0] = e;
                    } finally {
                        done.countDown();
                    }
                }, "appender-" + i);
                t.setDaemon(true);
                t.start();
            }
            Thread.sleep(Math.max(0, (measureFrom - System.nanoTime()) / 1_000_000));
            WalStats before = wal.stats();
            long cpu0 = os.getProcessCpuTime();
            long[] io0 = io();
            long t0 = System.nanoTime();
            done.await();
            long t1 = System.nanoTime();
            long cpu1 = os.getProcessCpuTime();
            long[] io1 = io();
            WalStats after = wal.stats();
            if (failure[0] != null) {
                throw new IllegalStateException("an append failed", failure[0]);
            }
            long records = measured.sum();
            double window = (t1 - t0) / 1e9;
            double payload = (double) records * size;
            long batches = after.batches() - before.batches();
            System.out.println(String.format(Locale.ROOT,
                    "layer=%s threads=%d bytes=%d records=%d seconds=%.2f records_per_s=%.0f mb_per_s=%.1f"
                            + " cpu_us_per_record=%.1f wchar_per_payload=%.3f device_per_payload=%.3f"
                            + " fsyncs=%d records_per_batch=%.2f",
                    layer, threads, size, records, window, records / window, payload / window / 1e6,
                    (cpu1 - cpu0) / 1e3 / records, (io1[0] - io0[0]) / payload, (io1[1] - io0[1]) / payload,
                    after.fsyncs() - before.fsyncs(),
                    batches == 0 ? 0.0 : (double) (after.appends() - before.appends()) / batches));
        } finally {
            Files2.deleteTree(dir);
        }
    }

    /** {@code wchar} and {@code write_bytes} of this process so far. */
    private static long[] io() throws IOException {
        long wchar = -1;
        long writeBytes = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("wchar:")) {
                wchar = Long.parseLong(line.substring(6).trim());
            } else if (line.startsWith("write_bytes:")) {
                writeBytes = Long.parseLong(line.substring(12).trim());
            }
        }
        return new long[] {wchar, writeBytes};
    }
}
