package io.github.wal4j.bench;

import io.github.wal4j.Durability;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalReader;
import io.github.wal4j.WriteAheadLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Recovery speed, side by side in one run, with the page cache warm and cold: wal4j's open (recovery
 * checks every batch header and every record's CRC32C) and replay (every record to a visitor) of a
 * log of {@code --recovery-mib} MiB, against {@code cat} of the same segment files, a read + CRC32C
 * scan of them in this JVM, and RocksDB reopening a DB that holds the same records in its WAL
 * (written with {@code sync=true}, replayed into the memtable at open). Cold: each measurement's
 * files are first evicted with {@code bench/c/drop_cache.c} (fdatasync + posix_fadvise DONTNEED,
 * then mincore to check), or failing that {@code /proc/sys/vm/drop_caches}; a measurement whose
 * files could not be evicted says so.
 */
final class Recovery {
    static final String WARM = "warm";
    static final String COLD = "cold";

    private Recovery() {
    }

    /** One timed measurement. */
    record Measure(int rep, String cache, String what, String log, long bytes, long records, double seconds,
            double cpuSeconds, String note) {
        double mibPerSecond() {
            return bytes / 1048576.0 / seconds;
        }

        String line() {
            return String.format(Locale.ROOT, "rep %d  %-4s  %-38s %-12s %8.1f MiB %10d records %8.3f s %9.1f MiB/s%s%s",
                    rep, cache, what, log, bytes / 1048576.0, records, seconds, mibPerSecond(),
                    Double.isNaN(cpuSeconds) ? "" : String.format(Locale.ROOT, "  cpu %.3f s", cpuSeconds),
                    note.isEmpty() ? "" : "  (" + note + ")");
        }
    }

    static final String CAT = "cat > /dev/null";
    static final String CRC = "read + CRC32C scan (JVM, 1 MiB reads)";
    static final String OPEN = "wal4j open (recovery)";
    static final String REPLAY = "wal4j reader (after open)";
    static final String OPEN_REPLAY = "wal4j open + reader";
    static final String PAYLOADS = "wal4j replay, zero-copy (after open)";
    static final String OPEN_PAYLOADS = "wal4j open + replay, zero-copy";
    static final String ONE_PASS = "wal4j open with replay (one pass)";
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    static final String ROCKS = "RocksDB open (WAL replay)";

    static void run(Options o, Report report) throws Exception {
        Path base = o.dir.resolve("recovery");
        Files2.deleteTree(base); // what a killed earlier run left
        Files.createDirectories(base);
        try {
            runIn(base, o, report);
        } finally {
            Files2.deleteTree(base);
        }
    }

