package io.github.wal4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The C ceilings (built by bench/run), each run as a child process in the same sequence as the
 * in-process implementations:
 * <ul>
 *   <li>{@value #NAME}: {@code bench/c/fsync_loop.c}, one thread, {@code N} {@code pwrite}s of one
 *       record each, then one {@code fdatasync}, on a {@code fallocate}d file, as wal4j's segments
 *       are. N is the cell's thread count (1: one fdatasync per record) or its async window: the
 *       group-commit ceiling for that batch size;
 *   <li>{@value #ZEROED}: the same on a file zero-filled and synced first: appends overwrite written
 *       blocks, so fdatasync flushes data only, without the journal commit that converting an
 *       unwritten extent costs on ext4. The bare device, and the limit the targets use;
 *   <li>{@value #GROUP}: {@code bench/c/group_commit.c}, T pthreads (the cell's thread count) each
 *       waiting for its own record, with a flush leader that writes all pending records with one
 *       {@code pwrite} and one {@code fdatasync} (PostgreSQL's WAL flush), on a zero-filled file:
 *       what a careful C log pays for the thread wake-ups wal4j pays. Sync cells only.
 * </ul>
 * Latency: per batch for the single-thread ceilings (what the batch's first record waits), per
 * commit for the group commit, read from the latency file the program writes. Device bytes: the
 * program reads {@code /proc/diskstats} over its own measured window ({@code -D}, the device
 * {@link DeviceWrites} finds for the bench directory), so the file's preparation is not in them.
 */
final class CCeiling {
    static final String NAME = "c-ceiling";
    static final String ZEROED = "c-ceiling-zeroed";
    static final String GROUP = "c-group";

    private CCeiling() {
    }

    /** Whether {@code subject} is one of the C programs rather than an in-process implementation. */
    static boolean isC(String subject) {
        return subject.equals(NAME) || subject.equals(ZEROED) || subject.equals(GROUP);
    }

    /** The cell's label suffix in the report: how many records each fdatasync covers. */
    static String batchNote(String subject, Cell cell) {
        return subject.equals(GROUP) ? " (T=" + cell.threads() + ")" : " (N=" + cell.ceilingBatch() + ")";
    }

    static Result run(Options o, String subject, Cell cell, Harness.Timing timing, int rep)
            throws IOException, InterruptedException {
        boolean group = subject.equals(GROUP);
        if (group && cell.isAsync()) {
            throw new IllegalArgumentException(GROUP + " has no async form: it is T threads each waiting for its record");
        }
        Path binary = group ? o.groupCeiling : o.ceiling;
        if (binary == null) {
            throw new IllegalArgumentException(subject + ": no binary given (--ceiling / --group-ceiling)");
        }
        String mode = subject.equals(NAME) ? "fallocate" : "overwrite";
        int batch = cell.ceilingBatch();
        long pid = ProcessHandle.current().pid();
        Path file = o.dir.resolve(subject + "-" + pid + ".dat");
        Path latencies = o.dir.resolve(subject + "-" + pid + ".lat");
        // Room for the batch and, for large records, for a second or so of writes before wrapping.
        long fileMib = Math.max(256, Math.min(1024, ((long) cell.size() * batch * 2 >> 20) + 1));
        if (cell.size() >= 65536) {
            fileMib = 1024;
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-f", file.toString(), "-s",
                Integer.toString(cell.size()), "-t", Double.toString(timing.seconds()), "-w",
                Double.toString(timing.warmupSeconds()), group ? "-T" : "-n", Integer.toString(batch), "-m", mode, "-M",
                Long.toString(fileMib), "-l", latencies.toString()));
        DeviceWrites device = DeviceWrites.of(o.dir);
        if (device != null) {
            // The program reads the device's count over its own measured window.
            command.addAll(List.of("-D", device.name()));
        }
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = in.readLine();
        }
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0 || line == null) {
                p.destroyForcibly();
                throw new IOException("failed: " + String.join(" ", command));
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (String part : line.trim().split("\\s+")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    fields.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
            Histogram latency = Harness.histogram();
            ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(latencies)).order(ByteOrder.nativeOrder());
            while (raw.remaining() >= 8) {
                latency.recordValue(raw.getLong());
            }
            long records = Math.round(Double.parseDouble(fields.get("records")));
            String note = String.format(Locale.ROOT, group ? "T=%d threads, %s%s" : "N=%d per fdatasync, %s%s", batch, mode,
                    fields.get("wraps").equals("0") ? "" : ", wrapped " + fields.get("wraps") + "x in " + fileMib + " MiB");
            return new Result(subject, cell, rep, records, Double.parseDouble(fields.get("seconds")), latency,
                    Map.of("batches", Long.parseLong(fields.get("batches")), "appends", records), -1,
                    Long.parseLong(fields.getOrDefault("device_bytes", "-1")), note);
        } finally {
            Files.deleteIfExists(latencies);
            Files.deleteIfExists(file);
        }
    }
}
