package io.github.wal4j.example;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.AckWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child for {@link io.github.wal4j.testing.KillLoop}: appends "record N" to the log in its work
 * directory, N going on from what the log holds, and acknowledges each with "ACK N" once the
 * append returned, until it is killed.
 */
public final class AppendingChild {
    private AppendingChild() {
    }

    public static void main(String[] args) throws Exception {
        Path ackFile = Path.of(args[0]);
        Path dir = Path.of(args[1]).resolve("wal");
        try (AckWriter ack = new AckWriter(ackFile); WriteAheadLog wal = WriteAheadLog.open(dir)) {
            while (true) {
                long next = wal.lastSequence() + 1;
                long sequence = wal.append(("record " + next).getBytes(StandardCharsets.US_ASCII));
                if (sequence != next) {
                    ack.line("BAD sequence " + sequence + " for record " + next);
                }
                ack.line("ACK " + sequence);
            }
        }
    }
}
