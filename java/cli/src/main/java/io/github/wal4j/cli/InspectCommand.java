package io.github.wal4j.cli;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.inspect.CheckpointInfo;
import io.github.wal4j.inspect.LogFileNames;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.inspect.SegmentInfo;
import io.github.wal4j.inspect.SegmentScan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.CRC32C;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code wal4j inspect DIR}: what is in the directory, who holds it, what the file system can do. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        header = "Describe a WAL directory: segments, checkpoint, lock, I/O layer, file system.",
        description = {"Describes a WAL directory: every segment (id, file size, sequence range, where its data "
                + "ends), the checkpoint and snapshot in force, whether another process holds the lock (tried and "
                + "released at once), the active I/O layer, and what the file system can do (O_DIRECT, fallocate, "
                + "direct-I/O alignment; native layer only). Changes nothing in the WAL directory; the write "
                + "probes use a temporary directory beside it.",
                "A run of " + InspectCommand.CLEAN_RUN + " or more segments that are valid to their end (the newest "
                        + "never among them) prints as one line; --json lists every segment.",
                "For the verdict on damage (torn tail or corruption) run 'wal4j verify'."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:inspected (even if it shows damage: see verify)", Wal4jCli.EXIT_4, Wal4jCli.EXIT_5,
                Wal4jCli.EXIT_6, Wal4jCli.EXIT_64})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Wal4jCli root;

    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "DIR", description = "The WAL directory.")
    Path dir;

    @Option(names = "--json", description = "Print the description as one JSON object (errors too).")
    boolean json;

    /**
     * One segment as inspect sees it: its header's facts and where its valid data ends.
     *
     * @param problem why the header could not be used, or null
     * @param lastSequence the last sequence it holds, or 0 if none
     * @param after what follows the valid data: end of file, zero bytes, or damage
     */
    record SegmentRow(long id, String file, long size, String problem, long firstSequence, long lastSequence,
            long dataEnd, String after, boolean damaged, boolean sealed) {

        /** A readable header and valid data to its end (or to a zero tail): one of a run that a single line can stand for. */
        boolean clean() {
            return problem == null && !damaged;
        }

        String text() {
            if (problem != null) {
                return String.format("  %6d  %s  %10d  %s", id, file, size, problem);
            }
            return String.format("  %6d  %s  %10d  %10d  %10s  %10d  %s%s", id, file, size, firstSequence,
                    lastSequence > 0 ? Long.toString(lastSequence) : "-", dataEnd, after,
                    sealed ? "; sealed (closed cleanly)" : "");
        }

        String json() {
            return new Json().put("id", id).put("file", file).put("size", size).put("problem", problem)
                    .put("firstSequence", firstSequence).put("lastSequence", lastSequence).put("dataEnd", dataEnd)
                    .put("after", after).put("damaged", damaged).put("sealed", sealed).toString();
        }
    }

    /** How the text names a {@code <id>.wal.free} file among the other files. */
    static final String KEPT_FOR_RECYCLING = "(freed by the checkpoint, kept for recycling; open removes it)";

    /** Runs of at least this many clean segments print as one line. */
    static final int CLEAN_RUN = 3;

    @Override
    public Integer call() throws Exception {
        common.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return inspect(out, err);
        } catch (Exception e) {
            if (!json) {
                throw e;
            }
            return Wal4jCli.jsonFailure(out, err, "inspect", dir, e);
        }
    }

    private int inspect(PrintWriter out, PrintWriter err) throws Exception {
        try (WalDirectory wal = WalDirectory.forInspection(dir, common.walOptions(false)); Progress progress = common.progress(err, root)) {
            WalDirectory.LockState lock = wal.probeLock();
            String unsafe = wal.unsafeReason();
            String access = unsafe == null ? "only its owner can change the files (as open requires)"
                    : "UNSAFE: " + unsafe;
            String lockText = lock.text + (lock == WalDirectory.LockState.HELD
                    ? " (find it with 'fuser " + wal.dir.resolve(LogFileNames.LOCK) + "')" : "");
            LogInspection reader = wal.reading(progress.wrap(wal.storage), common);
            String checkpoint = checkpoint(reader);
            List<Long> ids = wal.segmentIds();
            progress.phase("inspect", wal.segmentBytes());
            List<SegmentRow> rows = new ArrayList<>();
            for (long id : ids) {
                rows.add(segment(reader, id));
            }
            progress.done();
            long total = rows.stream().mapToLong(SegmentRow::size).sum();
            long first = rows.stream().filter(r -> r.problem() == null).mapToLong(SegmentRow::firstSequence)
                    .findFirst().orElse(-1);
            long last = rows.stream().mapToLong(SegmentRow::lastSequence).max().orElse(0);
            List<String> others = wal.names().stream().filter(n -> LogFileNames.segmentId(n) < 0).toList();
            FsProbe fs = FsProbe.of(wal);
            if (json) {
                out.println(new Json().put("directory", wal.dir.toString()).put("result", "inspected")
                        .put("ioLayer", wal.storage.name()).put("ioLayerDetail", wal.layerDescription())
                        .put("safe", unsafe == null).put("access", access).put("lock", lock.name().toLowerCase(Locale.ROOT))
                        .put("lockDetail", lockText).put("checkpoint", checkpoint).put("segmentBytes", total)
                        .put("firstSequence", Math.max(first, 0)).put("lastSequence", last)
                        .putRaw("segments", Json.array(rows.stream().map(SegmentRow::json).toList()))
                        .putRaw("otherFiles", Json.array(others.stream().map(Json::quote).toList()))
                        .putRaw("fileSystem", new Json().put("type", fs.fileSystem()).put("directIo", fs.directIo())
                                .put("fallocate", fs.fallocate()).put("alignment", fs.alignment()).toString()));
                return Wal4jCli.OK;
            }
            out.println("wal4j inspect " + wal.dir);
            out.println(row("I/O layer", wal.layerDescription()));
            out.println(row("access", access));
            out.println(row("lock", lockText));
            out.println(row("checkpoint", checkpoint));
            out.println(row("segments", ids.size() + " (" + total + " bytes)" + (last > 0 ? ", sequences " + first
                    + ".." + last : "")));
            if (!rows.isEmpty()) {
                out.println(String.format("  %6s  %-20s  %10s  %10s  %10s  %10s  %s", "id", "file", "size", "first seq",
                        "last seq", "data end", "after the data"));
                printRows(out, rows);
            }
            out.println(row("other files", others.isEmpty() ? "none" : String.join(", ", others.stream()
                    .map(n -> LogFileNames.isKeptForRecycling(n) ? n + " " + KEPT_FOR_RECYCLING : n).toList())));
            out.println(row("file system", fs.fileSystem()));
            out.println(row("  O_DIRECT", fs.directIo()));
            out.println(row("  fallocate", fs.fallocate()));
            out.println(row("  alignment", fs.alignment()));
            return Wal4jCli.OK;
        }
    }

    /** Each row, but a run of {@link #CLEAN_RUN} or more clean segments (the newest never among them) as one line. */
    static void printRows(PrintWriter out, List<SegmentRow> rows) {
        int i = 0;
        while (i < rows.size()) {
            int j = i;
            while (j < rows.size() - 1 && rows.get(j).clean()) {
                j++;
            }
            if (j - i >= CLEAN_RUN) {
                SegmentRow a = rows.get(i);
                SegmentRow b = rows.get(j - 1);
                long bytes = rows.subList(i, j).stream().mapToLong(SegmentRow::size).sum();
                out.println(String.format("  %6s  %s..%s: %d segments, each valid to its end, %d bytes,"
                        + " sequences %d..%d", a.id() + ".." + b.id(), a.file(), b.file(), j - i, bytes,
                        a.firstSequence(), b.lastSequence()));
                i = j;
            } else {
                out.println(rows.get(i).text());
                i++;
            }
        }
    }

    private static SegmentRow segment(LogInspection reader, long id) throws IOException {
        SegmentScan scan = reader.scan(id);
        SegmentInfo info = scan.segment();
        if (info.problem() != null) {
            return new SegmentRow(id, info.file(), info.size(), "header: " + info.detail(), 0, 0, 0, null, true, false);
        }
        if (info.namedId() != id) {
            return new SegmentRow(id, info.file(), info.size(), "header names segment " + info.namedId()
                    + ": not this file", 0, 0, 0, null, true, false);
        }
        // Undamaged data that ends before the file does, with no zeros after it: a recycled segment's
        // end of use, the reason saying so and how many bytes of the earlier use follow.
        String after = scan.damaged() ? "DAMAGED: " + scan.reason() + " (run verify)"
                : scan.zeroBytes() > 0 ? scan.zeroBytes() + " zero bytes follow (preallocated)"
                : scan.dataEnd() < info.size() && scan.reason() != null ? scan.reason() : "end of file";
        return new SegmentRow(id, info.file(), info.size(), null, info.firstSequence(), scan.lastSequence(),
                scan.dataEnd(), after, scan.damaged(), scan.sealed());
    }

    private static String row(String name, String value) {
        return String.format("  %-12s %s", name, value);
    }

    private static String checkpoint(LogInspection reader) throws IOException {
        CheckpointInfo cp;
        try {
            cp = reader.checkpoint();
        } catch (WalCorruptedException e) {
            return "DAMAGED: " + e.getMessage();
        }
        if (cp.upToSequence() == 0 && cp.snapshot() == null) {
            return cp.filePresent() ? "up to sequence 0 (nothing covered)" : "none";
        }
        StringBuilder s = new StringBuilder("up to sequence " + cp.upToSequence());
        Path snapshot = cp.snapshot();
        if (snapshot != null) {
            s.append("; snapshot ").append(snapshot).append(" (").append(cp.snapshotLength()).append(" bytes, crc32c 0x")
                    .append(String.format("%08x", cp.snapshotCrc())).append("): ");
            if (Files.exists(cp.snapshotTemporary(), LinkOption.NOFOLLOW_LINKS)) {
                s.append("committed, rename pending (open completes it)");
            } else if (!Files.exists(snapshot, LinkOption.NOFOLLOW_LINKS)) {
                s.append("MISSING");
            } else {
                long size = Files.size(snapshot);
                s.append(size != cp.snapshotLength() ? "present but " + size + " bytes" : "present, size matches");
                if (size == cp.snapshotLength() && size <= (64L << 20)) {
                    CRC32C crc = new CRC32C();
                    crc.update(Files.readAllBytes(snapshot));
                    s.append((int) crc.getValue() == cp.snapshotCrc() ? ", crc32c matches" : ", CRC32C DIFFERS");
                }
            }
        }
        return s.toString();
    }
}
