package io.github.wal4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/** Collects the results of a run and writes the Markdown report and the chart. */
final class Report {
    private final Options options;
    private final Map<String, String> machine;
    private final String loadStart;
    private final Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final List<Result> results = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> runLines = new ArrayList<>();
    private final List<Recovery.Measure> recovery = new ArrayList<>();
    private final List<String> recoveryNotes = new ArrayList<>();
    private final List<Jmh.Row> jmh = new ArrayList<>();
    private final List<String> jmhNotes = new ArrayList<>();
    private final List<String> tail = new ArrayList<>();
    private String loadEnd = "?";
    private double elapsed;
    private String chartNote = "";

    Report(Options options, Map<String, String> machine, String loadStart) {
        this.options = options;
        this.machine = machine;
        this.loadStart = loadStart;
    }

    static String command() {
        return System.getProperty("bench.command", "(not given)");
    }

    void printHeader(PrintStream out) {
        out.println("# wal4j benchmark, " + options.mode + " mode, " + start);
        out.println("command: " + command());
        machine.forEach((k, v) -> out.println(k + ": " + v));
        out.println("load average at start: " + loadStart);
        out.println();
    }

    synchronized void add(Result r) {
        results.add(r);
        runLines.add(line(r));
    }

    synchronized void failure(String message) {
        failures.add(message);
        runLines.add(message);
    }

    synchronized void addRecovery(Recovery.Measure m) {
        recovery.add(m);
    }

    synchronized void recoveryNote(String note) {
        recoveryNotes.add(note);
    }

    synchronized List<String> recoveryNotes() {
        return List.copyOf(recoveryNotes);
    }

    synchronized void addJmh(Jmh.Row row) {
        jmh.add(row);
    }

    /** The tail section's markdown ({@link TailBench}). */
    synchronized void addTail(String markdown) {
        tail.add(markdown);
    }

    synchronized void jmhNote(String note) {
        jmhNotes.add(note);
    }

    static String line(Result r) {
        StringBuilder extra = new StringBuilder();
        if (!Double.isNaN(r.recordsPerBatch())) {
            extra.append(String.format(Locale.ROOT, "  %.1f rec/fsync", r.recordsPerBatch()));
        }
        if (!Double.isNaN(r.allocatedPerRecord())) {
            extra.append(String.format(Locale.ROOT, "  %.0f B alloc/rec", r.allocatedPerRecord()));
        }
        if (!Double.isNaN(r.deviceBytesPerPayloadByte())) {
            extra.append(String.format(Locale.ROOT, "  %.2f device B/payload B", r.deviceBytesPerPayloadByte()));
        }
        if (!r.note().isEmpty()) {
            extra.append("  (").append(r.note()).append(')');
        }
        return String.format(Locale.ROOT, "rep %d  %-16s %-22s %10.0f rec/s %9.2f MB/s  p50 %8.1f  p99 %8.1f  p99.9 %8.1f us%s",
                r.rep(), r.cell().label(), r.subject(), r.recordsPerSecond(), r.megabytesPerSecond(), r.micros(50),
                r.micros(99), r.micros(99.9), extra);
    }

    // ---------------------------------------------------------------- summaries

    /** The results of one implementation in one cell, by repetition. */
    List<Result> cell(Cell cell, String subject) {
        return results.stream().filter(r -> r.cell().equals(cell) && r.subject().equals(subject))
                .sorted(Comparator.comparingInt(Result::rep)).toList();
    }

