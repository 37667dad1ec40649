package io.github.wal4j.bench;

import io.github.wal4j.Durability;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a hot recovery's time goes, without the suite around it: writes a log of N records of
 * 100 B into DIR once (if DIR does not exist; {@code Durability.BUFFERED}, as the suite's recovery
 * log), then opens it R times and prints each open's wall time, either plainly ({@code plain}) or
 * with the one-pass replay ({@code one}: {@code WriteAheadLog.open(dir, options, visitor)} with a
 * visitor that only counts), and the CPU time the process spent during the open (all its threads:
 * the opening thread and any helper of recovery's, the JIT and the collector too). Run it under JFR to see the split:
 * {@code java -XX:StartFlightRecording=filename=r.jfr,settings=profile ... RecoveryProbe DIR one}.
 * Usage: {@code RecoveryProbe DIR plain|one [records, default 9444951 (1 GiB)] [opens, default 6]}.
 * With {@code -Dwal4j.probe.dropCache=HELPER} (the {@code bench/c/drop_cache.c} binary) the log's
 * segments are evicted from the page cache before every open, so that each open reads a cold log;
 * an open whose segments kept resident pages says so ({@code NOT COLD}).
 */
public final class RecoveryProbe {
    private RecoveryProbe() {
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        boolean onePass = a[1].equals("one");
        long records = a.length > 2 ? Long.parseLong(a[2]) : 9_444_951L;
        int opens = a.length > 3 ? Integer.parseInt(a[3]) : 6;
        if (!Files.exists(dir)) {
            try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withDurability(Durability.BUFFERED))) {
                byte[] p = new byte[100];
                for (long i = 0; i < records; i++) {
                    wal.append(p);
                }
            }
        }
        String dropCache = System.getProperty("wal4j.probe.dropCache");
        for (int r = 0; r < opens; r++) {
            String cold = dropCache == null ? "" : evict(dropCache, dir);
            long[] lent = {0};
            long cpu = processCpuNanos();
            long t = System.nanoTime();
            WriteAheadLog wal = onePass
                    ? WriteAheadLog.open(dir, WalOptions.defaults(), (sequence, payload) -> lent[0]++)
                    : WriteAheadLog.open(dir);
            double s = (System.nanoTime() - t) / 1e9;
            double cpuSeconds = (processCpuNanos() - cpu) / 1e9;
            long last = wal.lastSequence();
            wal.close();
            // The wall time stays the fourth field: bench/recovery-ab reads it there.
            System.out.printf("%s open %d: %.3f s, %d records lent, last sequence %d, cpu %.3f s%s%n",
                    onePass ? "one-pass" : "plain", r + 1, s, lent[0], last, cpuSeconds, cold);
        }
    }

    /** Runs the drop_cache helper on the segments of {@code dir}; "" if no page stayed, else a note. */
    private static String evict(String helper, Path dir) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(helper));
        try (var files = Files.list(dir)) {
            files.filter(f -> f.toString().endsWith(".wal")).sorted().forEach(f -> command.add(f.toString()));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        long left = 0;
        for (String line : new String(p.getInputStream().readAllBytes()).split("\n")) {
            int at = line.indexOf("resident_after=");
            if (at >= 0) {
                left += Long.parseLong(line.substring(at + "resident_after=".length()).trim());
            }
        }
        return p.waitFor() == 0 && left == 0 ? "" : ", NOT COLD (" + left + " pages resident, helper exit " + p.exitValue() + ")";
    }
}
