package io.github.wal4j.cli;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The recover-verify demo: (a) creates a temporary WAL, (b) has a child JVM append a known sequence
 * of records, acknowledging each in a file only after {@code append} returned, (c) kills the child
 * with SIGKILL mid-stream, (d) reopens the WAL and checks that the recovered sequence is exactly the
 * acknowledged one (plus at most the one record that was in flight at the kill, which must then be
 * the next record of the known sequence). Prints one line; exits 1 on a mismatch.
 *
 * <p>Usage: {@code RecoverVerify [records-before-kill]}; the child mode is internal.
 */
public final class RecoverVerify {
    private RecoverVerify() {
    }

    /** The known payload of record {@code i} (1-based): varied sizes, content derived from i. */
    static byte[] payload(long i) {
        int size = (int) ((i * 7919) % 700);
        byte[] b = new byte[size + 8];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (i * 31 + k);
        }
        String tag = "#" + i;
        System.arraycopy(tag.getBytes(StandardCharsets.US_ASCII), 0, b, 0, Math.min(tag.length(), b.length));
        return b;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("child")) {
            child(Path.of(args[1]), Path.of(args[2]));
            return;
        }
        int killAfter = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        System.exit(parent(killAfter) ? 0 : 1);
    }

    /** Appends the known sequence forever, acknowledging each record on its own flushed line. */
    private static void child(Path dir, Path acks) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir);
                BufferedWriter out = Files.newBufferedWriter(acks, StandardCharsets.US_ASCII)) {
            for (long i = 1;; i++) {
                long sequence = wal.append(payload(i));
                out.write(Long.toString(sequence));
                out.newLine();
                out.flush();
            }
        }
    }

    private static boolean parent(int killAfter) throws Exception {
        Path work = Files.createTempDirectory("wal4j-recover-verify");
        Path dir = work.resolve("wal");
        Path acks = work.resolve("acks.txt");
        try {
            List<String> command = new ArrayList<>();
            // A prefix for the child's command line, e.g. "qemu-aarch64" for a JVM of another
            // architecture that the kernel cannot exec by itself (scripts/arm64-smoke).
            String launcher = System.getProperty("wal4j.recoverVerify.launcher", "").strip();
            if (!launcher.isEmpty()) {
                command.addAll(List.of(launcher.split("\\s+")));
            }
            command.addAll(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path")));
            String layer = System.getProperty("wal4j.io");
            if (layer != null) {
                command.add("-Dwal4j.io=" + layer);
            }
            command.addAll(List.of(RecoverVerify.class.getName(), "child", dir.toString(), acks.toString()));
            Process child = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(work.resolve("child.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ackCount(acks) < killAfter) {
                if (!child.isAlive()) {
                    System.out.println("wal_recover_verify: FAIL: the writer exited early: "
                            + Files.readString(work.resolve("child.log")));
                    return false;
                }
                if (System.nanoTime() > deadline) {
                    child.destroyForcibly().waitFor();
                    System.out.println("wal_recover_verify: FAIL: the writer acknowledged fewer than " + killAfter
                            + " records in 60 s");
                    return false;
                }
                Thread.sleep(5);
            }
            child.destroyForcibly();
            child.waitFor();
            List<String> lines = Files.readAllLines(acks, StandardCharsets.US_ASCII);
            long acknowledged = 0;
            for (String line : lines) {
                if (line.isEmpty()) {
                    continue;
                }
                long sequence = Long.parseLong(line.trim());
                if (sequence != acknowledged + 1) {
                    System.out.println("wal_recover_verify: FAIL: acknowledgements out of order at " + line);
                    return false;
                }
                acknowledged = sequence;
            }
            List<WalRecord> recovered;
            String report;
            String recoveredOn;
            try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
                recovered = wal.recover();
                report = wal.recoveryReport().summary();
                recoveredOn = wal.ioLayer();
            }
            for (int k = 0; k < recovered.size(); k++) {
                WalRecord r = recovered.get(k);
                if (r.sequence() != k + 1 || !java.util.Arrays.equals(r.payload(), payload(k + 1))) {
                    System.out.println("wal_recover_verify: FAIL: recovered record " + (k + 1) + " is " + r
                            + ", not the appended record " + (k + 1));
                    return false;
                }
            }
            long extra = recovered.size() - acknowledged;
            if (extra < 0 || extra > 1) {
                System.out.println("wal_recover_verify: FAIL: acknowledged " + acknowledged + " records, recovered "
                        + recovered.size() + " (" + report + ")");
                return false;
            }
            System.out.println("wal_recover_verify: OK: killed the writer (SIGKILL) after " + acknowledged
                    + " acknowledged appends; recovered " + recovered.size() + " records = the acknowledged sequence"
                    + (extra == 1 ? " + 1 in flight at the kill" : "") + "; " + recoveredOn + " I/O layer, "
                    + System.getProperty("os.arch") + "; " + report);
            return true;
        } finally {
            deleteTree(work);
        }
    }

    private static long ackCount(Path acks) throws IOException {
        if (!Files.exists(acks)) {
            return 0;
        }
        long n = 0;
        for (byte b : Files.readAllBytes(acks)) {
            if (b == '\n') {
                n++;
            }
        }
        return n;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
