package io.github.wal4j;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.AckWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * A child for {@link TailerKillTest} (run by {@link io.github.wal4j.testing.KillLoop}): two threads
 * append to the log in {@code <work>/wal} and acknowledge each append once it returned ("ACK seq");
 * a tailer in the same JVM resumes from the position saved in {@code <work>/tailer.pos} and saves
 * each record it is handed there, one whole line per record ("seq crc32c", one write each, which
 * survives the kill), then acknowledges it ("TAIL seq"). Runs until it is killed; a line "BAD ..."
 * reports a broken expectation.
 */
public final class TailingChild {
    private TailingChild() {
    }

    /** The CRC32C of a payload, as the position file records it. */
    static long crc(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return crc.getValue();
    }

    public static void main(String[] args) throws Exception {
        Path ackFile = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Path positions = work.resolve("tailer.pos");
        List<String> saved = AckFile.readAll(positions);
        long from = saved.isEmpty() ? 1 : Long.parseLong(saved.get(saved.size() - 1).split(" ")[0]) + 1;
        try (AckWriter ack = new AckWriter(ackFile); AckWriter position = new AckWriter(positions);
                WriteAheadLog wal = WriteAheadLog.open(work.resolve("wal"))) {
            for (int t = 0; t < 2; t++) {
                int thread = t;
                Thread appender = new Thread(() -> {
                    try {
                        for (long i = 0; ; i++) {
                            byte[] payload = ("t" + thread + " " + i + " " + ThreadLocalRandom.current().nextLong())
                                    .getBytes(StandardCharsets.US_ASCII);
                            ack.line("ACK " + wal.append(payload));
                        }
                    } catch (Exception e) {
                        report(ack, "appender: " + e);
                    }
                }, "appender" + t);
                appender.setDaemon(true);
                appender.start();
            }
            try (WalTailer tailer = wal.tail(from, TailOptions.defaults())) {
                long expected = from;
                while (true) {
                    WalRecord r = tailer.next(Duration.ofSeconds(30));
                    if (r == null) {
                        report(ack, "no record within 30 s at " + expected);
                        return;
                    }
                    if (r.sequence() != expected) {
                        report(ack, "tailer delivered " + r.sequence() + " where " + expected + " was next");
                    }
                    if (r.sequence() > wal.durableSequence()) {
                        report(ack, "tailer delivered " + r.sequence() + " beyond the durable " + wal.durableSequence());
                    }
                    position.line(r.sequence() + " " + crc(r.payload()));
                    ack.line("TAIL " + r.sequence());
                    expected = r.sequence() + 1;
                }
            }
        }
    }

    private static void report(AckWriter ack, String what) {
        try {
            ack.line("BAD " + what);
        } catch (java.io.IOException ignored) {
            // Nothing else to tell it with.
        }
    }
}
