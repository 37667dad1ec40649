package io.github.wal4j.testing.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The parent side of an ack file: reads the complete lines written so far, incrementally. A last
 * line without its newline (the child was killed in the middle of writing it, in theory) is not
 * returned: an acknowledgement counts only when it is whole.
 */
public final class AckFile {
    private final Path file;
    private final List<String> lines = new ArrayList<>();
    private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
    private final java.util.Map<String, Integer> counts = new java.util.HashMap<>();
    private long offset;
    private String bad;

    public AckFile(Path file) {
        this.file = file;
    }

    /** Every complete line, from the start of the file. */
    public static List<String> readAll(Path file) throws IOException {
        AckFile ack = new AckFile(file);
        return ack.poll();
    }

    /** Reads what was appended since the last call; returns all complete lines so far (a live view). */
    public List<String> poll() throws IOException {
        if (!Files.exists(file)) {
            return lines;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            if (length <= offset) {
                return lines;
            }
            byte[] bytes = new byte[(int) (length - offset)];
            raf.seek(offset);
            raf.readFully(bytes);
            offset = length;
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    partial.write(bytes, start, i - start);
                    String line = new String(partial.toByteArray(), StandardCharsets.UTF_8);
                    lines.add(line);
                    int space = line.indexOf(' ');
                    counts.merge(space < 0 ? line : line.substring(0, space), 1, Integer::sum);
                    if (line.startsWith("BAD")) {
                        bad = bad == null ? line : bad;
                    }
                    partial.reset();
                    start = i + 1;
                }
            }
            partial.write(bytes, start, bytes.length - start);
        }
        return lines;
    }

    /**
     * Polls until {@code done} accepts the lines, the child ends (an {@link AssertionError} with its
     * output), or {@code timeoutMillis} passes (an {@link AssertionError}).
     */
    public List<String> awaitLines(CrashJvm child, Predicate<List<String>> done, long timeoutMillis, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            List<String> now = poll();
            if (bad != null) {
                child.close();
                throw new AssertionError(file + ": the child reported: " + bad + "\n" + child.output());
            }
            if (done.test(now)) {
                return now;
            }
            if (!child.isAlive()) {
                throw new AssertionError("the child ended while waiting for " + what + " (exit status "
                        + child.awaitExit(1000) + "); ack lines: " + now.size() + "\n" + child.output());
            }
            if (System.nanoTime() - deadline > 0) {
                child.close();
                throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for " + what
                        + "; ack lines: " + now.size() + "\n" + child.output());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /** How many complete lines read so far have {@code token} as their first word. */
    public int count(String token) {
        return counts.getOrDefault(token, 0);
    }

    /** The first line starting with "BAD" read so far (a child's own check failed), or null. */
    public String bad() {
        return bad;
    }

    /** The number of complete lines that start with {@code prefix}. */
    public static int count(List<String> lines, String prefix) {
        int n = 0;
        for (String line : lines) {
            if (line.startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }
}
