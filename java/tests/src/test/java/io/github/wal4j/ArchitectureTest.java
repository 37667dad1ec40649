package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dependency rules of docs/architecture.md, checked on the compiled classes of every module with
 * {@code jdeps} (so a fully qualified name counts as much as an import): which wal4j packages each
 * package may use. Maven already keeps the modules apart (the core cannot see the native layer);
 * this keeps the packages inside them in line. A rule listed with a reason is a known departure that
 * issue 14 removes; shrink the allowed set when it is gone.
 */
class ArchitectureTest {
    private static final String API = "io.github.wal4j";
    private static final String LOG = "io.github.wal4j.log";
    private static final String FORMAT = "io.github.wal4j.format";
    private static final String IO = "io.github.wal4j.io";
    private static final String SPI = "io.github.wal4j.spi";
    private static final String INSPECT = "io.github.wal4j.inspect";
    private static final String NATIVE = "io.github.wal4j.io.nativeio";
    private static final String TESTKIT_INTERNAL = "io.github.wal4j.testing.internal";

    /** Package -> the other wal4j packages it may use. */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry(API, Set.of(LOG, IO, SPI)),
            Map.entry(LOG, Set.of(API, INSPECT, FORMAT, IO, SPI)), // API types in log: a cycle with the API, still to cut (issue 14)
            Map.entry(INSPECT, Set.of(API, LOG, SPI)), // LOG: the implementation behind LogInspection.open
            Map.entry(FORMAT, Set.of()),
            Map.entry(IO, Set.of(SPI)),
            Map.entry(SPI, Set.of()),
            Map.entry(NATIVE, Set.of(API, IO, SPI)), // IO: AlignedReadFile and SymbolicLinks, shared with the java layer
            Map.entry("io.github.wal4j.sqlite", Set.of(API)),
            // IO: JavaStorage, the disk under a fault layer; INSPECT: LogDamage finds records through it.
            Map.entry("io.github.wal4j.testing", Set.of(API, INSPECT, IO, SPI, TESTKIT_INTERNAL)),
            // The kit's unexported helpers: child JVMs and ack files (KillLoop), file damage (LogDamage).
            // AckWriter, which the child JVMs' support and the kill loop share with the API.
            Map.entry(TESTKIT_INTERNAL, Set.of(API, "io.github.wal4j.testing")),
            // The CLI reads a log through the API, the inspection API and the SPI only, never internals.
            Map.entry("io.github.wal4j.cli", Set.of(API, INSPECT, SPI)));

    private static final List<String> MODULES = List.of("core", "native", "sqlite", "cli", "testkit");

    @TempDir
    static Path copies;

    private static Path classesOf(String module) {
        return Path.of(System.getProperty("wal4j.projectRoot", "../.."), "java", module, "target", "classes")
                .toAbsolutePath();
    }

    /**
     * The module's classes without its module-info.class: jdeps would otherwise resolve the module
     * graph (and want every required module, HdrHistogram and JNA included); the package edges are
     * the same either way.
     */
    private static Path plainClassesOf(String module) {
        Path copy = copies.resolve(module);
        if (!Files.isDirectory(copy)) {
            Path from = classesOf(module);
            try (Stream<Path> files = Files.walk(from)) {
                for (Path f : files.toList()) {
                    Path to = copy.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else if (!f.getFileName().toString().equals("module-info.class")) {
                        Files.copy(f, to);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return copy;
    }

    /** Every edge "from -> to" between two different wal4j packages in the module's classes. */
    private static Map<String, Set<String>> edges(String module) {
        return edges(module, "-verbose:package");
    }

    /**
     * Every edge "from -> to" between wal4j packages ({@code -verbose:package}) or classes
     * ({@code -verbose:class}) in the module's classes.
     */
    private static Map<String, Set<String>> edges(String module, String verbose) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError(
                "this JDK has no jdeps tool (java.home " + System.getProperty("java.home") + ")"));
        String classPath = MODULES.stream().filter(m -> !m.equals(module)).map(ArchitectureTest::plainClassesOf)
                .map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(err), verbose, "-filter:none",
                "-cp", classPath, plainClassesOf(module).toString());
        assertEquals(0, exit, () -> "jdeps failed on " + module + ": " + err);
        Map<String, Set<String>> edges = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && "->".equals(f[1]) && f[0].startsWith(API) && f[2].startsWith(API)
                    && !f[0].equals(f[2])) {
                edges.computeIfAbsent(f[0], k -> new TreeSet<>()).add(f[2]);
            }
        }
        return edges;
    }

    @Test
    void packagesUseOnlyWhatTheArchitectureAllows() {
        List<String> violations = new ArrayList<>();
        Map<String, Set<String>> all = new TreeMap<>();
        for (String module : MODULES) {
            assertTrue(Files.isDirectory(classesOf(module)), () -> classesOf(module) + " is not built");
            all.putAll(edges(module));
        }
        for (Map.Entry<String, Set<String>> e : all.entrySet()) {
            Set<String> allowed = ALLOWED.get(e.getKey());
            if (allowed == null) {
                violations.add(e.getKey() + " has no rule in ArchitectureTest.ALLOWED (it uses " + e.getValue() + ")");
                continue;
            }
            for (String to : e.getValue()) {
                if (!allowed.contains(to)) {
                    violations.add(e.getKey() + " -> " + to);
                }
            }
        }
        // The check itself must see the graph: the engine does use the format and the file layer.
        assertTrue(all.getOrDefault(LOG, Set.of()).containsAll(Set.of(FORMAT, IO)),
                () -> "jdeps output was not understood: edges " + all);
        assertEquals(List.of(), violations, "package dependencies that docs/architecture.md forbids");
    }

    /** The API's entry points, which only the API and the integrations above it may name. */
    private static final Set<String> ENTRY_POINTS = Set.of(API + ".WriteAheadLog", API + ".WalOptions",
            API + ".WalTransaction");

    /**
     * The engine and the layers under it use the API's values, callbacks and exceptions, never its
     * entry points: {@code WalOptions} reaches the engine as {@code log/LogConfig}.
     */
    @Test
    void theEngineNeverNamesTheApiEntryPoints() {
        Map<String, Set<String>> classes = edges("core", "-verbose:class");
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : classes.entrySet()) {
            String pkg = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            if (Set.of(LOG, FORMAT, IO, SPI).contains(pkg)) {
                for (String to : e.getValue()) {
                    if (ENTRY_POINTS.contains(to)) {
                        violations.add(e.getKey() + " -> " + to);
                    }
                }
            }
        }
        assertTrue(classes.getOrDefault(API + ".WriteAheadLog", Set.of()).contains(LOG + ".LogEngine"),
                () -> "jdeps output was not understood: edges " + classes);
        assertEquals(List.of(), violations, "the engine names an entry point of the API");
    }
}
