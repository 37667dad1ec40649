package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module descriptors hold at run time, not only at compile time: the packaged jars of the core,
 * the native layer and the CLI, with HdrHistogram, JNA and picocli, run as named modules on the
 * module path ({@code java --module-path ... -m io.github.wal4j.cli/...}). The CLI inspects and
 * verifies a log, which needs picocli's reflective access ({@code opens} to it), the native layer
 * found through {@code provides}/{@code uses}, and JNA binding it ({@code opens} to JNA). The platform
 * jar with libwal4j stays on the class path (its name is no valid module name, and it holds no
 * package). Failsafe runs it after {@code package}.
 */
class ModulePathTest {
    @TempDir
    Path tmp;

    private static final List<String> CLASS_PATH = List.of(System.getProperty("java.class.path").split(File.pathSeparator));

    private static String jar(String pattern) {
        Pattern p = Pattern.compile(pattern);
        return CLASS_PATH.stream().filter(e -> p.matcher(Path.of(e).getFileName().toString()).matches()).findFirst()
                .orElseThrow(() -> new AssertionError("no jar " + pattern + " on the class path " + CLASS_PATH));
    }

    @Test
    void theCliRunsAsNamedModules() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 5);
        String modulePath = String.join(File.pathSeparator, jar("wal4j-cli-[^-]+(-SNAPSHOT)?\\.jar"),
                jar("wal4j-[^-]+(-SNAPSHOT)?\\.jar"), jar("wal4j-native-[^-]+(-SNAPSHOT)?\\.jar"),
                jar("HdrHistogram-.*\\.jar"), jar("jna-[0-9.]+\\.jar"), jar("picocli-.*\\.jar"));
        // Without the platform jar (a build with -Dwal4j.skipNative=true) the java layer is the expected one.
        boolean withLibrary = CLASS_PATH.stream().anyMatch(e -> e.endsWith("-linux-x86_64.jar"));
        String layer = withLibrary ? "native" : "java";
        String platformJar = withLibrary ? jar("wal4j-native-.*-linux-x86_64\\.jar") : "";
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", modulePath, "-cp", platformJar, "-Dwal4j.io=" + layer,
                "-m", "io.github.wal4j.cli/io.github.wal4j.cli.Wal4jCli", "verify", "--json", dir.toString()));
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> command + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr);
        assertEquals("clean", MiniJson.object(stdout.strip()).get("result"), stdout);
        assertEquals(layer, MiniJson.object(stdout.strip()).get("ioLayer"), stdout);
    }
}
