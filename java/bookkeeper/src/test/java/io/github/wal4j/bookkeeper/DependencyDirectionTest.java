package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The module is an integration: it uses wal4j's API package only, never the engine, format or I/O
 * layer (the module has no descriptor, so on the class path nothing else would stop it), and its
 * internals never use its API package. Checked with {@code jdeps} on the compiled classes, as
 * java/tests' ArchitectureTest does for the other modules.
 */
class DependencyDirectionTest {
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "io.github.wal4j.bookkeeper", Set.of("io.github.wal4j", "io.github.wal4j.bookkeeper.internal"),
            "io.github.wal4j.bookkeeper.internal", Set.of("io.github.wal4j"));

    @Test
    void theModuleUsesOnlyTheApiOfWal4j() {
        Path classes = Path.of("target", "classes").toAbsolutePath();
        assertTrue(Files.isDirectory(classes.resolve("io/github/wal4j/bookkeeper")), classes + " is not built");
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none",
                classes.toString());
        assertEquals(0, exit, () -> "jdeps failed: " + err);
        Map<String, Set<String>> violations = new TreeMap<>();
        int edges = 0;
        for (String line : out.toString().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && "->".equals(f[1]) && f[0].startsWith("io.github.wal4j")
                    && f[2].startsWith("io.github.wal4j") && !f[0].equals(f[2])) {
                edges++;
                Set<String> allowed = ALLOWED.getOrDefault(f[0], Set.of());
                if (!allowed.contains(f[2])) {
                    violations.computeIfAbsent(f[0], k -> new TreeSet<>()).add(f[2]);
                }
            }
        }
        assertTrue(edges >= 3, "jdeps found only " + edges + " edges:\n" + out);
        assertEquals(Map.of(), violations);
    }
}