    private static void runIn(Path base, Options o, Report report) throws Exception {
        long target = o.recoveryMib << 20;
        int size = o.recoveryRecord;
        // 95% of the target in framed records, so that the batches (each padded to its 4 KiB block)
        // fit in target / 64 MiB segments: the files are then the target size, and the last one is
        // not an almost empty preallocated segment.
        long records = (long) (target * 0.95) / io.github.wal4j.format.RecordFormat.framedSize(size);
        Path wal4j = base.resolve("wal4j");
        Path small = base.resolve("wal4j-small");
        Path rocks = base.resolve("rocksdb");
        byte[] record = Harness.record(size, 7);

        long t0 = System.nanoTime();
        // BUFFERED only to build the log quickly: the bytes are those durable appends write.
        try (WriteAheadLog wal = WriteAheadLog.open(wal4j, WalOptions.defaults().withDurability(Durability.BUFFERED))) {
            for (long i = 0; i < records; i++) {
                wal.append(record);
            }
        }
        double walBuild = seconds(t0);
        long smallRecords = target / 512;
        if (o.recoverySmallBatches) {
            try (WriteAheadLog wal = WriteAheadLog.open(small, WalOptions.defaults().withDurability(Durability.BUFFERED)
                    .withMaxBatchBytes(1))) {
                for (long i = 0; i < smallRecords; i++) {
                    wal.append(record);
                }
            }
        }
        t0 = System.nanoTime();
        buildRocks(rocks, records, record);
        double rocksBuild = seconds(t0);
        List<Path> walFiles = Files2.files(wal4j, ".wal");
        List<Path> rocksWal = Files2.files(rocks, ".log");
        long sst = Files2.files(rocks, ".sst").size();
        report.recoveryNote(String.format(Locale.ROOT, "Logs: %,d records of %d B. wal4j: %d segment files, %.1f MiB, "
                + "written with `Durability.BUFFERED` (the same bytes as durable appends, in batches of up to 1 MiB) in "
                + "%.1f s. RocksDB: the same records as %,d-put `WriteBatch`es with `sync=true`, write buffer larger than "
                + "the data (no memtable flush: %d SST files), `avoid_flush_during_recovery` so that open replays the WAL "
                + "into the memtable and stops there; %d WAL files, %.1f MiB, written in %.1f s.%s",
                records, size, walFiles.size(), Files2.size(walFiles) / 1048576.0, walBuild, ROCKS_BATCH, sst,
                rocksWal.size(), Files2.size(rocksWal) / 1048576.0, rocksBuild,
                o.recoverySmallBatches ? String.format(Locale.ROOT, " Small-batch wal4j log: %,d records, one per batch "
                        + "(`withMaxBatchBytes(1)`), %.1f MiB.", smallRecords,
                        Files2.size(Files2.files(small, ".wal")) / 1048576.0) : ""));
        System.out.println();
        System.out.println("# recovery");
        report.recoveryNotes().forEach(System.out::println);

        // One unmeasured pass first, so that repetition 1 does not pay for class loading and the JIT.
        wal4jMeasure(o, 0, WARM, "wal4j", wal4j, records);
        rocksMeasure(o, 0, WARM, rocks, Files2.size(rocksWal), records);
        for (int rep = 1; rep <= o.recoveryReps; rep++) {
            for (String cache : List.of(WARM, COLD)) {
                if (cache.equals(WARM)) {
                    cat(allFiles(wal4j));
                    cat(allFiles(rocks));
                }
                add(report, catMeasure(o, rep, cache, "wal4j", wal4j, walFiles, records));
                add(report, crcMeasure(o, rep, cache, "wal4j", wal4j, walFiles, records));
                for (Measure m : wal4jMeasure(o, rep, cache, "wal4j", wal4j, records)) {
                    add(report, m);
                }
                if (o.recoverySmallBatches) {
                    List<Path> smallFiles = Files2.files(small, ".wal");
                    add(report, catMeasure(o, rep, cache, "wal4j-small", small, smallFiles, smallRecords));
                    for (Measure m : wal4jMeasure(o, rep, cache, "wal4j-small", small, smallRecords)) {
                        add(report, m);
                    }
                }
                rocksWal = Files2.files(rocks, ".log");
                add(report, catMeasure(o, rep, cache, "rocksdb-wal", rocks, rocksWal, records));
                add(report, rocksMeasure(o, rep, cache, rocks, Files2.size(rocksWal), records));
            }
        }
    }

    static final int ROCKS_BATCH = 1000;

    private static void add(Report report, Measure m) {
        report.addRecovery(m);
        System.out.println(m.line());
    }

    private static org.rocksdb.Options rocksOptions(long dataBytes) {
        long buffer = Math.max(64L << 20, dataBytes * 3);
        return new org.rocksdb.Options().setCreateIfMissing(true).setWriteBufferSize(buffer)
                .setMaxTotalWalSize(buffer * 4).setAvoidFlushDuringRecovery(true).setAvoidFlushDuringShutdown(true);
    }

    private static void buildRocks(Path dir, long records, byte[] record) throws Exception {
        RocksDB.loadLibrary();
        try (org.rocksdb.Options options = rocksOptions(records * record.length);
                WriteOptions sync = new WriteOptions().setSync(true);
                RocksDB db = RocksDB.open(options, dir.toString())) {
            long n = 0;
            while (n < records) {
                try (WriteBatch batch = new WriteBatch()) {
                    for (int i = 0; i < ROCKS_BATCH && n < records; i++) {
                        batch.put(RocksDbSubject.key(++n), record);
                    }
                    db.write(sync, batch);
                }
            }
        }
    }

