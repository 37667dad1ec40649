package io.github.wal4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The C ceiling, {@code bench/c/fsync_loop.c} (built by bench/run), run as a child process in the
 * same sequence as the in-process implementations: one thread, {@code N} {@code pwrite}s of one
 * record each, then one {@code fdatasync}, on a {@code fallocate}d file. N is the cell's thread count
 * (1: one fdatasync per record) or its async window: the group-commit ceiling for that batch size.
 * Its latency is per batch (what the batch's first record waits), read from the latency file the
 * program writes.
 */
final class CCeiling {
    static final String NAME = "c-ceiling";

    private CCeiling() {
    }

    static Result run(Path binary, String mode, Cell cell, Harness.Timing timing, int rep, Path dir)
            throws IOException, InterruptedException {
        int batch = cell.ceilingBatch();
        long pid = ProcessHandle.current().pid();
        Path file = dir.resolve("c-ceiling-" + pid + ".dat");
        Path latencies = dir.resolve("c-ceiling-" + pid + ".lat");
        // Room for the batch and, for large records, for a second or so of writes before wrapping.
        long fileMib = Math.max(256, Math.min(1024, ((long) cell.size() * batch * 2 >> 20) + 1));
        if (cell.size() >= 65536) {
            fileMib = 1024;
        }
        List<String> command = List.of(binary.toString(), "-f", file.toString(), "-s", Integer.toString(cell.size()),
                "-t", Double.toString(timing.seconds()), "-w", Double.toString(timing.warmupSeconds()), "-n",
                Integer.toString(batch), "-m", mode, "-M", Long.toString(fileMib), "-l", latencies.toString());
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
            String note = String.format(Locale.ROOT, "N=%d per fdatasync, %s%s", batch, mode,
                    fields.get("wraps").equals("0") ? "" : ", wrapped " + fields.get("wraps") + "x in " + fileMib + " MiB");
            return new Result(NAME, cell, rep, records, Double.parseDouble(fields.get("seconds")), latency,
                    Map.of("batches", Long.parseLong(fields.get("batches")), "appends", records), -1, note);
        } finally {
            Files.deleteIfExists(latencies);
            Files.deleteIfExists(file);
        }
    }
}
