package io.github.wal4j.testing;

import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child side of an ack file: each {@link #line} is one {@code write(2)} of the whole line, done
 * before the method returns, so it sits in the OS page cache and survives a SIGKILL of the child (no
 * fsync needed: the machine does not crash, only the process). A line is written only after the
 * operation it acknowledges returned.
 */
public final class AckWriter implements Closeable {
    private final FileOutputStream out;

    public AckWriter(Path file) throws IOException {
        this.out = new FileOutputStream(file.toFile(), true);
    }

    /** Writes {@code text + "\n"} with one write call. Thread-safe. */
    public synchronized void line(String text) throws IOException {
        out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
