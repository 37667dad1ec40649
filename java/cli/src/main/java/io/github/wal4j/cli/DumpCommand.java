package io.github.wal4j.cli;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.inspect.RecordScanEnd;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code wal4j dump DIR [--from SEQ] [--to SEQ] [--format text|hex|json]}: the records, validated, in order. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        header = "Print the records in order (text, hex or json). Changes nothing.",
        description = {"Prints the log's records in order: sequence number, payload length, the stored CRC32C "
                + "and the payload (a printable preview in text, hex in hex and json). Every batch is validated "
                + "as recovery validates it; the dump stops at the first damage, says where on stderr and exits "
                + "with verify's code for it. Changes nothing.",
                "Takes the directory lock while it reads; a log open in another process is refused unless "
                        + "--allow-live is given. --from skips whole segments before it without reading them."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:every record from --from to --to (or to the end of the log) printed",
                " 1:stopped at a torn tail (what open would cut)",
                " 2:stopped at damage to acknowledged data", Wal4jCli.EXIT_3, Wal4jCli.EXIT_4, Wal4jCli.EXIT_5,
                Wal4jCli.EXIT_6, Wal4jCli.EXIT_7, Wal4jCli.EXIT_64})
final class DumpCommand implements Callable<Integer> {

    /** Output formats. */
    enum Format { text, hex, json }

    @Spec
    CommandSpec spec;

    @ParentCommand
    Wal4jCli root;

    @Mixin
    CommonOptions common;

    @Mixin
    SharedDirectoryOption shared;

    @Parameters(paramLabel = "DIR", description = "The WAL directory.")
    Path dir;

    @Option(names = "--from", paramLabel = "SEQ",
            description = "First sequence number to print (default: the first after the checkpoint).")
    Long from;

