package io.github.wal4j.cli;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.log.Checkpoint;
import io.github.wal4j.log.LogFiles;
import io.github.wal4j.log.SegmentCursor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.zip.CRC32C;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Override
    public Integer call() throws Exception {
        common.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (WalDirectory wal = WalDirectory.forInspection(dir, common.io); Progress progress = common.progress(err, root)) {
            WalDirectory.LockState lock = wal.probeLock();
            out.println("wal4j inspect " + wal.dir);
            out.println(row("I/O layer", wal.layerDescription()));
            String unsafe = wal.unsafeReason();
            out.println(row("access", unsafe == null ? "only its owner can change the files (as open requires)"
                    : "UNSAFE: " + unsafe));
            out.println(row("lock", lock.text + (lock == WalDirectory.LockState.HELD
                    ? " (find it with 'fuser " + wal.dir.resolve(LogFiles.LOCK) + "')" : "")));
            Storage storage = progress.wrap(wal.storage);
            out.println(row("checkpoint", checkpoint(wal, storage)));
            List<Long> ids = wal.segmentIds();
            progress.phase("inspect", wal.segmentBytes());
            List<String> rows = new ArrayList<>();
            long first = -1;
            long last = -1;
            long total = 0;
            for (long id : ids) {
                Path path = wal.segment(id);
                try (StorageFile file = storage.openRead(path)) {
                    long size = file.size();
                    total += size;
                    SegmentHeader.Decoded d = Segments.header(file);
                    if (d.header().isEmpty()) {
                        rows.add(String.format("  %6d  %s  %10d  %s", id, path.getFileName(), size,
                                "header: " + d.detail()));
                        continue;
                    }
                    SegmentHeader header = d.header().get();
                    if (header.segmentId() != id) {
                        rows.add(String.format("  %6d  %s  %10d  %s", id, path.getFileName(), size,
                                "header names segment " + header.segmentId() + ": not this file"));
                        continue;
                    }
                    SegmentCursor cursor = new SegmentCursor(file, header, size, common.maxRecordSize,
                            common.segmentKeys().sealerFor(header, path));
                    boolean sealed = false;
                    while (cursor.next()) {
                        sealed = cursor.batch().isSeal();
                    }
                    SegmentCursor.Stop stop = cursor.stop();
                    long next = cursor.expectedSequence();
                    if (first < 0) {
                        first = header.firstSequence();
                    }
                    if (next > header.firstSequence()) {
                        last = next - 1;
                    }
                    String end = stop.damaged() ? "DAMAGED: " + stop.reason() + " (run verify)"
                            : stop.zeroBytes() > 0 ? stop.zeroBytes() + " zero bytes follow (preallocated)"
                                    : "end of file";
                    rows.add(String.format("  %6d  %s  %10d  %10d  %10s  %10d  %s%s", id, path.getFileName(), size,
                            header.firstSequence(), next > header.firstSequence() ? Long.toString(next - 1) : "-",
                            stop.offset(), end, sealed ? "; sealed (closed cleanly)" : ""));
                }
            }
            progress.done();
            out.println(row("segments", ids.size() + " (" + total + " bytes)" + (last > 0 ? ", sequences " + first
                    + ".." + last : "")));
            if (!rows.isEmpty()) {
                out.println(String.format("  %6s  %-20s  %10s  %10s  %10s  %10s  %s", "id", "file", "size", "first seq",
                        "last seq", "data end", "after the data"));
                rows.forEach(out::println);
            }
            List<String> others = wal.names().stream().filter(n -> LogFiles.segmentId(n) < 0).toList();
            out.println(row("other files", others.isEmpty() ? "none" : String.join(", ", others)));
            FsProbe fs = FsProbe.of(wal);
            out.println(row("file system", fs.fileSystem()));
            out.println(row("  O_DIRECT", fs.directIo()));
            out.println(row("  fallocate", fs.fallocate()));
            out.println(row("  alignment", fs.alignment()));
            return Wal4jCli.OK;
        }
    }

    private static String row(String name, String value) {
        return String.format("  %-12s %s", name, value);
    }

    private String checkpoint(WalDirectory wal, Storage storage) throws java.io.IOException, CliException {
        Checkpoint cp;
        try {
            cp = wal.checkpoint(storage, common.segmentKeys());
        } catch (WalCorruptedException e) {
            return "DAMAGED: " + e.getMessage();
        }
        if (cp.upToSequence() == 0 && cp.snapshot() == null) {
            return Files.exists(wal.dir.resolve(LogFiles.CHECKPOINT)) ? "up to sequence 0 (nothing covered)" : "none";
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
