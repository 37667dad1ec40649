import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * The writer behind scripts/cli-demo: builds the logs the examples of docs/security/wal.md section 12
 * use, through the public API only, with fixed payloads. Run with the JDK source launcher and the cli
 * jar on the class path: {@code java --class-path java/cli/target/wal4j-cli-<version>-all.jar scripts/CliDemo.java
 * MODE ...}.
 *
 * <pre>
 * write DIR RECORDS SEGMENT_BYTES [SNAPSHOT UP_TO SNAPSHOT_BYTES]
 *     appends RECORDS records one at a time (one record per batch), optionally checkpoints with a
 *     snapshot, closes cleanly
 * crash DIR RECORDS SEGMENT_BYTES
 *     appends RECORDS records, prints "appended N", then waits to be killed (never closes)
 * hold DIR
 *     opens the log, prints "open", closes it when standard input ends
 * garbage FILE OFFSET LENGTH SEED
 *     overwrites LENGTH bytes at OFFSET with pseudo-random bytes of SEED, then fdatasyncs
 * flip FILE OFFSET BIT
 *     flips one bit of the byte at OFFSET, then fdatasyncs
 * jfr DIR SNAPSHOT
 *     the section 12.4 program: 20 records of 100 bytes in 32 KiB segments, a checkpoint with a
 *     2048-byte snapshot at 15, close, reopen, close; prints the first session's WalStats
 * </pre>
 */
public final class CliDemo {
    private CliDemo() {
    }

    /** Record {@code n} of the demo log: {@code order N: {"sku": "A-..", "qty": ..}}, about 36 bytes. */
    static byte[] order(long n) {
        String text = "order " + n + ": {\"sku\": \"A-" + (n * 7 % 100) + "\", \"qty\": " + (n % 5 + 1) + "}";
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "write" -> write(args);
            case "crash" -> crash(args);
            case "hold" -> hold(Path.of(args[1]));
            case "garbage" -> garbage(Path.of(args[1]), Long.parseLong(args[2]), Integer.parseInt(args[3]),
                    Long.parseLong(args[4]));
            case "flip" -> flip(Path.of(args[1]), Long.parseLong(args[2]), Integer.parseInt(args[3]));
            case "jfr" -> jfr(Path.of(args[1]), Path.of(args[2]));
            default -> {
                System.err.println("usage: CliDemo write|crash|hold|garbage|flip|jfr ... (see the class comment)");
                System.exit(64);
            }
        }
    }

    private static void write(String[] args) throws IOException {
        Path dir = Path.of(args[1]);
        int records = Integer.parseInt(args[2]);
        WalOptions options = WalOptions.defaults().withSegmentSize(Long.parseLong(args[3]));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            for (long n = 1; n <= records; n++) {
                wal.append(order(n));
            }
            if (args.length > 4) {
                byte[] snapshot = pattern(Integer.parseInt(args[6]));
                wal.checkpoint(Path.of(args[4]), Long.parseLong(args[5]), out -> out.write(snapshot));
            }
        }
    }

    private static void crash(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        int records = Integer.parseInt(args[2]);
        WalOptions options = WalOptions.defaults().withSegmentSize(Long.parseLong(args[3]));
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        for (long n = 1; n <= records; n++) {
            wal.append(order(n));
        }
        // Every record is acknowledged (durable); the log stays open, so no seal and no CLOSE_MARK:
        // the SIGKILL that ends this process leaves what a crash leaves.
        System.out.println("appended " + records);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
        wal.close();
    }

    private static void hold(Path dir) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            System.out.println("open");
            System.out.flush();
            InputStream in = System.in;
            while (in.read() >= 0) {
                // Wait for the end of standard input.
            }
        }
    }

    private static void garbage(Path file, long offset, int length, long seed) throws IOException {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), offset);
            channel.force(false);
        }
    }

    private static void flip(Path file, long offset, int bit) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            if (channel.read(one, offset) != 1) {
                throw new IOException(file + " has no byte at offset " + offset);
            }
            one.put(0, (byte) (one.get(0) ^ (1 << bit)));
            one.rewind();
            channel.write(one, offset);
            channel.force(false);
        }
    }

    private static void jfr(Path dir, Path snapshot) throws IOException {
        WalOptions options = WalOptions.defaults().withSegmentSize(32 << 10);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            byte[] record = new byte[100];
            for (int n = 1; n <= 20; n++) {
                record[0] = (byte) n;
                wal.append(record.clone());
            }
            byte[] state = pattern(2048);
            wal.checkpoint(snapshot, 15, out -> out.write(state));
            System.out.println(wal.stats());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            System.out.println("reopened: " + wal.recoveryReport().summary());
        }
    }

    /** A fixed snapshot: byte i is i mod 251, so its CRC32C is the same on every run. */
    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i % 251);
        }
        return bytes;
    }
}