    @Option(names = "--to", paramLabel = "SEQ", description = "Last sequence number to print (default: the end).")
    Long to;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default), hex or json.")
    Format format;

    @Option(names = "--preview", paramLabel = "BYTES", defaultValue = "48",
            description = "text: payload bytes shown per record; non-printable bytes show as ., quotes and backslashes escaped (default: ${DEFAULT-VALUE}).")
    int preview;

    @Option(names = "--allow-live", description = "Dump even if another process has the log open (the dump then "
            + "ends where the writer had got to; a batch being written shows as a torn tail, and a segment its "
            + "checkpoint recycles while it is read can show as damage).")
    boolean allowLive;

    private PrintWriter out;
    private long printed;
    /** The sequence after the last record of the log, once a scan read it to its end; -1 before. */
    private long endOfLog = -1;
    private boolean firstJson = true;

    /** Where and why the scan stopped early, or null. */
    private record Stop(String file, long offset, String reason) {
    }

    @Override
    public Integer call() throws Exception {
        common.validate();
        if (from != null && from < 0 || to != null && to < 0 || from != null && to != null && to < from) {
            throw new CliException(Wal4jCli.USAGE, "need 0 <= --from <= --to: from " + from + ", to " + to);
        }
        if (preview < 0) {
            throw new CliException(Wal4jCli.USAGE, "--preview must not be negative: " + preview);
        }
        out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (WalDirectory wal = WalDirectory.check(dir, common.walOptions(shared.allowed)); Progress progress = common.progress(err, root)) {
            WalDirectory.LockState lock = wal.lock();
            if (lock == WalDirectory.LockState.HELD && !allowLive) {
                throw new CliException(Wal4jCli.LOCKED, wal.dir + " is open in another process (wal.lock is held);"
                        + " dump reads a consistent log only with the lock. Close that process, or pass --allow-live"
                        + " to read it while it is written");
            }
            LogInspection reader = wal.reading(progress.wrap(wal.storage), common);
            long checkpointed;
            try {
                checkpointed = reader.checkpoint().upToSequence();
            } catch (WalCorruptedException e) {
                err.println("wal4j dump: warning: " + e.getMessage() + "; dumping every record in the segments");
                checkpointed = 0;
            }
            long first = from != null ? from : checkpointed + 1;
            long last = to != null ? to : Long.MAX_VALUE;
            begin(wal, checkpointed, first);
            progress.phase("dump", wal.segmentBytes());
            Stop stop;
            try {
                RecordScanEnd end = reader.records(checkpointed, first, last, r -> record(r.sequence(),
                        r.payload().remaining(), r.storedCrc(), r.payload(), r.segment(), r.offset()));
                stop = end.stopped() ? new Stop(end.stopFile(), end.stopOffset(), end.stopReason()) : null;
                endOfLog = end.endOfLog();
            } catch (WalFormatException e) {
                throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + e.getMessage(), e);
            }
            int code = Wal4jCli.OK;
            String result = "clean";
            if (stop != null) {
                progress.phase("dump: classifying the damage", wal.segmentBytes());
                Verification v = Verification.run(wal.reading(progress.wrap(wal.storage), common));
                progress.done();
                code = v.exitCode();
                result = v.result.name().toLowerCase(Locale.ROOT);
                err.println("wal4j dump: stopped at " + stop.file + " offset " + stop.offset + ": " + stop.reason
                        + "; verify says " + v.result + " (exit " + code + ")"
                        + (lock == WalDirectory.LockState.HELD ? "; the log is live: a batch being written looks torn,"
                                + " a segment recycled while it was read damaged" : ""));
            }
            progress.done();
            String past = stop == null ? pastTheEnd(first) : null;
            if (past != null) {
                err.println("wal4j dump: " + past);
            }
            end(stop, result, code, past);
            return code;
        }
    }

    /** Why nothing was printed when --from asked for records after the last one, or null. */
    private String pastTheEnd(long first) {
        if (printed > 0 || from == null || endOfLog < 0 || first < endOfLog) {
            return null;
        }
        return "--from " + first + " is past the end of the log: "
                + (endOfLog <= 1 ? "it holds no record" : "its last sequence is " + (endOfLog - 1));
    }

    private void begin(WalDirectory wal, long checkpointed, long first) {
        switch (format) {
            case json -> out.print(new Json().put("directory", wal.dir.toString()).put("checkpointSequence", checkpointed)
                    .put("from", first).putRaw("to", to == null ? "null" : to.toString()).unclosed()
                    + ",\"records\":[");
            case text -> {
                out.println("# wal4j dump " + wal.dir + " (checkpoint " + checkpointed + "; from sequence " + first
                        + (to != null ? " to " + to : "") + ")");
                out.printf("%-12s %-9s %-10s  %s%n", "# sequence", "length", "crc32c", "payload");
            }
            case hex -> out.println("# wal4j dump " + wal.dir + " (checkpoint " + checkpointed + "; from sequence "
                    + first + (to != null ? " to " + to : "") + ")");
            default -> throw new AssertionError(format);
        }
    }

    private void record(long seq, int length, int crc, ByteBuffer payload, String segment, long offset) {
        printed++;
        switch (format) {
            case text -> {
                int shown = Math.min(preview, length);
                StringBuilder p = new StringBuilder("\"");
                for (int i = 0; i < shown; i++) {
                    int b = payload.get(i) & 0xff;
                    if (b == '"' || b == '\\') {
                        p.append('\\').append((char) b);
                    } else {
                        p.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
                    }
                }
                p.append('"');
                if (length > shown) {
                    p.append(" +").append(length - shown).append(" bytes");
                }
                out.printf("%-12d %-9d 0x%08x  %s%n", seq, length, crc, p);
            }
            case hex -> {
                out.printf("sequence %d  length %d  crc32c 0x%08x  (%s offset %d)%n", seq, length, crc, segment, offset);
                hexdump(payload, length);
            }
            case json -> {
                out.print(firstJson ? "\n" : ",\n");
                firstJson = false;
                out.print(new Json().put("sequence", seq).put("length", length)
                        .put("crc", String.format("0x%08x", crc)).put("segment", segment).put("offset", offset)
                        .put("payload", hex(payload, length)));
            }
            default -> throw new AssertionError(format);
        }
    }

    private void end(Stop stop, String result, int code, String past) {
        switch (format) {
            case json -> {
                Json end = new Json().put("complete", stop == null).put("result", result).put("exitCode", code)
                        .put("pastTheEnd", past != null);
                if (endOfLog > 0) {
                    end.put("lastSequence", endOfLog - 1);
                }
                end.putRaw("stoppedAt", stop == null ? "null" : new Json().put("file", stop.file)
                        .put("offset", stop.offset).put("reason", stop.reason).toString());
                out.println("\n],\"count\":" + printed + ",\"end\":" + end + "}");
            }
            case text, hex -> out.println("# " + printed + " record(s)" + (past != null ? "; " + past : "") + (stop == null ? ""
                    : "; stopped at " + stop.file + " offset " + stop.offset + ": " + stop.reason + " (" + result + ")"));
            default -> throw new AssertionError(format);
        }
    }

    private void hexdump(ByteBuffer payload, int length) {
        if (length == 0) {
            out.println("  (empty)");
            return;
        }
        StringBuilder line = new StringBuilder();
        for (int row = 0; row < length; row += 16) {
            line.setLength(0);
            line.append(String.format("  %08x  ", row));
            StringBuilder chars = new StringBuilder();
            for (int i = row; i < row + 16; i++) {
                if (i < length) {
                    int b = payload.get(i) & 0xff;
                    line.append(String.format("%02x ", b));
                    chars.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
                } else {
                    line.append("   ");
                }
                if (i == row + 7) {
                    line.append(' ');
                }
            }
            out.println(line.append(" |").append(chars).append('|'));
        }
    }

    private static String hex(ByteBuffer payload, int length) {
        char[] digits = "0123456789abcdef".toCharArray();
        StringBuilder b = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++) {
            int v = payload.get(i) & 0xff;
            b.append(digits[v >> 4]).append(digits[v & 15]);
        }
        return b.toString();
    }
}
