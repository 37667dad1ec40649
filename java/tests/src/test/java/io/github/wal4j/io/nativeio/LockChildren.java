package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.io.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs running {@link LockHolderChild}: one that takes a lock file's lock through a layer and
 * holds it until killed, or one that tries it once and reports whether another holder excludes it.
 */
public final class LockChildren {

    private LockChildren() {
    }

    /**
     * Starts a child JVM that takes the lock through {@code layer} ({@code "java"} or
     * {@code "native"}) and holds it until {@link #kill}ed; returns once it holds it.
     *
     * @param reports where the child's report and stderr go (not the log's directory)
     */
    public static Process startHolder(String layer, Path lockFile, Path reports)
            throws IOException, InterruptedException {
        Path report = reports.resolve("holder-" + layer + "-" + System.nanoTime() + ".report");
        Path err = reports.resolve(report.getFileName() + ".err");
        Process child = ChildJvm.builder(LockHolderChild.class, entry -> true, List.of(),
                        lockFile.toString(), report.toString(), layer, "hold")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
        boolean started = false;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(report)) {
                if (!child.isAlive()) {
                    fail("child JVM exited with " + child.exitValue() + " before locking:\n" + Files.readString(err));
                }
                if (System.nanoTime() > deadline) {
                    fail("child JVM did not lock within 30 s:\n" + Files.readString(err));
                }
                Thread.sleep(20);
            }
            assertEquals("locked", Files.readString(report).strip(), "the child took the " + layer + " lock");
            started = true;
            return child;
        } finally {
            if (!started) {
                kill(child);
            }
        }
    }

    /** Runs a child JVM that tries the lock through {@code layer} once: "locked" or "busy". */
    public static String probe(String layer, Path lockFile, Path reports) throws IOException, InterruptedException {
        Path report = reports.resolve("probe-" + layer + "-" + System.nanoTime() + ".report");
        Path err = reports.resolve(report.getFileName() + ".err");
        Process child = ChildJvm.builder(LockHolderChild.class, entry -> true, List.of(),
                        lockFile.toString(), report.toString(), layer, "probe")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
        try {
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        } finally {
            kill(child);
        }
        assertTrue(Files.exists(report), () -> "probe JVM exited with " + child.exitValue() + " without a report:\n"
                + readQuietly(err));
        return Files.readString(report).strip();
    }

    /** Kills a child with SIGKILL and waits until it is dead. */
    public static void kill(Process child) throws InterruptedException {
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child JVM did not die");
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
