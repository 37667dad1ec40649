package io.github.wal4j.bench;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalStats;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the batch alignment costs: N threads append records of B bytes with the default durable
 * options for S seconds, then the log is closed and its segments are measured on disk. It prints
 * records/s and the bytes of segment file each record used (from the segment's start to its last
 * non-zero byte, summed over the segments; preallocated space past the end is not counted).
 *
 * <p>It uses only API that every wal4j version since the group-commit one has, so the same class
 * runs against two builds of the library side by side: {@code bench/alignment} runs it A B A B
 * against the jar of an older commit (512-byte batch alignment) and the current one (4 KiB).
 * Arguments: {@code DIR LAYER THREADS SECONDS [BYTES]}.
 */
public final class AlignmentProbe {
    private AlignmentProbe() {
    }

    public static void main(String[] a) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(a[0]), "align");
        String layer = a[1];
        int threads = Integer.parseInt(a[2]);
        double seconds = Double.parseDouble(a[3]);
        int size = a.length > 4 ? Integer.parseInt(a[4]) : 100;
        WalStats stats;
        long elapsed;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withIoLayer(layer))) {
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            Thread[] ts = new Thread[threads];
            Throwable[] failure = new Throwable[1];
            for (int i = 0; i < threads; i++) {
                ts[i] = new Thread(() -> {
                    byte[] p = new byte[size];
                    p[0] = 1;
                    try {
                        while (System.nanoTime() < end) {
                            wal.append(p);
                        }
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
            stats = wal.stats();
        }
        long used = 0;
        int segments = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".wal")).toList()) {
                used += usedBytes(f);
                segments++;
            }
        }
        System.out.printf("layer %s threads %d size %d: %.0f rec/s, %.1f records/batch, %.1f bytes on disk per record"
                + " (%d records, %d segment(s), %d bytes used)%n",
                layer, threads, size, stats.appends() / (elapsed / 1e9), stats.meanBatchSize(),
                (double) used / stats.appends(), stats.appends(), segments, used);
        deleteAll(dir);
    }

    /** Offset just past the last non-zero byte: where the segment's written part ends. */
    private static long usedBytes(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = ch.size();
            while (pos > 0) {
                long from = Math.max(0, pos - buf.capacity());
                buf.clear().limit((int) (pos - from));
                while (buf.hasRemaining() && ch.read(buf, from + buf.position()) >= 0) {
                    // read the whole window
                }
                for (int i = buf.position() - 1; i >= 0; i--) {
                    if (buf.get(i) != 0) {
                        return from + i + 1;
                    }
                }
                pos = from;
            }
            return 0;
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = files.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }
}
