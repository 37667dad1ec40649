package io.github.wal4j.bench;

import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The wal4j benchmark driver (issue 7, docs/benchmarks.md): in one process run, side by side and
 * interleaved (every implementation once per cell per repetition, in a fixed order, then the next
 * repetition), on one file system:
 *
 * <ul>
 *   <li>append: the implementations of {@link Subjects} and the C ceiling ({@link CCeiling}) over a
 *       matrix of threads x record sizes, plus {@code appendAsync} from one thread with a bounded
 *       window of appends in flight;
 *   <li>recovery: open + replay of a log against {@code cat} of the same files and RocksDB's WAL
 *       replay, page cache warm and cold ({@link Recovery});
 *   <li>tail: tailing readers, the writer's throughput with 0, 1 and 4 tailers and the delivery
 *       latency from acknowledgement to tailer ({@link TailBench});
 *   <li>JMH microbenchmarks of record encode and decode with the GC profiler ({@link Jmh}).
 * </ul>
 *
 * It writes {@code report.md} and {@code throughput-100B.png} into {@code --out}. Run it through
 * {@code bench/run --quick} or {@code bench/run --full}; see {@link Options} for the options.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Options o = Options.parse(args);
        if (o.help) {
            System.out.println(Options.HELP);
            return;
        }
        Files.createDirectories(o.dir);
        Files.createDirectories(o.out);
        FileStore store = Files.getFileStore(o.dir);
        if ((store.type().equals("tmpfs") || store.type().equals("ramfs")) && !o.allowTmpfs) {
            throw new IllegalStateException(o.dir.toAbsolutePath() + " is on " + store.type()
                    + ": fdatasync is free there, the numbers would mean nothing (--allow-tmpfs to insist)");
        }
        Report report = new Report(o, Machine.describe(o.dir), Machine.loadAverage());
        report.printHeader(System.out);
        if (o.sections.contains("append")) {
            append(o, report);
        }
        if (o.sections.contains("recovery")) {
            Recovery.run(o, report);
        }
        if (o.sections.contains("tail")) {
            TailBench.run(o, report);
        }
        if (o.sections.contains("jmh")) {
            Jmh.run(o, report);
        }
        report.finish(Machine.loadAverage(), (System.nanoTime() - started) / 1e9);
        System.out.println();
        System.out.println(report.markdown());
        System.out.println("report: " + o.out.resolve("report.md"));
    }

    private static void append(Options o, Report report) throws Exception {
        Harness.Timing timing = new Harness.Timing(o.warmup, o.duration);
        Set<String> inProcess = new LinkedHashSet<>();
        for (String s : o.subjects) {
            if (!CCeiling.isC(s)) {
                inProcess.add(s);
            }
        }
        List<String> asyncInProcess = new ArrayList<>();
        for (String s : o.asyncSubjects) {
            if (!CCeiling.isC(s)) {
                asyncInProcess.add(s);
            }
        }
        // JIT warm-up of every in-process implementation's code paths, not reported.
        int maxThreads = o.cells.stream().mapToInt(Cell::threads).max().orElse(1);
        Harness.Timing jit = new Harness.Timing(o.jvmWarmup / 2, o.jvmWarmup / 2);
        for (String s : inProcess) {
            tryRun(() -> Harness.run(Subjects.get(s), Cell.sync(maxThreads, 100), jit, 0, o.dir), s + " JIT warm-up");
        }
        if (o.windows.length > 0) {
            for (String s : asyncInProcess) {
                tryRun(() -> Harness.run(Subjects.get(s), Cell.async(o.windows[0], o.asyncSize), jit, 0, o.dir),
                        s + " async JIT warm-up");
            }
        }
        for (int rep = 1; rep <= o.reps; rep++) {
            for (Cell cell : o.cells) {
                for (String s : o.subjects) {
                    measure(o, report, s, cell, timing, rep);
                }
            }
            for (int window : o.windows) {
                Cell cell = Cell.async(window, o.asyncSize);
                for (String s : o.asyncSubjects) {
                    measure(o, report, s, cell, timing, rep);
                }
            }
        }
    }

    private static void measure(Options o, Report report, String subject, Cell cell, Harness.Timing timing, int rep) {
        try {
            Result r = CCeiling.isC(subject)
                    ? CCeiling.run(o, subject, cell, timing, rep)
                    : Harness.run(Subjects.get(subject), cell, timing, rep, o.dir);
            report.add(r);
            System.out.println(Report.line(r));
        } catch (Exception | Error e) {
            String message = String.format(Locale.ROOT, "rep %d  %-16s %-22s FAILED: %s", rep, cell.label(), subject, e);
            report.failure(message);
            System.out.println(message);
            e.printStackTrace(System.out);
        }
    }

    @FunctionalInterface
    private interface Action {
        Object run() throws Exception;
    }

    private static void tryRun(Action action, String what) {
        try {
            action.run();
        } catch (Exception | Error e) {
            System.out.println(what + " FAILED: " + e);
        }
    }
}
