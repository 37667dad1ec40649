package io.github.wal4j.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The driver's options. {@code --quick} and {@code --full} are presets; any option after them
 * overrides the preset's value.
 */
final class Options {
    String mode = "quick";
    Path dir = Path.of("target", "bench", "tmp");
    Path out = Path.of("target", "bench", "out");
    Path ceiling;
    Path groupCeiling;
    Path dropCache;
    boolean allowTmpfs;
    double duration;
    double warmup;
    double jvmWarmup;
    int reps;
    List<Cell> cells;
    /** The sync cells' implementations; the presets set them ({@link #QUICK_SUBJECTS}, {@link #FULL_SUBJECTS}). */
    List<String> subjects;
    List<String> asyncSubjects = new ArrayList<>(List.of(CCeiling.NAME, CCeiling.ZEROED, "wal4j-native", "wal4j-java"));
    int[] windows;
    int asyncSize = 100;
    List<String> sections = new ArrayList<>(List.of("append", "recovery", "tail", "jmh"));
    long recoveryMib;
    int recoveryRecord = 100;
    int recoveryReps;
    boolean recoverySmallBatches;
    boolean jmhFull;
    /** {@code --help}: print {@link #HELP} and run nothing. */
    boolean help;

    static final List<String> QUICK_SUBJECTS = List.of(CCeiling.NAME, CCeiling.ZEROED, CCeiling.GROUP, "wal4j-native",
            "wal4j-java", "rocksdb", "sqlite", "filechannel");
    /**
     * The quick list and the steady-state subjects (prepared with zeros, and recycled with checkpoints),
     * each beside its fresh-log counterpart.
     */
    static final List<String> FULL_SUBJECTS = List.of(CCeiling.NAME, CCeiling.ZEROED, CCeiling.GROUP, "wal4j-native",
            "wal4j-native-steady", "wal4j-native-recycled", "wal4j-java", "wal4j-java-steady", "wal4j-java-recycled",
            "rocksdb", "sqlite", "filechannel");

    static final String HELP = String.join("\n",
            "bench/run [--quick|--full] [options]: the wal4j benchmark suite (docs/benchmarks.md).",
            "  --quick, --full       presets (quick: the default); options after them override the preset",
            "  --sections LIST       append,recovery,tail,jmh (default: all four)",
            "  --cells LIST          sync cells SIZExTHREADS, e.g. 100x1,100x16,100x64,65536x16",
            "  --matrix T:S          sync cells, the product of thread counts and sizes, e.g. 1,16:100,4096",
            "  --subjects LIST       sync implementations: " + String.join(",", FULL_SUBJECTS) + " and the variants of",
            "                        Subjects.java (wal4j-native-direct, wal4j-native+aes, ...); full: all of the first list,",
            "                        quick: without the -steady and -recycled ones",
            "  --async-subjects LIST appendAsync implementations (one thread, a window of appends in flight)",
            "  --windows LIST|none   appendAsync windows, e.g. 1024,4096; none: no async cells",
            "  --async-size B        record size of the async cells (100)",
            "  --duration S          measured seconds per run (alias --seconds); --warmup S  warm-up per run",
            "  --jvm-warmup S        JIT warm-up per implementation, not reported; --reps N  repetitions",
            "  --recovery-mib M --recovery-record B --recovery-reps N --recovery-small-batches   recovery section",
            "  --dir D               bench directory (refused on tmpfs unless --allow-tmpfs)",
            "  --help                this text",
            "The issue-20 goal cells alone (about 8-10 minutes on a quiet machine):",
            "  bench/run --full --sections append --cells 100x1,100x16,100x64,65536x16 --windows none \\",
            "    --subjects c-ceiling,c-ceiling-zeroed,c-group,wal4j-native,wal4j-native-steady,wal4j-native-recycled,"
                    + "wal4j-java-steady,wal4j-java-recycled,rocksdb");