    private static Measure rocksMeasure(Options o, int rep, String cache, Path dir, long walBytes, long records)
            throws Exception {
        String note = cache.equals(COLD) ? makeCold(o, allFiles(dir)) : "";
        try (org.rocksdb.Options options = rocksOptions(records * o.recoveryRecord)) {
            long t0 = System.nanoTime();
            try (RocksDB db = RocksDB.open(options, dir.toString())) {
                double s = seconds(t0);
                long entries = db.getLongProperty("rocksdb.num-entries-active-mem-table")
                        + db.getLongProperty("rocksdb.num-entries-imm-mem-tables");
                if (entries != records) {
                    note = join(note, "memtable holds " + entries + " entries, expected " + records);
                }
                return new Measure(rep, cache, ROCKS, "rocksdb-wal", walBytes, entries, s, Double.NaN, note);
            }
        }
    }

    private static List<Measure> wal4jMeasure(Options o, int rep, String cache, String log, Path dir, long records)
            throws Exception {
        String note = cache.equals(COLD) ? makeCold(o, allFiles(dir)) : "";
        long bytes = Files2.size(Files2.files(dir, ".wal"));
        // One pass first: WriteAheadLog.open(dir, options, visitor) hands every record to the
        // visitor (a read-only view) while recovery validates it.
        long[] onePassLent = {0};
        long c = CPU.getCurrentThreadCpuTime();
        long t = System.nanoTime();
        double onePass;
        double onePassCpu;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults(), (sequence, payload) -> onePassLent[0]++)) {
            onePass = seconds(t);
            onePassCpu = cpuSeconds(c);
        }
        String onePassNote = note;
        if (onePassLent[0] != records) {
            onePassNote = join(onePassNote, "lent " + onePassLent[0] + " records, expected " + records);
        }
        if (cache.equals(COLD)) {
            note = makeCold(o, allFiles(dir));
        }
        long[] count = {0};
        long[] lent = {0};
        long c0 = CPU.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        double open;
        double replay;
        double payloads;
        double openCpu;
        double replayCpu;
        double payloadsCpu;
        String layer;
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            open = seconds(t0);
            openCpu = cpuSeconds(c0);
            long c1 = CPU.getCurrentThreadCpuTime();
            long t1 = System.nanoTime();
            try (WalReader reader = wal.reader(0)) { // a WalRecord with its own copy of the payload per record
                while (reader.next() != null) {
                    count[0]++;
                }
            }
            replay = seconds(t1);
            replayCpu = cpuSeconds(c1);
            long c2 = CPU.getCurrentThreadCpuTime();
            long t2 = System.nanoTime();
            wal.replay(0, (sequence, payload) -> lent[0]++); // a read-only view, nothing copied
            payloads = seconds(t2);
            payloadsCpu = cpuSeconds(c2);
            layer = wal.ioLayer();
        }
        if (count[0] != records || lent[0] != records) {
            note = join(note, "replayed " + count[0] + " and lent " + lent[0] + " records, expected " + records);
        }
        note = join(note, layer + " layer");
        return List.of(new Measure(rep, cache, ONE_PASS, log, bytes, onePassLent[0], onePass, onePassCpu,
                        join(onePassNote, layer + " layer")),
                new Measure(rep, cache, OPEN, log, bytes, count[0], open, openCpu, note),
                new Measure(rep, cache, REPLAY, log, bytes, count[0], replay, replayCpu, note),
                new Measure(rep, cache, OPEN_REPLAY, log, bytes, count[0], open + replay, openCpu + replayCpu, note),
                new Measure(rep, cache, PAYLOADS, log, bytes, lent[0], payloads, payloadsCpu, note),
                new Measure(rep, cache, OPEN_PAYLOADS, log, bytes, lent[0], open + payloads, openCpu + payloadsCpu, note));
    }

    private static Measure catMeasure(Options o, int rep, String cache, String log, Path dir, List<Path> files,
            long records) throws Exception {
        String note = cache.equals(COLD) ? makeCold(o, files) : "";
        long t0 = System.nanoTime();
        cat(files);
        return new Measure(rep, cache, CAT, log, Files2.size(files), records, seconds(t0), Double.NaN, note);
    }

    private static Measure crcMeasure(Options o, int rep, String cache, String log, Path dir, List<Path> files,
            long records) throws Exception {
        String note = cache.equals(COLD) ? makeCold(o, files) : "";
        long c0 = CPU.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        CRC32C crc = new CRC32C();
        long bytes = 0;
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                int n;
                while ((n = channel.read(buffer.clear())) > 0) {
                    crc.update(buffer.flip());
                    bytes += n;
                }
            }
        }
        double s = seconds(t0);
        double cpu = cpuSeconds(c0);
        if (crc.getValue() == 42) {
            note = join(note, "crc 42"); // keeps the CRC alive
        }
        return new Measure(rep, cache, CRC, log, bytes, records, s, cpu, note);
    }

    /** {@code cat FILES > /dev/null}, as a child process. */
    private static void cat(List<Path> files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("cat");
        files.forEach(f -> command.add(f.toString()));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("cat failed");
        }
    }

    private static List<Path> allFiles(Path dir) throws IOException {
        return Files2.files(dir, "");
    }

    /**
     * Evicts the files from the page cache and checks that it worked. Returns "" when every page of
     * them is out of the cache, else a note that says what is left (the measurement is then not cold).
     */
    static String makeCold(Options o, List<Path> files) throws IOException, InterruptedException {
        long resident = -1;
        if (o.dropCache != null) {
            resident = dropCache(o.dropCache, files);
            if (resident == 0) {
                return "";
            }
        }
        // Second try: every clean page of the machine (needs root).
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        } catch (IOException e) {
            return resident < 0 ? "NOT COLD: no drop_cache helper and /proc/sys/vm/drop_caches not writable (" + e + ")"
                    : "NOT COLD: " + resident + " pages still resident after posix_fadvise, /proc/sys/vm/drop_caches not writable";
        }
        if (o.dropCache != null) {
            resident = residentPages(o.dropCache, files);
            return resident == 0 ? "drop_caches" : "NOT COLD: " + resident + " pages still resident after drop_caches";
        }
        return "drop_caches (residency not checked)";
    }

    /** Runs the helper; returns the pages still resident after it. */
    private static long dropCache(Path helper, List<Path> files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(helper.toString());
        files.forEach(f -> command.add(f.toString()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long resident = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                Map<String, String> fields = new LinkedHashMap<>();
                for (String part : line.trim().split("\\s+")) {
                    int eq = part.indexOf('=');
                    if (eq > 0) {
                        fields.put(part.substring(0, eq), part.substring(eq + 1));
                    }
                }
                long after = Long.parseLong(fields.getOrDefault("resident_after", "-1"));
                resident += after < 0 ? 1 : after;
            }
        }
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            return Math.max(1, resident);
        }
        return resident;
    }

    /** Resident pages of the files; evicting them again does no harm, they are clean. */
    private static long residentPages(Path helper, List<Path> files) throws IOException, InterruptedException {
        return dropCache(helper, files);
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "; " + b;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** CPU time (user + system) of this thread since {@code start}, or NaN where the JVM cannot tell. */
    private static double cpuSeconds(long start) {
        long now = CPU.getCurrentThreadCpuTime();
        return start < 0 || now < 0 ? Double.NaN : (now - start) / 1e9;
    }

    // ---------------------------------------------------------------- report

    private static List<Measure> select(List<Measure> all, String cache, String what, String log) {
        return all.stream().filter(m -> m.cache().equals(cache) && m.what().equals(what) && m.log().equals(log)).toList();
    }

    /** Time ratio b/a per repetition (a faster than b gives > 1) and of the mean times. */
    static Report.Ratio speedup(List<Measure> a, List<Measure> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return new Report.Ratio(Double.NaN, List.of());
        }
        List<Double> per = new ArrayList<>();
        for (Measure x : a) {
            b.stream().filter(y -> y.rep() == x.rep()).findFirst().ifPresent(y -> per.add(y.seconds() / x.seconds()));
        }
        double ta = a.stream().mapToDouble(Measure::seconds).average().orElse(Double.NaN);
        double tb = b.stream().mapToDouble(Measure::seconds).average().orElse(Double.NaN);
        return new Report.Ratio(tb / ta, per);
    }

    static String table(List<Measure> all) {
        StringBuilder md = new StringBuilder();
        md.append("Throughput: bytes of the log's files / time. CPU s: this thread's CPU time (in-JVM measurements only). `reader` hands out a `WalRecord` with its own copy per record, `replay` a read-only view of the read buffer. \"vs cat\": cat's time on the same files / this time "
                + "(mean times, then each repetition's pair), so 0.5 means half cat's speed. \"vs RocksDB\": "
                + "RocksDB's WAL replay time for the same records / this time.\n\n");
        md.append("| cache | log | what | MiB | MiB/s (min-max) | s (mean) | CPU s (mean) | vs cat, same files | vs RocksDB replay |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        List<String[]> keys = new ArrayList<>();
        for (Measure m : all) {
            String[] k = {m.cache(), m.log(), m.what()};
            if (keys.stream().noneMatch(x -> x[0].equals(k[0]) && x[1].equals(k[1]) && x[2].equals(k[2]))) {
                keys.add(k);
            }
        }
        for (String[] k : keys) {
            List<Measure> ms = select(all, k[0], k[2], k[1]);
            double mean = ms.stream().mapToDouble(Measure::mibPerSecond).average().orElse(Double.NaN);
            double min = ms.stream().mapToDouble(Measure::mibPerSecond).min().orElse(Double.NaN);
            double max = ms.stream().mapToDouble(Measure::mibPerSecond).max().orElse(Double.NaN);
            Report.Ratio vsCat = k[2].equals(CAT) ? null : speedup(ms, select(all, k[0], CAT, k[1]));
            Report.Ratio vsRocks = k[1].startsWith("wal4j") && !k[2].equals(CAT) && !k[2].equals(CRC) && !k[1].equals("wal4j-small")
                    ? speedup(ms, select(all, k[0], ROCKS, "rocksdb-wal")) : null;
            double cpu = ms.stream().mapToDouble(Measure::cpuSeconds).average().orElse(Double.NaN);
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %s (%s-%s) | %.3f | %s | %s | %s |%n", k[0], k[1], k[2],
                    ms.get(0).bytes() / 1048576.0, Report.num(mean), Report.num(min), Report.num(max),
                    ms.stream().mapToDouble(Measure::seconds).average().orElse(Double.NaN),
                    Double.isNaN(cpu) ? "" : String.format(Locale.ROOT, "%.3f", cpu),
                    vsCat == null ? "" : vsCat.text(), vsRocks == null ? "" : vsRocks.text()));
        }
        boolean notCold = all.stream().anyMatch(m -> m.note().contains("NOT COLD"));
        if (notCold) {
            md.append("\n**Some cold measurements were not cold** (see their notes below): the page cache could not be emptied.\n");
        }
        return md.toString();
    }

    /** The recovery targets: issue 7's for every reading form, issue 20's for the one-pass open. */
    static List<String[]> targets(List<Measure> all) {
        List<String[]> rows = new ArrayList<>();
        if (all.isEmpty()) {
            return rows;
        }
        for (String what : List.of(ONE_PASS, OPEN_PAYLOADS, OPEN_REPLAY)) {
            List<Measure> wal = select(all, WARM, what, "wal4j");
            String how = what.equals(ONE_PASS) ? "`open(dir, options, visitor)`, one pass"
                    : what.equals(OPEN_PAYLOADS) ? "open + replay (zero-copy)" : "open + reader (a WalRecord copy per record)";
            rows.add(Report.target("Streaming recovery (" + how + ") of a hot log: >= 0.5x `cat`'s throughput on the same files",
                    "wal4j", speedup(wal, select(all, WARM, CAT, "wal4j")), 0.5, true));
            rows.add(Report.target("Streaming recovery (" + how + ") of a hot log: >= 10x RocksDB's WAL replay (same records)",
                    "wal4j", speedup(wal, select(all, WARM, ROCKS, "rocksdb-wal")), 10, true));
        }
        List<Measure> hot = select(all, WARM, ONE_PASS, "wal4j");
        List<Measure> cold = select(all, COLD, ONE_PASS, "wal4j");
        rows.add(Report.target("One-pass open of a hot log: >= 20x RocksDB's WAL replay (issue 20)",
                "wal4j", speedup(hot, select(all, WARM, ROCKS, "rocksdb-wal")), 20, true));
        rows.add(Report.target("One-pass open of a cold log: >= 5x RocksDB's WAL replay (issue 20)",
                "wal4j", speedup(cold, select(all, COLD, ROCKS, "rocksdb-wal")), 5, true));
        return rows;
    }
}
