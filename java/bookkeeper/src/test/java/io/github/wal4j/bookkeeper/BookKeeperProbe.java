package io.github.wal4j.bookkeeper;

import io.github.wal4j.DurableLog;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.sqlite.SqliteCommitNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * bench/bookkeeper/run: durable appends per second and the latency of one blocking append (100 B)
 * on a {@link BookKeeperLog} (3 bookies in this JVM, 3/3/2, journal flushed when its queue is
 * empty) against the local {@link WriteAheadLog} (defaults: fdatasync per group commit), 1 and 16
 * threads, interleaved (local, BookKeeper, local, BookKeeper, ...) in one run; then the SQLite
 * commit node on each. All bookies share this machine's one disk and its cores: the numbers show
 * the replicated log's overhead here, not what a cluster of machines does.
 *
 * <p>Arguments: seconds per cell, rounds, the directory for the local logs (on a real disk), the
 * file the table is written to. {@code -Dwal4j.probe.only=<subject>:<threads>} (for example
 * {@code "bookkeeper log append:16"}) runs only that cell, for a profile of it.
 */
final class BookKeeperProbe {
    private static final byte[] RECORD = new byte[100];

    private interface Op {
        void run(int thread, long i) throws IOException;
    }

    private record Cell(String subject, int threads, double perSecond, double p50Micros, double p99Micros,
            long count) {}

    private BookKeeperProbe() {}

    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Path dir = Files.createDirectories(Path.of(args[2]));
        Path out = Path.of(args[3]);
        List<Cell> cells = new ArrayList<>();
        try (BookKeeperCluster cluster = BookKeeperCluster.start(3)) {
            int n = 0;
            for (int round = 1; round <= rounds; round++) {
                for (int threads : new int[] {1, 16}) {
                    for (String subject : new String[] {"local log", "bookkeeper log"}) {
                        if (!wanted(subject + " append", threads)) {
                            continue;
                        }
                        DurableLog log = open(subject, cluster, dir.resolve("log-" + (++n)));
                        try {
                            cells.add(measure(subject + " append", threads, seconds, (t, i) -> log.append(RECORD)));
                        } finally {
                            log.close();
                        }
                        System.out.println(format(cells.get(cells.size() - 1)));
                    }
                }
                for (int threads : new int[] {1, 16}) {
                    for (String subject : new String[] {"local log", "bookkeeper log"}) {
                        if (!wanted("sqlite node on " + subject, threads)) {
                            continue;
                        }
                        DurableLog log = open(subject, cluster, dir.resolve("log-" + (++n)));
                        try (SqliteCommitNode node = SqliteCommitNode.open(log, dir.resolve("node-" + n + ".db"),
                                SqliteFailoverTest.APPLIER, SqliteFailoverTest.nodeOptions())) {
                            cells.add(measure("sqlite node on " + subject, threads, seconds, (t, i) -> node.commit(
                                    ("t" + t + "-" + i).getBytes(StandardCharsets.UTF_8))));
                        }
                        System.out.println(format(cells.get(cells.size() - 1)));
                    }
                }
            }
        }
        try (PrintStream p = new PrintStream(Files.newOutputStream(out), true, StandardCharsets.UTF_8)) {
            p.println("| subject | threads | ops/s | p50 us | p99 us | ops |");
            p.println("|---|---:|---:|---:|---:|---:|");
            for (Cell c : cells) {
                p.println(format(c));
            }
        }
    }

    private static boolean wanted(String subject, int threads) {
        String only = System.getProperty("wal4j.probe.only");
        return only == null || only.equals(subject + ":" + threads);
    }

    private static DurableLog open(String subject, BookKeeperCluster cluster, Path dir) throws IOException {
        if (subject.startsWith("local")) {
            return WriteAheadLog.open(Files.createDirectories(dir), WalOptions.defaults());
        }
        return BookKeeperLog.open(cluster.newLog("probe", 3, 3, 2));
    }

    private static String format(Cell c) {
        return String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f | %d |", c.subject, c.threads, c.perSecond,
                c.p50Micros, c.p99Micros, c.count);
    }

    /** One warm-up second, then {@code seconds} of {@code threads} threads each running {@code op} in a loop. */
    private static Cell measure(String subject, int threads, int seconds, Op op) throws Exception {
        List<Histogram> histograms = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Histogram h = new Histogram(60_000_000_000L, 3);
            histograms.add(h);
            int thread = t;
            Thread th = new Thread(() -> {
                try {
                    for (long i = 0; ; i++) {
                        long start = System.nanoTime();
                        if (start >= end) {
                            break;
                        }
                        op.run(thread, i);
                        long stop = System.nanoTime();
                        if (start >= warmEnd) {
                            h.recordValue(stop - start);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            });
            th.setDaemon(true);
            th.start();
        }
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException(subject + " failed", failure.get());
        }
        Histogram all = new Histogram(60_000_000_000L, 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        return new Cell(subject, threads, all.getTotalCount() / (double) seconds,
                all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0, all.getTotalCount());
    }
}
