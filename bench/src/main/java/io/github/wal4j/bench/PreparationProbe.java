package io.github.wal4j.bench;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalStats;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The steady state of a log that rotates, with segment preparation off (segments {@code fallocate}d
 * at rotation: every batch lands in an unwritten extent) or on ({@code withSegmentPreparation}: the
 * next segment zero-filled and synced ahead, so batches overwrite written blocks). A fresh log never
 * rotates in a 1-3 s cell of {@code bench/run}, so this probe first appends until the first
 * rotation happened (the log is then in its second segment, prepared or not), then measures a window
 * of N threads appending records of B bytes with the default durable options ({@code SYNC}, 64 MiB
 * segments unless told). It prints records/s, MB/s of payload, the bytes the device wrote per byte
 * of payload in the window (from {@code /proc/diskstats} of the given device: the whole device, so
 * anything else writing to it is counted too), the rotations in the window (how many used a
 * prepared segment; their duration from the JFR {@code io.github.wal4j.SegmentRotation} event) and
 * the slowest append (what the append that rotates waits, at worst).
 *
 * <p>Arguments: {@code DIR LAYER THREADS SECONDS BYTES on|off|recycle [SEGMENT_MIB [DEVICE]]}. Run by
 * {@code bench/preparation}, A B A B in fresh JVMs. {@code recycle} is preparation with
 * {@code withSegmentRecycling(true)}: the next segment is made from a segment a checkpoint freed
 * (zeros only when none is at hand). With {@code -Dprobe.checkpointMs=N} a {@link Checkpointer} checkpoints up
 * to the durable sequence every N ms during the fill and the window (so segments are freed), and
 * the fill runs until segment {@code -Dprobe.fillSegments} (default 2) exists, so that with
 * recycling the window runs in a recycled segment ({@code bench/recycling}).
 */
public final class PreparationProbe {
    private PreparationProbe() {
    }

    public static void main(String[] a) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(a[0]), "prep");
        String layer = a[1];
        int threads = Integer.parseInt(a[2]);
        double seconds = Double.parseDouble(a[3]);
        int size = Integer.parseInt(a[4]);
        boolean recycle = a[5].equals("recycle");
        boolean prepare = recycle || a[5].equals("on");
        long checkpointMs = Long.getLong("probe.checkpointMs", 0);
        long fillSegments = Long.getLong("probe.fillSegments", 2);
        long segment = (a.length > 6 ? Long.parseLong(a[6]) : 64) << 20;
        String device = a.length > 7 ? a[7] : null;
        WalOptions options = WalOptions.defaults().withIoLayer(layer).withSegmentSize(segment)
                .withSegmentPreparation(prepare).withSegmentRecycling(recycle);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            // Fill: until the first rotation, so the window runs in a segment the rotation made.
            Path second = dir.resolve(String.format("%016d.wal", fillSegments));
            Checkpointer checkpointer = checkpointMs <= 0 ? null : Checkpointer.start(wal, checkpointMs);
            run(wal, threads, size, Long.MAX_VALUE, () -> Files.exists(second));
            long before = sectorsWritten(device);
            WalStats start = wal.stats();
            long[] slowest = {0};
            long elapsed;
            List<Rotations.Rotation> rotations;
            try (Rotations recorded = Rotations.start()) {
                long t0 = System.nanoTime();
                slowest[0] = run(wal, threads, size, t0 + (long) (seconds * 1e9), () -> false);
                elapsed = System.nanoTime() - t0;
                rotations = recorded.sofar();
            }
            if (checkpointer != null) {
                checkpointer.close();
            }
            long after = sectorsWritten(device);
            WalStats end = wal.stats();
            long records = end.appends() - start.appends();
            long payload = records * size;
            Rotations.Tally tally = Rotations.Tally.of(rotations);
            double meanMs = rotations.stream().mapToDouble(e -> e.duration().toNanos() / 1e6).average().orElse(0);
            double maxMs = rotations.stream().mapToDouble(e -> e.duration().toNanos() / 1e6).max().orElse(0);
            System.out.printf("layer %s threads %d size %d preparation %s: %.0f rec/s, %.1f MB/s, device %s bytes"
                    + " per payload byte, rotations %d (%d prepared, %d recycled), rotation mean %.2f ms max %.2f ms,"
                    + " slowest append %.2f ms%n",
                    layer, threads, size, recycle ? "recycle" : prepare ? "on " : "off", records / (elapsed / 1e9),
                    payload / (elapsed / 1e3), device == null ? "n/a" : String.format("%.2f",
                            (after - before) * 512.0 / payload),
                    tally.rotations(), tally.prepared(), tally.recycled(), meanMs, maxMs, slowest[0] / 1e6);
        }
        deleteAll(dir);
    }

    /** N threads append until {@code deadline} or {@code done}; returns the slowest append in ns. */
    private static long run(WriteAheadLog wal, int threads, int size, long deadline, Check done)
            throws Exception {
        Thread[] ts = new Thread[threads];
        Throwable[] failure = new Throwable[1];
        AtomicLong slowest = new AtomicLong();
        for (int i = 0; i < threads; i++) {
            ts[i] = new Thread(() -> {
                byte[] p = new byte[size];
                p[0] = 1;
                long worst = 0;
                try {
                    int n = 0;
                    while (System.nanoTime() < deadline && ((++n & 63) != 0 || !done.yes())) {
                        long t = System.nanoTime();
                        wal.append(p);
                        worst = Math.max(worst, System.nanoTime() - t);
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                }
                slowest.accumulateAndGet(worst, Math::max);
            });
            ts[i].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        if (failure[0] != null) {
            throw new IllegalStateException("an append failed", failure[0]);
        }
        return slowest.get();
    }

    private interface Check {
        boolean yes() throws IOException;
    }

    /** Sectors (512 B) written to {@code device} since boot, field 10 of /proc/diskstats; 0 if not given. */
    private static long sectorsWritten(String device) throws IOException {
        if (device == null) {
            return 0;
        }
        for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
            String[] f = line.trim().split("\\s+");
            if (f[2].equals(device)) {
                return Long.parseLong(f[9]);
            }
        }
        throw new IOException("no device " + device + " in /proc/diskstats");
    }

    private static void deleteAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
