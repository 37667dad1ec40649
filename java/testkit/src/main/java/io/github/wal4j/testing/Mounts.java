package io.github.wal4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Mounts for tests that need a real file system of a given shape (a tiny tmpfs, a bind mount).
 * Mounting needs Linux and root: where it is refused, the test is skipped with the command's
 * output as the reason ({@link Assumptions#abort}), never passed silently.
 */
public final class Mounts {

    private Mounts() {
    }

    /** Mounts a tmpfs of {@code size} (as mount(8) takes it: {@code 512k}, {@code 24m}) on {@code dir}, or skips. */
    public static void tmpfsOrSkip(Path dir, String size) throws IOException, InterruptedException {
        requireLinux();
        String failure = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", dir.toString());
        if (failure != null) {
            Assumptions.abort("cannot mount a " + size + " tmpfs on " + dir + " (needs root): " + failure);
        }
    }

    /** Makes {@code source} visible at {@code target} too ({@code mount --bind}), or skips. */
    public static void bindOrSkip(Path source, Path target) throws IOException, InterruptedException {
        requireLinux();
        String failure = run("mount", "--bind", source.toString(), target.toString());
        if (failure != null) {
            Assumptions.abort("cannot bind-mount " + source + " on " + target + " (needs root, and a container"
                    + " may refuse it): " + failure);
        }
    }

    /**
     * Makes an ext4 file system of {@code size} (as truncate(1) takes it: {@code 24M}) in the image
     * file {@code image} and mounts it on {@code dir} through a loop device, or skips.
     */
    public static void ext4LoopOrSkip(Path image, String size, Path dir) throws IOException, InterruptedException {
        requireLinux();
        String failure = run("truncate", "-s", size, image.toString());
        if (failure == null) {
            failure = run("mkfs.ext4", "-q", "-F", image.toString());
        }
        if (failure == null) {
            failure = run("mount", "-o", "loop", image.toString(), dir.toString());
        }
        if (failure != null) {
            Assumptions.abort("cannot make and loop-mount a " + size + " ext4 image on " + dir + " (needs root,"
                    + " mkfs.ext4 and a loop device): " + failure);
        }
    }

    /** Changes the size of a tmpfs mounted by {@link #tmpfsOrSkip}; throws if mount(8) refuses. */
    public static void resizeTmpfs(Path dir, String size) throws IOException, InterruptedException {
        String failure = run("mount", "-o", "remount,size=" + size, dir.toString());
        if (failure != null) {
            throw new IOException("cannot resize the tmpfs on " + dir + " to " + size + ": " + failure);
        }
    }

    /** Unmounts {@code dir} (lazily if it is busy); throws if it cannot. */
    public static void unmount(Path dir) throws IOException, InterruptedException {
        String failure = run("umount", dir.toString());
        if (failure != null && run("umount", "-l", dir.toString()) != null) {
            throw new IOException("cannot unmount " + dir + ": " + failure);
        }
    }

    private static void requireLinux() {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                "needs Linux to mount a file system");
    }

    /** Runs a command; null if it succeeded, else its exit status and output. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "cannot run " + command[0] + ": " + e.getMessage();
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + output;
    }
}