    static double mean(List<Result> rs, ToDoubleFunction<Result> f) {
        return rs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    static Histogram pooled(List<Result> rs) {
        Histogram h = Harness.histogram();
        rs.forEach(r -> h.add(r.latency()));
        return h;
    }

    static double micros(Histogram h, double p) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p) / 1e3;
    }

    /** A ratio of means and the ratios of each repetition's pair. */
    record Ratio(double mean, List<Double> perRep) {
        boolean present() {
            return !Double.isNaN(mean);
        }

        double min() {
            return perRep.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        double max() {
            return perRep.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }

        String text() {
            if (!present()) {
                return "n/a";
            }
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "**%.2f**", mean));
            b.append(" (");
            for (int i = 0; i < perRep.size(); i++) {
                b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", perRep.get(i)));
            }
            return b.append(')').toString();
        }
    }

    Ratio ratio(Cell cell, String a, String b, ToDoubleFunction<Result> f) {
        List<Result> x = cell(cell, a);
        List<Result> y = cell(cell, b);
        if (x.isEmpty() || y.isEmpty()) {
            return new Ratio(Double.NaN, List.of());
        }
        List<Double> perRep = new ArrayList<>();
        for (Result rx : x) {
            y.stream().filter(ry -> ry.rep() == rx.rep()).findFirst()
                    .ifPresent(ry -> perRep.add(f.applyAsDouble(rx) / f.applyAsDouble(ry)));
        }
        return new Ratio(mean(x, f) / mean(y, f), perRep);
    }

    /** p99 of a over p99 of b, pooled, and per repetition. */
    Ratio p99Ratio(Cell cell, String a, String b) {
        List<Result> x = cell(cell, a);
        List<Result> y = cell(cell, b);
        if (x.isEmpty() || y.isEmpty()) {
            return new Ratio(Double.NaN, List.of());
        }
        List<Double> perRep = new ArrayList<>();
        for (Result rx : x) {
            y.stream().filter(ry -> ry.rep() == rx.rep()).findFirst()
                    .ifPresent(ry -> perRep.add(rx.micros(99) / ry.micros(99)));
        }
        return new Ratio(micros(pooled(x), 99) / micros(pooled(y), 99), perRep);
    }

    private List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        for (Result r : results) {
            if (!cells.contains(r.cell())) {
                cells.add(r.cell());
            }
        }
        return cells;
    }

    private List<String> subjects(Cell cell) {
        List<String> names = new ArrayList<>();
        for (Result r : results) {
            if (r.cell().equals(cell) && !names.contains(r.subject())) {
                names.add(r.subject());
            }
        }
        return names;
    }

    // ---------------------------------------------------------------- output

    void finish(String loadEnd, double elapsed) throws IOException {
        this.loadEnd = loadEnd;
        this.elapsed = elapsed;
        Path chart = options.out.resolve("throughput-100B.png");
        try {
            chartNote = Chart.draw(chart, this, options) ? "" : "no 100 B results: no chart";
        } catch (Exception | Error e) {
            chartNote = "chart not drawn: " + e;
        }
        Files.writeString(options.out.resolve("report.md"), markdown());
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# wal4j benchmark report: ").append(options.mode).append(" mode\n\n");
        md.append(String.format(Locale.ROOT, "Started %s, took %.0f s. Command: `%s`. Load average (1, 5, 15 min): "
                + "%s at the start, %s at the end.%n%n", start, elapsed, command(), loadStart, loadEnd));
        md.append("| machine | |\n|---|---|\n");
        machine.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n"));
        md.append(String.format(Locale.ROOT, "%nAppend runs: warm-up %.1f s then a %.1f s window per run, %d repetitions; "
                + "in every repetition each cell runs every implementation once, in the order listed (A B A B ...), "
                + "each on a fresh directory under `%s`. Latency: per append (single-thread C ceilings: per batch "
                + "of N records, what its first record waits; C group commit: per commit), HdrHistogram, percentiles pooled over the repetitions. "
                + "records/s: mean over repetitions (min-max). MB = 10^6 bytes of payload. "
                + "alloc B/record: bytes allocated by all JVM threads over the window / records (includes the "
                + "harness: none per append for threads, one completion callback per append for async). "
                + "device B/payload B: bytes written to %s over the window (`/proc/diskstats`; the C programs read it over "
                + "their own window) / payload bytes of the counted records: the whole device, so the file system's "
                + "journal and every other writer on the machine count too; blank where the device is not found.%s%s%n%n",
                options.warmup, options.duration, options.reps, options.dir, deviceText(),
                results.stream().noneMatch(r -> STEADY.contains(r.subject())) ? ""
                        : " For the -steady subjects a window also holds the next segment's preparation (64 MiB of zeros "
                        + "written and synced) when the segment passes half full inside it: over a segment's life one more "
                        + "device byte per segment byte, in a window all of it or none.",
                results.stream().noneMatch(r -> RECYCLED.contains(r.subject())) ? ""
                        : " For the -recycled subjects a window also holds a checkpoint every " + Subjects.CHECKPOINT_MILLIS
                        + " ms (the checkpoint file replaced, its directory synced) and, when the segment passes half full "
                        + "inside it, the next segment's preparation from a freed segment's file (renames, directory syncs, "
                        + "an fdatasync of blocks already written; zeros only when no freed file is at hand); each run's "
                        + "line says how the window's rotations made their segments."));
        describeSubjects(md);
        appendTables(md);
        targets(md);
        recoveryTables(md);
        tail.forEach(md::append);
        jmhTable(md);
        if (!runLines.isEmpty()) {
            md.append("## Every append run, in order\n\n```\n");
            runLines.forEach(l -> md.append(l).append('\n'));
            md.append("```\n");
        }
        return md.toString();
    }

    private String deviceText() {
        DeviceWrites device = DeviceWrites.of(options.dir);
        return device == null ? "the bench directory's device (not found here)" : "`" + device.name() + "` (the device of `"
                + options.dir + "`)";
    }

    /** What each in-process implementation of this run is ({@link Subjects.Entry#description()}). */
    private void describeSubjects(StringBuilder md) {
        List<String> names = results.stream().map(Result::subject).distinct().filter(n -> !CCeiling.isC(n)).toList();
        if (names.isEmpty()) {
            return;
        }
        md.append("Implementations (the C ceilings: `bench/c/`, `CCeiling.java`):\n\n");
        for (String n : names) {
            md.append("* `").append(n).append("`: ").append(Subjects.get(n).description()).append('\n');
        }
        md.append('\n');
    }

    /** Device bytes per payload byte over the repetitions (sums), or NaN unless every repetition has them. */
    static double devicePerPayload(List<Result> rs) {
        if (rs.isEmpty() || rs.stream().anyMatch(r -> r.deviceBytes() < 0)) {
            return Double.NaN;
        }
        double payload = rs.stream().mapToDouble(r -> r.records() * (double) r.cell().size()).sum();
        return payload == 0 ? Double.NaN : rs.stream().mapToLong(Result::deviceBytes).sum() / payload;
    }

    private void appendTables(StringBuilder md) {
        if (results.isEmpty()) {
            return;
        }
        md.append("## Append throughput and latency\n\n");
        if (!chartNote.isEmpty()) {
            md.append(chartNote).append("\n\n");
        } else {
            md.append("![records/s vs threads, 100 B](throughput-100B.png)\n\n");
        }
        md.append("| cell | implementation | records/s (min-max) | MB/s | p50 us | p99 us | p99.9 us | records/fsync | alloc B/record "
                + "| device B/payload B |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Cell cell : cells()) {
            for (String s : subjects(cell)) {
                List<Result> rs = cell(cell, s);
                Histogram h = pooled(rs);
                long appends = rs.stream().mapToLong(r -> r.counters().getOrDefault("appends", 0L)).sum();
                long batches = rs.stream().mapToLong(r -> r.counters().getOrDefault("batches", 0L)).sum();
                double alloc = rs.stream().allMatch(r -> r.allocatedBytes() >= 0) && !rs.isEmpty()
                        ? rs.stream().mapToDouble(Result::allocatedBytes).sum() / rs.stream().mapToLong(Result::records).sum()
                        : Double.NaN;
                double device = devicePerPayload(rs);
                md.append(String.format(Locale.ROOT, "| %s | %s | %s (%s-%s) | %.2f | %s | %s | %s | %s | %s | %s |%n",
                        cell.label(), s + (CCeiling.isC(s) ? CCeiling.batchNote(s, cell) : ""),
                        num(mean(rs, Result::recordsPerSecond)),
                        num(rs.stream().mapToDouble(Result::recordsPerSecond).min().orElse(Double.NaN)),
                        num(rs.stream().mapToDouble(Result::recordsPerSecond).max().orElse(Double.NaN)),
                        mean(rs, Result::megabytesPerSecond), num1(micros(h, 50)), num1(micros(h, 99)),
                        num1(micros(h, 99.9)), batches == 0 ? "" : String.format(Locale.ROOT, "%.1f", (double) appends / batches),
                        Double.isNaN(alloc) ? "" : String.format(Locale.ROOT, "%.0f", alloc),
                        Double.isNaN(device) ? "" : String.format(Locale.ROOT, "%.2f", device)));
            }
        }
        List<String[]> pairs = new ArrayList<>();
        for (String w : List.of("wal4j-native", "wal4j-java")) {
            for (String other : List.of(CCeiling.ZEROED, CCeiling.NAME, CCeiling.GROUP, "rocksdb", "sqlite", "filechannel")) {
                pairs.add(new String[] {w, other});
            }
        }
        for (String w : steadyStates()) {
            for (String other : List.of(CCeiling.ZEROED, CCeiling.NAME, CCeiling.GROUP, "rocksdb")) {
                pairs.add(new String[] {w, other});
            }
        }
        pairs.add(new String[] {"wal4j-native", "wal4j-java"});
        pairs.add(new String[] {"wal4j-native-steady", "wal4j-java-steady"});
        pairs.add(new String[] {"wal4j-native-recycled", "wal4j-native-steady"});
        pairs.add(new String[] {"wal4j-java-recycled", "wal4j-java-steady"});
        pairs.add(new String[] {"wal4j-native-recycled", "wal4j-java-recycled"});
        // Variants against their base: wal4j-native+aes / wal4j-native, wal4j-native-direct / wal4j-native, ...
        for (String s : results.stream().map(Result::subject).distinct().toList()) {
            for (String base : List.of("wal4j-native", "wal4j-java")) {
                if (s.startsWith(base + "+") || s.startsWith(base + "-")) {
                    pairs.add(new String[] {s, base});
                }
            }
        }
        List<String[]> shown = new ArrayList<>();
        for (String[] p : pairs) {
            if (results.stream().anyMatch(r -> r.subject().equals(p[0])) && results.stream().anyMatch(r -> r.subject().equals(p[1]))) {
                shown.add(p);
            }
        }
        if (!shown.isEmpty()) {
            md.append("\n## Ratios of records/s, same run (mean of means, then each repetition's pair)\n\n| cell |");
            shown.forEach(p -> md.append(' ').append(p[0]).append(" / ").append(p[1]).append(" |"));
            md.append("\n|---|").append("---:|".repeat(shown.size())).append('\n');
        }
        for (Cell cell : shown.isEmpty() ? List.<Cell>of() : cells()) {
            md.append("| ").append(cell.label()).append(" |");
            for (String[] p : shown) {
                md.append(' ').append(ratio(cell, p[0], p[1], Result::recordsPerSecond).text()).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        if (!failures.isEmpty()) {
            md.append("Failed runs:\n\n");
            failures.forEach(f -> md.append("* ").append(f).append('\n'));
            md.append('\n');
        }
    }

    /** The steady-state subjects ({@link Subjects}: the log filled past its first rotation). */
    static final List<String> STEADY = List.of("wal4j-native-steady", "wal4j-java-steady");
    /**
     * The recycled steady-state subjects ({@link Subjects}: the log filled until a rotation used a
     * segment a checkpoint freed, then checkpointed in the background).
     */
    static final List<String> RECYCLED = List.of("wal4j-native-recycled", "wal4j-java-recycled");

    /** {@link #STEADY} then {@link #RECYCLED}. */
    private static List<String> steadyStates() {
        List<String> all = new ArrayList<>(STEADY);
        all.addAll(RECYCLED);
        return all;
    }

    /** How the targets table names an implementation: which segment its window wrote into. */
    static String targetLabel(String subject) {
        if (RECYCLED.contains(subject)) {
            return subject + " (recycled steady state: a recycled segment, a checkpoint every " + Subjects.CHECKPOINT_MILLIS
                    + " ms)";
        }
        return STEADY.contains(subject) ? subject + " (steady state: a prepared segment)"
                : subject + " (fresh log: its first segment, fallocated / grown)";
    }

    /**
     * The goal cells like for like: the fresh log (its first segment, {@code fallocate}d on the
     * native layer) against the C batch on a {@code fallocate}d file, the steady state (a prepared,
     * zero-filled segment) and the recycled steady state (a segment a checkpoint freed, its blocks
     * written by the earlier use) against the C batch on a zero-filled file (issue 20's ceiling), and
     * the fresh log against the zero-filled C batch as the goals first compared them; then the device
     * bytes per payload byte of the same implementations.
     */
    private void likeForLike(StringBuilder md) {
        List<String[]> columns = new ArrayList<>();
        for (String layer : List.of("native", "java")) {
            String fresh = "wal4j-" + layer;
            columns.add(new String[] {fresh, CCeiling.NAME});
            columns.add(new String[] {fresh + "-steady", CCeiling.ZEROED});
            columns.add(new String[] {fresh + "-recycled", CCeiling.ZEROED});
            columns.add(new String[] {fresh, CCeiling.ZEROED});
        }
        columns.removeIf(c -> results.stream().noneMatch(r -> r.subject().equals(c[0]))
                || results.stream().noneMatch(r -> r.subject().equals(c[1])));
        if (columns.stream().noneMatch(c -> steadyStates().contains(c[0]))) {
            return;
        }
        md.append("## Like for like: fresh log vs C on a fallocated file, steady and recycled state vs C on a zero-filled file\n\n");
        md.append("Records/s ratios (64 KiB: MB/s, the same ratio), mean of means (each repetition's pair); the C batch has "
                + "N = the cell's thread count records per fdatasync.\n\n| cell |");
        columns.forEach(c -> md.append(' ').append(c[0]).append(" / ").append(c[1]).append(" |"));
        md.append("\n|---|").append("---:|".repeat(columns.size())).append('\n');
        for (Cell cell : cells()) {
            if (cell.isAsync()) {
                continue;
            }
            md.append("| ").append(cell.label()).append(" |");
            for (String[] c : columns) {
                md.append(' ').append(ratio(cell, c[0], c[1], Result::recordsPerSecond).text()).append(" |");
            }
            md.append('\n');
        }
        List<String> devices = new ArrayList<>();
        for (String[] c : columns) {
            for (String s : c) {
                if (!devices.contains(s)) {
                    devices.add(s);
                }
            }
        }
        md.append("\nDevice bytes written per payload byte, same runs (sums over the repetitions; blank where not "
                + "measured):\n\n| cell |");
        devices.forEach(s -> md.append(' ').append(s).append(" |"));
        md.append("\n|---|").append("---:|".repeat(devices.size())).append('\n');
        for (Cell cell : cells()) {
            if (cell.isAsync()) {
                continue;
            }
            md.append("| ").append(cell.label()).append(" |");
            for (String s : devices) {
                double d = devicePerPayload(cell(cell, s));
                md.append(' ').append(Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.2f", d)).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    /**
     * Issue 20's targets (append; recovery: {@link Recovery#targets}), each a ratio from this run: for
     * the recycled and then the steady-state subjects where the run has them, then for the fresh-log
     * ones, labelled.
     */
    private void targets(StringBuilder md) {
        likeForLike(md);
        List<String[]> rows = new ArrayList<>();
        for (String w : List.of("wal4j-native-recycled", "wal4j-java-recycled", "wal4j-native-steady", "wal4j-java-steady",
                "wal4j-native", "wal4j-java")) {
            if (results.stream().noneMatch(r -> r.subject().equals(w))) {
                continue;
            }
            String label = targetLabel(w);
            // Issue 20's goals: the limit is the zero-filled C ceiling (fdatasync flushes data only there).
            rows.add(target("1 thread, 100 B: >= 0.95x the C loop (one fdatasync per record, zero-filled file)", label,
                    ratio(Cell.sync(1, 100), w, CCeiling.ZEROED, Result::recordsPerSecond), 0.95, true));
            for (int t : new int[] {16, 64}) {
                double bound = t == 16 ? 0.7 : 0.5;
                rows.add(target(t + " threads, 100 B: >= " + bound + "x the C batch of N=" + t
                        + " records per fdatasync (zero-filled)", label,
                        ratio(Cell.sync(t, 100), w, CCeiling.ZEROED, Result::recordsPerSecond), bound, true));
                rows.add(target(t + " threads, 100 B: >= 4x RocksDB", label,
                        ratio(Cell.sync(t, 100), w, "rocksdb", Result::recordsPerSecond), 4, true));
                rows.add(target(t + " threads, 100 B: >= 2x the C group commit of " + t + " pthreads", label,
                        ratio(Cell.sync(t, 100), w, CCeiling.GROUP, Result::recordsPerSecond), 2, true));
            }
            for (int window : options.windows) {
                List<Result> rs = cell(Cell.async(window, 100), w);
                if (rs.isEmpty()) {
                    continue;
                }
                List<Double> per = rs.stream().map(Result::recordsPerSecond).toList();
                rows.add(target("appendAsync, 1 thread, 100 B, window " + window + ": >= 500,000 records/s", label,
                        new Ratio(mean(rs, Result::recordsPerSecond), per), 500_000, true));
            }
            rows.add(target("64 KiB, 16 threads: >= 0.5x the C batch's MB/s (N=16, zero-filled)", label,
                    ratio(Cell.sync(16, 65536), w, CCeiling.ZEROED, Result::megabytesPerSecond), 0.5, true));
            rows.add(target("p99 append latency, 16 threads, 100 B: <= 2x the C batch's per-batch p99 (N=16, zero-filled)", label,
                    p99Ratio(Cell.sync(16, 100), w, CCeiling.ZEROED), 2, false));
        }
        rows.addAll(Recovery.targets(recovery));
        if (rows.isEmpty()) {
            return;
        }
        md.append("## Targets (issue 20's goals; recovery: issue 7's), measured in this run\n\n");
        md.append("Verdict: *met* when the ratio of means and every repetition's pair meet the target; *met on the "
                + "mean only* when some pair does not; *not met* otherwise.\n\n");
        md.append("| target | implementation | measured: mean (per repetition) | verdict |\n|---|---|---:|---|\n");
        for (String[] row : rows) {
            md.append("| ").append(row[0]).append(" | ").append(row[1]).append(" | ").append(row[2]).append(" | ")
                    .append(row[3]).append(" |\n");
        }
        md.append('\n');
    }

    static String[] target(String what, String subject, Ratio r, double bound, boolean atLeast) {
        if (!r.present()) {
            return new String[] {what, subject, "n/a", "not measured in this run"};
        }
        boolean meanOk = atLeast ? r.mean() >= bound : r.mean() <= bound;
        boolean allOk = r.perRep().stream().allMatch(v -> atLeast ? v >= bound : v <= bound);
        String text = bound >= 1000 ? String.format(Locale.ROOT, "**%s** (%s)", num(r.mean()),
                String.join(", ", r.perRep().stream().map(Report::num).toList())) : r.text();
        return new String[] {what, subject, text, meanOk ? (allOk ? "met" : "met on the mean only") : "**not met**"};
    }

    private void recoveryTables(StringBuilder md) {
        if (recovery.isEmpty() && recoveryNotes.isEmpty()) {
            return;
        }
        md.append("## Recovery and replay\n\n");
        recoveryNotes.forEach(n -> md.append(n).append("\n\n"));
        md.append(Recovery.table(recovery));
        md.append("\nEvery recovery measurement, in order:\n\n```\n");
        recovery.forEach(m -> md.append(m.line()).append('\n'));
        md.append("```\n\n");
    }

    private void jmhTable(StringBuilder md) {
        if (jmh.isEmpty() && jmhNotes.isEmpty()) {
            return;
        }
        md.append("## JMH: the format's hot paths (`-prof gc`)\n\n");
        jmhNotes.forEach(n -> md.append(n).append("\n\n"));
        if (!jmh.isEmpty()) {
            md.append("| benchmark | record | ns/op (± 99.9% CI) | MB/s of payload | alloc B/op |\n|---|---:|---:|---:|---:|\n");
            for (Jmh.Row r : jmh) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %.1f%s | %s | %s |%n", r.benchmark(),
                        r.size() < 0 ? "-" : Cell.size(r.size()), r.nsPerOp(),
                        Double.isNaN(r.error()) ? " (too few iterations for a CI)" : String.format(Locale.ROOT, " ± %.1f", r.error()),
                        r.size() < 0 ? "-" : num(r.size() / r.nsPerOp() * 1e3),
                        Double.isNaN(r.allocPerOp()) ? "?" : String.format(Locale.ROOT, "%.1f", r.allocPerOp())));
            }
            md.append('\n');
        }
    }

    /** Records/s and similar: thousands separated, no decimals. */
    static String num(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }

    static String num1(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Mean records/s of the sync cells with this record size, by implementation and thread count. */
    Map<String, Map<Integer, Double>> throughputByThreads(int size) {
        Map<String, Map<Integer, Double>> series = new LinkedHashMap<>();
        for (Cell cell : cells()) {
            if (cell.isAsync() || cell.size() != size) {
                continue;
            }
            for (String s : subjects(cell)) {
                series.computeIfAbsent(s, k -> new java.util.TreeMap<>()).put(cell.threads(),
                        mean(cell(cell, s), Result::recordsPerSecond));
            }
        }
        return series;
    }

    Instant start() {
        return start;
    }

    Map<String, String> machine() {
        return machine;
    }
}
