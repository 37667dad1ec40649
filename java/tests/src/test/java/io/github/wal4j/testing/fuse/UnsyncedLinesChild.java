package io.github.wal4j.testing.fuse;

import io.github.wal4j.testing.AckWriter;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The wrong way, for {@link LogUnderPowerCutTest}'s control: writes {@code line <i>} to
 * {@code lines} in its work directory and acknowledges it at once, never fsyncing. A kill keeps
 * every line (the page cache survives); a power cut must lose them.
 */
public final class UnsyncedLinesChild {
    private UnsyncedLinesChild() {
    }

    public static void main(String[] args) throws Exception {
        try (AckWriter ack = new AckWriter(Path.of(args[0]));
             FileOutputStream out = new FileOutputStream(Path.of(args[1]).resolve("lines").toFile())) {
            for (long i = 1; ; i++) {
                out.write(("line " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                ack.line("ACK " + i);
            }
        }
    }
}