    static Options parse(String[] args) {
        Options o = new Options();
        o.preset("quick");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--quick" -> o.preset("quick");
                case "--full" -> o.preset("full");
                case "--allow-tmpfs" -> o.allowTmpfs = true;
                case "--dir" -> o.dir = Path.of(value(args, ++i, arg));
                case "--out" -> o.out = Path.of(value(args, ++i, arg));
                case "--ceiling" -> o.ceiling = Path.of(value(args, ++i, arg));
                case "--group-ceiling" -> o.groupCeiling = Path.of(value(args, ++i, arg));
                case "--drop-cache" -> o.dropCache = Path.of(value(args, ++i, arg));
                case "--help" -> o.help = true;
                case "--duration", "--seconds" -> o.duration = Double.parseDouble(value(args, ++i, arg));
                case "--warmup" -> o.warmup = Double.parseDouble(value(args, ++i, arg));
                case "--jvm-warmup" -> o.jvmWarmup = Double.parseDouble(value(args, ++i, arg));
                case "--reps" -> o.reps = Integer.parseInt(value(args, ++i, arg));
                case "--cells" -> o.cells = cells(value(args, ++i, arg));
                case "--threads", "--sizes" -> throw new IllegalArgumentException(arg
                        + " is now --matrix THREADS:SIZES (e.g. --matrix 1,16:100,4096) or --cells 100x1,4096x16");
                case "--matrix" -> o.cells = matrix(value(args, ++i, arg));
                case "--subjects", "--layers" -> o.subjects = layers(value(args, ++i, arg));
                case "--async-subjects" -> o.asyncSubjects = layers(value(args, ++i, arg));
                case "--windows" -> {
                    String windows = value(args, ++i, arg);
                    o.windows = windows.equals("none") ? new int[0] : ints(windows);
                }
                case "--async-size" -> o.asyncSize = Integer.parseInt(value(args, ++i, arg));
                case "--ceiling-mode" -> throw new IllegalArgumentException("--ceiling-mode is gone: the subjects "
                        + CCeiling.NAME + " (fallocate) and " + CCeiling.ZEROED + " (zero-filled) run side by side");
                case "--sections" -> o.sections = List.of(value(args, ++i, arg).split(","));
                case "--recovery-mib" -> o.recoveryMib = Long.parseLong(value(args, ++i, arg));
                case "--recovery-record" -> o.recoveryRecord = Integer.parseInt(value(args, ++i, arg));
                case "--recovery-reps" -> o.recoveryReps = Integer.parseInt(value(args, ++i, arg));
                case "--recovery-small-batches" -> o.recoverySmallBatches = true;
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (o.help) {
            return o;
        }
        if (o.reps < 1 || o.duration <= 0 || o.warmup < 0 || o.cells.isEmpty() || o.subjects.isEmpty()
                || o.recoveryMib < 1 || o.recoveryReps < 1) {
            throw new IllegalArgumentException("bad options");
        }
        for (String s : o.subjects) {
            if (!CCeiling.isC(s)) {
                Subjects.get(s);
            }
        }
        if (o.asyncSubjects.contains(CCeiling.GROUP)) {
            throw new IllegalArgumentException(CCeiling.GROUP + " runs in sync cells only (--subjects), not --async-subjects");
        }
        return o;
    }

    private void preset(String name) {
        mode = name;
        if (name.equals("full")) {
            duration = 3;
            warmup = 1;
            jvmWarmup = 2;
            reps = 2;
            cells = matrix("1,4,16,64:100,1024,65536");
            windows = new int[] {1024, 4096};
            recoveryMib = 1024;
            recoveryReps = 3;
            jmhFull = true;
            subjects = new ArrayList<>(FULL_SUBJECTS);
        } else {
            duration = 1;
            warmup = 0.5;
            jvmWarmup = 1;
            reps = 2;
            cells = cells("100x1,100x16,65536x16");
            windows = new int[] {1024};
            recoveryMib = 64;
            recoveryReps = 2;
            jmhFull = false;
            subjects = new ArrayList<>(QUICK_SUBJECTS);
        }
    }

    /** "wal4j" layer names of the old AppendBench (native, java, native-direct) still work. */
    private static List<String> layers(String csv) {
        List<String> names = new ArrayList<>();
        for (String s : csv.split(",")) {
            s = s.strip();
            // The old AppendBench's layer names: native, java, native-direct, native+aes, java+hmac, ...
            names.add(s.startsWith("native") || s.startsWith("java") ? "wal4j-" + s : s);
        }
        return names;
    }

    /** THREADS:SIZES, the product, sizes outer. */
    static List<Cell> matrix(String spec) {
        String[] parts = spec.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("--matrix THREADS:SIZES, e.g. 1,16:100,4096");
        }
        List<Cell> cells = new ArrayList<>();
        for (int size : ints(parts[1])) {
            for (int threads : ints(parts[0])) {
                cells.add(Cell.sync(threads, size));
            }
        }
        return cells;
    }

    /** SIZExTHREADS,... */
    static List<Cell> cells(String spec) {
        List<Cell> cells = new ArrayList<>();
        for (String c : spec.split(",")) {
            String[] st = c.strip().split("x");
            cells.add(Cell.sync(Integer.parseInt(st[1]), Integer.parseInt(st[0])));
        }
        return cells;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt)
                .toArray();
    }
}
