package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module descriptors hold at run time, not only at compile time: the packaged jars run as named
 * modules on the module path ({@code java --module-path ...}), every jar with a module name of its
 * own (the platform jars through {@code Automatic-Module-Name}), so no two collide.
 *
 * <ul>
 *   <li>The CLI inspects and verifies a log, which needs picocli's reflective access ({@code opens} to
 *       it), the native layer found through {@code provides}/{@code uses}, and JNA binding it
 *       ({@code opens} to JNA).
 *   <li>A user's application (src/test/module-app, compiled here against the core jar alone) appends
 *       and recovers on the module path without the native jars (the java layer), and with them
 *       (wal4j-native, JNA and both platform jars, forced with {@code -Dwal4j.io=native}, which fails
 *       instead of falling back).
 * </ul>
 *
 * Failsafe runs it after {@code package}.
 */
class ModulePathTest {
    @TempDir
    Path tmp;

    private static final List<String> CLASS_PATH = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    private static final Path PROJECT_ROOT = Path.of(System.getProperty("wal4j.projectRoot", "../.."));

    private static Optional<String> optionalJar(String pattern) {
        Pattern p = Pattern.compile(pattern);
        return CLASS_PATH.stream().filter(e -> p.matcher(Path.of(e).getFileName().toString()).matches()).findFirst();
    }

    private static String jar(String pattern) {
        return optionalJar(pattern)
                .orElseThrow(() -> new AssertionError("no jar " + pattern + " on the class path " + CLASS_PATH));
    }

    /** The x86-64 platform jar, absent from a build with -Dwal4j.skipNative=true. */
    private static Optional<String> x86PlatformJar() {
        return optionalJar("wal4j-native-.*-linux-x86_64\\.jar");
    }

    /** The aarch64 platform jar beside it in java/native/target, absent where the cross compiler is. */
    private static Optional<String> aarch64PlatformJar() throws IOException {
        Path target = PROJECT_ROOT.resolve("java/native/target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches("wal4j-native-.*-linux-aarch_64\\.jar"))
                    .map(Path::toString).findFirst();
        }
    }

    private static String modulePath(List<String> entries) {
        return String.join(File.pathSeparator, entries);
    }

    private String run(List<String> command) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> command + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr);
        return stdout;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void theCliRunsAsNamedModules() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 5);
        List<String> modules = new ArrayList<>(List.of(jar("wal4j-cli-[^-]+(-SNAPSHOT)?\\.jar"),
                jar("wal4j-[^-]+(-SNAPSHOT)?\\.jar"), jar("wal4j-native-[^-]+(-SNAPSHOT)?\\.jar"),
                jar("HdrHistogram-.*\\.jar"), jar("jna-[0-9.]+\\.jar"), jar("picocli-.*\\.jar")));
        // Without the platform jar (a build with -Dwal4j.skipNative=true) the java layer is the expected one.
        x86PlatformJar().ifPresent(modules::add);
        String layer = x86PlatformJar().isPresent() ? "native" : "java";
        String stdout = run(List.of(java(), "--module-path", modulePath(modules), "-Dwal4j.io=" + layer,
                "-m", "io.github.wal4j.cli/io.github.wal4j.cli.Wal4jCli", "verify", "--json", dir.toString()));
        assertEquals("clean", MiniJson.object(stdout.strip()).get("result"), stdout);
        assertEquals(layer, MiniJson.object(stdout.strip()).get("ioLayer"), stdout);
    }

    /** Compiles src/test/module-app against the core's jar (and HdrHistogram) alone: what a user has. */
    private Path compileApplication() throws Exception {
        Path sources = PROJECT_ROOT.resolve("java/cli/src/test/module-app");
        List<String> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).map(Path::toString).toList();
        }
        Path classes = tmp.resolve("app-classes");
        // The javac of the JDK running the test, as a process (the tests, patched into the CLI's
        // module at compile time, do not read java.compiler).
        List<String> args = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "--release", "17", "-Xlint:all", "-Werror",
                "-Xlint:-requires-automatic", "--module-path",
                modulePath(List.of(jar("wal4j-[^-]+(-SNAPSHOT)?\\.jar"), jar("HdrHistogram-.*\\.jar"))),
                "-d", classes.toString()));
        args.addAll(files);
        run(args);
        return classes;
    }

    @Test
    void anApplicationRunsOnTheModulePathWithoutTheNativeJars() throws Exception {
        Path app = compileApplication();
        String stdout = run(List.of(java(), "--module-path",
                modulePath(List.of(app.toString(), jar("wal4j-[^-]+(-SNAPSHOT)?\\.jar"), jar("HdrHistogram-.*\\.jar"))),
                "-m", "io.github.wal4j.example.app/io.github.wal4j.example.app.AppendAndRecover",
                tmp.resolve("wal").toString()));
        assertEquals("records=3 first=one layer=java", stdout.strip());
    }

    @Test
    void anApplicationRunsOnTheModulePathWithTheNativeJars() throws Exception {
        Path app = compileApplication();
        List<String> modules = new ArrayList<>(List.of(app.toString(), jar("wal4j-[^-]+(-SNAPSHOT)?\\.jar"),
                jar("HdrHistogram-.*\\.jar"), jar("wal4j-native-[^-]+(-SNAPSHOT)?\\.jar"), jar("jna-[0-9.]+\\.jar")));
        x86PlatformJar().ifPresent(modules::add);
        // Both platform jars side by side, as a build for several platforms would ship them:
        // distinct module names, or the launcher refuses with "two versions of module ...".
        aarch64PlatformJar().ifPresent(modules::add);
        String layer = x86PlatformJar().isPresent() ? "native" : "java";
        String stdout = run(List.of(java(), "--module-path", modulePath(modules), "-Dwal4j.io=" + layer,
                "-m", "io.github.wal4j.example.app/io.github.wal4j.example.app.AppendAndRecover",
                tmp.resolve("wal").toString()));
        assertEquals("records=3 first=one layer=" + layer, stdout.strip());
    }
}
