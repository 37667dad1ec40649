package io.github.wal4j.bench;

import io.github.wal4j.Durability;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalReader;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Recovery speed with a warm page cache, side by side in one run: open (recovery validates every
 * batch and CRC) and streaming replay of every record, against a plain sequential read of the same
 * segment files (the `cat` baseline, in this JVM). Two logs: one record per batch (the worst case:
 * a 512-byte batch per 100-byte record, as single-threaded durable appends write) and 1 MiB batches.
 * Replay is measured twice: {@code reader} (a {@code byte[]} and a record object per record) and
 * {@code replayPayloads} (zero-copy views); both validate every checksum.
 *
 * <p>Usage: {@code java -cp target/classes:<jna> io.github.wal4j.bench.RecoveryBench DIR [records]}
 */
public final class RecoveryBench {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private RecoveryBench() {
    }

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args.length > 0 ? args[0] : "target/bench/recovery");
        int records = args.length > 1 ? Integer.parseInt(args[1]) : 400_000;
        for (int batchBytes : new int[] {1, 1 << 20}) {
            Path dir = base.resolve(batchBytes == 1 ? "small-batches" : "large-batches");
            if (!Files.exists(dir)) {
                // BUFFERED only to build the log quickly; the log's bytes are those of durable appends.
                try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults()
                        .withDurability(Durability.BUFFERED).withMaxBatchBytes(batchBytes))) {
                    byte[] record = new byte[100];
                    for (int i = 0; i < records * (batchBytes == 1 ? 1 : 5); i++) {
                        wal.append(record);
                    }
                }
            }
            for (int rep = 1; rep <= 3; rep++) {
                long plainStart = System.nanoTime();
                long plainCpu = CPU.getCurrentThreadCpuTime();
                long bytes = plainRead(dir);
                double plain = seconds(plainStart);
                // CPU time of this thread (user + system) per phase: on a shared, loaded machine it
                // is steadier than wall time, and every phase here runs on this thread alone.
                long openCpu = CPU.getCurrentThreadCpuTime();
                plainCpu = openCpu - plainCpu;
                long openStart = System.nanoTime();
                long count = 0;
                double open;
                double replay;
                double views;
                long[] viewed = new long[1];
                try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
                    open = seconds(openStart);
                    openCpu = CPU.getCurrentThreadCpuTime() - openCpu;
                    long replayCpu = CPU.getCurrentThreadCpuTime();
                    long replayStart = System.nanoTime();
                    try (WalReader reader = wal.reader(0)) {
                        WalRecord r;
                        while ((r = reader.next()) != null) {
                            count += r.payload().length >= 0 ? 1 : 0;
                        }
                    }
                    replay = seconds(replayStart);
                    replayCpu = CPU.getCurrentThreadCpuTime() - replayCpu;
                    long viewCpu = CPU.getCurrentThreadCpuTime();
                    long viewStart = System.nanoTime();
                    wal.replayPayloads(0, (sequence, payload) -> viewed[0] += payload.remaining() >= 0 ? 1 : 0);
                    views = seconds(viewStart);
                    viewCpu = CPU.getCurrentThreadCpuTime() - viewCpu;
                    System.out.printf(Locale.ROOT, "%s rep %d: CPU time vs plain read: open+recovery %.2fx | replay "
                            + "%.2fx | replayPayloads %.2fx%n", dir.getFileName(), rep, (double) plainCpu / openCpu,
                            (double) plainCpu / replayCpu, (double) plainCpu / viewCpu);
                }
                double mib = bytes / 1048576.0;
                System.out.printf(Locale.ROOT, "%s rep %d: %.1f MiB, %d records | plain read %.0f MiB/s | open+recovery "
                        + "%.0f MiB/s (%.2fx plain) | replay %.0f MiB/s (%.2fx plain) | replayPayloads %.0f MiB/s (%.2fx plain)%n",
                        dir.getFileName(), rep, mib, count, mib / plain, mib / open, plain / open, mib / replay,
                        plain / replay, mib / views, plain / views);
                if (viewed[0] != count) {
                    throw new IllegalStateException("replayPayloads saw " + viewed[0] + " records, replay " + count);
                }
            }
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Reads every segment file sequentially in 1 MiB reads: what `cat` does. */
    private static long plainRead(Path dir) throws IOException {
        long total = 0;
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
        }
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                int n;
                while ((n = channel.read(buffer.clear())) > 0) {
                    total += n;
                }
            }
        }
        return total;
    }
}
