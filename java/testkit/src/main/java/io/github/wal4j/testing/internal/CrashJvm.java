package io.github.wal4j.testing.internal;

import io.github.wal4j.testing.AckWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a test class's {@code main} on this JVM's class path, meant to be killed with
 * SIGKILL ({@link Process#destroyForcibly()} on Linux). Its stdout and stderr go to files, never to a
 * pipe: what the child acknowledges it writes to an ack file (see {@link AckWriter}), and the files
 * are only for diagnostics.
 */
public final class CrashJvm implements AutoCloseable {
    /** The exit status of a process killed by SIGKILL, as {@link Process#exitValue()} reports it. */
    public static final int SIGKILL_STATUS = 128 + 9;

    private final String name;
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final long startNanos;

    private CrashJvm(String name, Process process, Path stdout, Path stderr, long startNanos) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.startNanos = startNanos;
    }

    /**
     * Starts {@code java <options> -cp <this class path> <main> <args>}, passing the system property
     * {@code wal4j.io} through when it is set.
     *
     * @param logDir where {@code <name>.out} and {@code <name>.err} are written
     */
    public static CrashJvm start(Class<?> main, Path logDir, String name, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Xshare:auto");
        command.add("-Xmx256m");
        String io = System.getProperty("wal4j.io");
        if (io != null) {
            command.add("-Dwal4j.io=" + io);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        Files.createDirectories(logDir);
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        long started = System.nanoTime();
        return new CrashJvm(name, builder.start(), out, err, started);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Milliseconds since {@link #start}. */
    public long ageMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /**
     * Kills the child with SIGKILL and waits until it is dead. Throws {@link AssertionError} (with its
     * output) if it had already ended on its own: a child is only ever supposed to end by the kill.
     */
    public void kill() throws InterruptedException {
        boolean aliveBefore = process.isAlive();
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + ": still alive 30 s after SIGKILL");
        }
        int status = process.exitValue();
        if (!aliveBefore || status != SIGKILL_STATUS) {
            throw new AssertionError(name + " ended on its own with status " + status
                    + " instead of being killed (SIGKILL gives " + SIGKILL_STATUS + ")\n" + output());
        }
    }

    /** Waits for the child to end by itself and returns its status; kills it and fails after the timeout. */
    public int awaitExit(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new AssertionError(name + ": did not end within " + timeoutMillis + " ms\n" + output());
        }
        return process.exitValue();
    }

    /** The child's stdout and stderr, for failure messages (the last 8000 characters of each). */
    public String output() {
        return "--- " + name + " stdout ---\n" + tail(stdout) + "\n--- " + name + " stderr ---\n" + tail(stderr);
    }

    private static String tail(Path file) {
        try {
            String s = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Kills the child if it is still running; never throws for a child that ended. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
