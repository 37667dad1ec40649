package io.github.wal4j.bench;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalStats;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an append's time goes: N threads append 100 B records (or B bytes: a fourth argument) to a log with the default durable
 * options (native layer) for S seconds, then it prints {@link WalStats} (append vs fdatasync
 * latency, batch sizes). Run it under JFR to see the writer's time outside fdatasync:
 * {@code java -XX:StartFlightRecording=filename=x.jfr,settings=profile ... SyncProbe DIR N S [B]}, then
 * sum the {@code io.github.wal4j.Fsync} events' durations ({@code jfr print --events
 * io.github.wal4j.Fsync x.jfr}) and count {@code jdk.ExecutionSample}s. docs/benchmarks.md
 * ("What bounds the append targets") has the numbers.
 */
public final class SyncProbe {
    private SyncProbe() {
    }

    public static void main(String[] a) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(a[0]), "sync");
        int threads = Integer.parseInt(a[1]);
        double seconds = Double.parseDouble(a[2]);
        int size = a.length > 3 ? Integer.parseInt(a[3]) : 100;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withIoLayer("native"))) {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                ts[i] = new Thread(() -> {
                    byte[] p = new byte[size];
                    try {
                        while (System.nanoTime() < end) {
                            wal.append(p);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            WalStats s = wal.stats();
            System.out.printf("threads %d: %.0f rec/s; %s%n", threads, s.appends() / seconds, s);
        }
    }
}
