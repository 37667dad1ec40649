package io.github.wal4j.testing.fuse;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.AckWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A child for {@link LogUnderPowerCutTest}: opens the log in its work directory (on the power-cut
 * file system), says which layer and whether direct I/O it got ({@code INFO ...}), then appends
 * from four threads {@code <tag>-<thread>-<i>} (tag: the ack file's name) padded to 300 bytes
 * (small segments, so rounds rotate them) and acknowledges each with
 * {@code ACK <sequence> <tag>-<thread>-<i>} once {@code append} returned, until it is killed.
 *
 * <p>args: ackFile, workDirectory, "direct" or "buffered"; the tag is the ack file's name.
 */
public final class PowerCutAppendChild {
    static final WalOptions OPTIONS = WalOptions.defaults().withSegmentSize(16 << 10);

    private PowerCutAppendChild() {
    }

    public static void main(String[] args) throws Exception {
        Path ackFile = Path.of(args[0]);
        Path dir = Path.of(args[1]).resolve("wal");
        // The ack file's name (round-N.ack) tells the rounds' records apart.
        String tag = ackFile.getFileName().toString().replace(".ack", "");
        WalOptions options = OPTIONS.withDirectIo(args[2].equals("direct"));
        try (AckWriter ack = new AckWriter(ackFile); WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            ack.line("INFO layer=" + wal.ioLayer() + " directIo=" + wal.directIo());
            // Four appending threads: group commit batches them, so a kill usually lands with a
            // batch written and not yet fsynced, which the power cut then drops or tears.
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                String prefix = tag + "-" + t;
                threads[t] = new Thread(() -> {
                    try {
                        for (long i = 1; ; i++) {
                            String name = prefix + "-" + i;
                            long sequence = wal.append(payload(name));
                            ack.line("ACK " + sequence + " " + name);
                        }
                    } catch (Exception e) {
                        try {
                            ack.line("BAD " + e);
                        } catch (Exception ignored) {
                            // the ack file failed too: the round times out and shows the output
                        }
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    static byte[] payload(String name) {
        byte[] bytes = Arrays.copyOf(name.getBytes(StandardCharsets.US_ASCII), 300);
        Arrays.fill(bytes, name.length(), bytes.length, (byte) '.');
        return bytes;
    }

    static String name(byte[] payload) {
        String s = new String(payload, StandardCharsets.US_ASCII);
        int dots = s.indexOf('.');
        return dots < 0 ? s : s.substring(0, dots);
    }
}
