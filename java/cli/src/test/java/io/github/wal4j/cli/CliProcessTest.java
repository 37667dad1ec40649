package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.wal4j.testing.internal.LogDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as users run it: {@code java -jar java/cli/target/wal4j-cli-<version>-all.jar} and
 * {@code scripts/wal4j}, in a separate process. Failsafe runs it after {@code package} has built the
 * jar ({@code ./mvnw verify}); run without the jar (surefire's {@code -Dtest=...}), it skips and
 * says why. The assertions stick to the stable surface: exit codes and the result line. The child runs on the java layer (an
 * older jar beside a newer native library would fail on the ABI check, which is not what is tested).
 */
class CliProcessTest {
    @TempDir
    Path tmp;

    private static Path cliJar() throws IOException {
        Path target = Path.of("target");
        if (!Files.isDirectory(target)) {
            return null;
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().matches("wal4j-cli-.*-all\\.jar"))
                    .max(Comparator.comparing(p -> p.toFile().lastModified())).orElse(null);
        }
    }

    /** Skips the test, saying why in the build log as well as in the report. */
    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.err.println("CliProcessTest SKIPPED: " + reason);
        }
        assumeTrue(condition, reason);
    }

    private record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    private Run run(List<String> command) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("WAL4J_IO", "java");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static List<String> java(Path jar, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Dwal4j.io=java", "-jar", jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void cliJarRunsAsAProcess() throws Exception {
        Path jar = cliJar();
        skipUnless(jar != null, "java/cli/target/wal4j-cli-<version>-all.jar is not built yet (run ./mvnw -B -DskipTests package,"
                + " or scripts/wal4j once); the in-process CLI tests cover the commands");
        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.ONE_SEGMENT, 6);
        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));

        Run verify = run(java(jar, "verify", image.toString()));
        assertEquals(1, verify.exit(), verify::toString);
        assertTrue(verify.out().contains("TORN TAIL"), verify::toString);
        assertEquals("", verify.err(), "no log lines, no progress bar when stderr is not a terminal");

        Run repair = run(java(jar, "repair", image.toString()));
        assertEquals(0, repair.exit(), repair::toString);
        assertEquals(Cli.expected(1, 6), Cli.recover(image));

        Run missing = run(java(jar, "verify", tmp.resolve("missing").toString()));
        assertEquals(4, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("no such directory"), missing::toString);

        Run version = run(java(jar, "--version"));
        assertEquals(0, version.exit(), version::toString);
        assertTrue(version.out().startsWith("wal4j "), version::toString);

        // The operator's topics are inside the runnable jar.
        Run recovery = run(java(jar, "help", "recovery"));
        assertEquals(0, recovery.exit(), recovery::toString);
        assertEquals(HelpCommand.topic("recovery"), recovery.out());
    }

    @Test
    void scriptRunsTheCliJar() throws Exception {
        Path jar = cliJar();
        skipUnless(jar != null, "java/cli/target/wal4j-cli-<version>-all.jar is not built yet, and scripts/wal4j would build it"
                + " (a Maven build inside the test run); run ./mvnw -B -DskipTests package first");
        Path script = Path.of(System.getProperty("wal4j.projectRoot", "../.."), "scripts", "wal4j").toAbsolutePath();
        skipUnless(Files.isExecutable(script), script + " is not executable");
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Run verify = run(List.of(script.toString(), "verify", "--json", dir.toString()));
        assertEquals(0, verify.exit(), verify::toString);
        assertEquals("clean", MiniJson.object(verify.out().strip()).get("result"));
    }
}
