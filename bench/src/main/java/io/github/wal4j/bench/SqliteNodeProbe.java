package io.github.wal4j.bench;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.sqlite.ChangeApplier;
import io.github.wal4j.sqlite.JournalMode;
import io.github.wal4j.sqlite.SqliteCommitNode;
import io.github.wal4j.sqlite.SqliteNodeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Issue 19's measurement: commits per second and commit latency of the SQLite commit node at 1, 4,
 * 16 and 64 threads, 100-byte changes, side by side (interleaved, each cell on a fresh directory)
 * with plain SQLite ({@code journal_mode=WAL}, {@code synchronous=FULL}, auto-commit, one shared
 * connection), SQLite {@code synchronous=OFF} (not durable: the upper bound) and the bare wal4j log
 * ({@code WriteAheadLog.append}, defaults); {@code node-delete} is the node in
 * {@link JournalMode#DELETE}. Whichever {@code wal4j-sqlite} jar is on the class
 * path is "node": run it once with this branch's jar and once with the base commit's to compare
 * today's node, each run carrying its own plain-SQLite cells to take ratios against.
 *
 * <pre>
 * java -cp ... io.github.wal4j.bench.SqliteNodeProbe DIR SECONDS REPS THREADS SUBJECTS
 *   e.g. target/probe 3 2 1,4,16,64 node,sqlite-full,sqlite-off,log
 * </pre>
 * {@code log-sqlite} is the node's two steps without the node: the WAL append, then the change in a
 * SQLite transaction at the node's settings, on the committing thread (the transactions one at a
 * time). {@code node-phases} is {@code node} with timers that print where each commit's time goes
 * ({@link Phases}). {@code node-overlap} (and {@code node-overlap-phases}) is {@code node} with
 * {@code SqliteNodeOptions.withOverlappedApply(true)}: a batch applied while its WAL fdatasync runs;
 * {@code node-base-overlap} (and {@code node-base-overlap-phases}) is {@code node-base} with it (the
 * base build's overlapped apply, say one whose batches are not aligned with the WAL's).
 * {@code -Dprobe.checkpointEvery=N} runs the node with a checkpoint every N changes (the policy's
 * other bounds at their defaults). {@code node-base} is another build of the node in the same
 * process: the classes of {@code io.github.wal4j.sqlite} in the directory or jar
 * {@code -Dprobe.baseClasses=PATH} (say, the base commit's, compiled against the same core), loaded
 * child-first by a class loader of their own, everything else shared ({@code node-prev}: a third
 * build, from {@code -Dprobe.prevClasses=PATH}, in a loader of its own); so {@code node} and
 * {@code node-base} cells interleave in one JVM and their ratio is not moved by the machine's load.
 * After each node cell the probe prints what each commit cost in CPU time (all threads of the
 * process, {@code /proc/self/stat}) and in voluntary context switches ({@code /proc/self/status}
 * summed over the process's threads): load-insensitive evidence of the thread hand-offs. Prints one line per cell: subject, threads, rep, commits/s, p50/p99/p99.9 in microseconds.
 */
public final class SqliteNodeProbe {
    private static final int SIZE = 100;

    /** One thing that commits a change durably (except sqlite-off), from many threads. */
    interface Committer extends AutoCloseable {
        void commit(byte[] change) throws Exception;
    }

    private SqliteNodeProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        double seconds = Double.parseDouble(args[1]);
        int reps = Integer.parseInt(args[2]);
        int[] threads = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        String[] subjects = args[4].split(",");
        System.out.println("# " + String.join(" ", args) + "\n# SQLite " + SqliteSubject.version() + ", " + SIZE + " B changes, " + seconds + " s per cell");
        int cell = 0;
        for (int rep = 0; rep < reps; rep++) {
            for (int t : threads) {
                for (String s : subjects) {
                    Path dir = Files.createDirectories(root.resolve("cell-" + cell++));
                    try {
                        run(s, t, rep, dir, seconds);
                    } finally {
                        delete(dir);
                    }
                }
            }
        }
    }

    private static Committer open(String subject, Path dir) throws Exception {
        switch (subject) {
            case "node", "node-delete", "node-phases", "node-overlap", "node-overlap-phases" -> {
                Phases phases = subject.endsWith("-phases") ? new Phases() : null;
                SqliteNodeOptions options = SqliteNodeOptions.defaults().withSchema(db -> {
                    try (Statement s = db.createStatement()) {
                        s.execute("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
                    }
                });
                String every = System.getProperty("probe.checkpointEvery");
                if (every != null) {
                    options = options.withCheckpointPolicy(io.github.wal4j.sqlite.SqliteCheckpointPolicy.defaults()
                            .withChanges(Long.parseLong(every)));
                }
                if (subject.equals("node-delete")) {
                    options = options.withJournalMode(JournalMode.DELETE);
                }
                if (subject.startsWith("node-overlap")) {
                    options = options.withOverlappedApply(true);
                }
                if (phases != null) {
                    options = options.withListener(phases);
                }
                // node-phases opens the WAL itself, to read its batch sizes (the node owns it from there).
                WriteAheadLog phasesWal = phases == null ? null : WriteAheadLog.open(dir.resolve("wal"));
                ChangeApplier applier = (db, seq, change) -> {
                    if (phases != null) {
                        phases.applying();
                    }
                    try (PreparedStatement insert = db.prepareStatement("INSERT INTO log (payload) VALUES (?)")) {
                        insert.setBytes(1, change);
                        insert.executeUpdate();
                    }
                };
                SqliteCommitNode node = phasesWal == null
                        ? SqliteCommitNode.open(dir.resolve("wal"), dir.resolve("node.db"), applier, options)
                        : SqliteCommitNode.open(phasesWal, dir.resolve("node.db"), applier, options);
                return new Committer() {
                    @Override
                    public void commit(byte[] change) throws Exception {
                        if (phases == null) {
                            node.commit(change);
                            return;
                        }
                        phases.started();
                        node.commit(change);
                        phases.returned();
                    }

                    @Override
                    public void close() throws Exception {
                        String walStats = phasesWal == null ? null : walStats(phasesWal);
                        node.close();
                        if (phases != null) {
                            phases.print();
                            System.out.println(walStats);
                        }
                    }
                };
            }
            case "node-base" -> {
                return BaseNode.open(dir, System.getProperty("probe.baseClasses"));
            }
            case "node-base-overlap", "node-base-overlap-phases" -> {
                return BaseNode.open(dir, System.getProperty("probe.baseClasses"), true,
                        subject.endsWith("-phases") ? new Phases() : null);
            }
            case "node-prev" -> {
                return BaseNode.open(dir, System.getProperty("probe.prevClasses"));
            }
            case "sqlite-full", "sqlite-off" -> {
                Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("plain.db"));
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA synchronous=" + (subject.equals("sqlite-full") ? "FULL" : "OFF"));
                    s.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
                }
                c.setAutoCommit(true);
                PreparedStatement insert = c.prepareStatement("INSERT INTO log (payload) VALUES (?)");
                return new Committer() {
                    @Override
                    public synchronized void commit(byte[] change) throws Exception {
                        insert.setBytes(1, change);
                        insert.executeUpdate();
                    }

                    @Override
                    public synchronized void close() throws Exception {
                        insert.close();
                        c.close();
                    }
                };
            }
            case "log-sqlite" -> {
                // The node's two steps with none of its machinery: the WAL append, then the change in
                // a SQLite transaction at the node's settings (WAL, synchronous=NORMAL), one thread at a time.
                WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"));
                Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("plain.db"));
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA synchronous=NORMAL");
                    s.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
                }
                c.setAutoCommit(false);
                PreparedStatement insert = c.prepareStatement("INSERT INTO log (payload) VALUES (?)");
                Phases phases = new Phases();
                return new Committer() {
                    @Override
                    public void commit(byte[] change) throws Exception {
                        phases.started();
                        wal.append(change);
                        phases.appended(0);
                        synchronized (this) {
                            insert.setBytes(1, change);
                            insert.executeUpdate();
                            c.commit();
                        }
                        phases.returned();
                    }

                    @Override
                    public synchronized void close() throws Exception {
                        String walStats = walStats(wal);
                        insert.close();
                        c.close();
                        wal.close();
                        phases.print();
                        System.out.println(walStats);
                    }
                };
            }
            case "log" -> {
                WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"));
                return new Committer() {
                    @Override
                    public void commit(byte[] change) throws Exception {
                        wal.append(change);
                    }

                    @Override
                    public void close() throws Exception {
                        String walStats = walStats(wal);
                        wal.close();
                        System.out.println(walStats);
                    }
                };
            }
            default -> throw new IllegalArgumentException("unknown subject " + subject);
        }
    }

    private static void run(String subject, int threads, int rep, Path dir, double seconds) throws Exception {
        try (Committer committer = open(subject, dir)) {
            ProcessCost cost = new ProcessCost();
            byte[] change = new byte[SIZE];
            Arrays.fill(change, (byte) 'x');
            long warmupNanos = (long) (Math.min(1.0, seconds / 3) * 1e9);
            long measureNanos = (long) (seconds * 1e9);
            AtomicBoolean measuring = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            List<Histogram> histograms = new ArrayList<>();
            long[] counts = new long[threads];
            CountDownLatch done = new CountDownLatch(threads);
            List<Throwable> failures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Histogram h = new Histogram(60_000_000_000L, 3);
                histograms.add(h);
                int me = t;
                Thread thread = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            long start = System.nanoTime();
                            committer.commit(change);
                            if (measuring.get()) {
                                h.recordValue(System.nanoTime() - start);
                                counts[me]++;
                            }
                        }
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    } finally {
                        done.countDown();
                    }
                });
                thread.start();
            }
            Thread.sleep(warmupNanos / 1_000_000);
            ProcessCost.Sample before = cost.sample();
            measuring.set(true);
            long started = System.nanoTime();
            Thread.sleep(measureNanos / 1_000_000);
            measuring.set(false);
            ProcessCost.Sample after = cost.sample();
            long elapsed = System.nanoTime() - started;
            stop.set(true);
            done.await();
            if (!failures.isEmpty()) {
                throw new IllegalStateException(subject + " failed", failures.get(0));
            }
            Histogram all = new Histogram(60_000_000_000L, 3);
            histograms.forEach(all::add);
            long ops = Arrays.stream(counts).sum();
            System.out.printf("%-12s threads=%-3d rep=%d  %9.0f commits/s  p50=%7.0f us  p99=%7.0f us  p99.9=%7.0f us"
                    + "  cpu=%5.1f us/commit  cswitch=%5.2f/commit  load=%s%n",
                    subject, threads, rep, ops / (elapsed / 1e9), all.getValueAtPercentile(50) / 1e3,
                    all.getValueAtPercentile(99) / 1e3, all.getValueAtPercentile(99.9) / 1e3,
                    (after.cpuNanos() - before.cpuNanos()) / 1e3 / Math.max(1, ops),
                    (double) (after.voluntarySwitches() - before.voluntarySwitches()) / Math.max(1, ops),
                    ProcessCost.loadAverage());
        }
    }

    /**
     * {@code node-phases}: the node as {@code node}, with a {@link io.github.wal4j.sqlite.CommitListener}
     * and the applier timing where each commit's time goes: from the call to the WAL append's return
     * ({@code appended}: the WAL's group commit, its fdatasync), from there to the return ({@code
     * after}: waiting for a leader and the batch's SQLite transaction, and the wake-up), the
     * leaders' transactions (first applier call to the batch's first {@code applied}: the applier,
     * the applied row, SQLite's commit) and the batch sizes. Printed at close, over the cell's whole
     * run (warm-up included).
     */
    static final class Phases implements io.github.wal4j.sqlite.CommitListener {
        private final ThreadLocal<long[]> times = ThreadLocal.withInitial(() -> new long[2]);
        private final Histogram append = new Histogram(60_000_000_000L, 3);
        private final Histogram after = new Histogram(60_000_000_000L, 3);
        private final Histogram transaction = new Histogram(60_000_000_000L, 3);
        private final Histogram batch = new Histogram(1_000_000L, 3);
        // Written by the leader only (one at a time, under the node's connection lock).
        private long batchStart;
        private int batchChanges;

        void started() {
            times.get()[0] = System.nanoTime();
        }

        @Override
        public void appended(long sequence) {
            long[] t = times.get();
            t[1] = System.nanoTime();
            synchronized (append) {
                append.recordValue(t[1] - t[0]);
            }
        }

        void applying() {
            if (batchChanges++ == 0) {
                batchStart = System.nanoTime();
            }
        }

        @Override
        public void applied(long sequence, boolean replay) {
            if (batchChanges > 0) {
                synchronized (transaction) {
                    transaction.recordValue(System.nanoTime() - batchStart);
                    batch.recordValue(batchChanges);
                }
                batchChanges = 0;
            }
        }

        void returned() {
            long now = System.nanoTime();
            synchronized (after) {
                after.recordValue(now - times.get()[1]);
            }
        }

        void print() {
            System.out.printf("  phases: append p50=%.0f mean=%.0f us | after append p50=%.0f mean=%.0f p99=%.0f us"
                    + " | leader transaction p50=%.0f mean=%.0f us | batch mean=%.1f max=%d changes (%d batches)%n",
                    append.getValueAtPercentile(50) / 1e3, append.getMean() / 1e3,
                    after.getValueAtPercentile(50) / 1e3, after.getMean() / 1e3, after.getValueAtPercentile(99) / 1e3,
                    transaction.getValueAtPercentile(50) / 1e3, transaction.getMean() / 1e3,
                    batch.getMean(), batch.getMaxValue(), batch.getTotalCount());
        }
    }

    /** The WAL's group commit over the cell's whole run (warm-up included): appends per fdatasync. */
    static String walStats(WriteAheadLog wal) {
        io.github.wal4j.WalStats st = wal.stats();
        return String.format("  wal: %d appends, %d batches, %d fsyncs, %.1f appends per batch", st.appends(),
                st.batches(), st.fsyncs(), st.meanBatchSize());
    }

    private static void delete(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
