package io.github.wal4j.cli;

import io.github.wal4j.Protection;
import io.github.wal4j.RecoveryMode;
import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalLockedException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalUnsafeDirectoryException;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.log.LogFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * {@code wal4j repair DIR [--accept-data-loss] [--quarantine PATH]}: quarantine, then let recovery do
 * what it does at open.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
        header = "Quarantine the files that change, then recover: cut a torn tail (or, with --accept-data-loss, corruption).",
        description = {"Repairs a log the way opening it does, after keeping a copy of everything that changes.",
                "1. Refuses a directory open refuses (exit 7: other users could change it; see "
                        + "--allow-shared-directory) and a log that another process has open (its lock). 2. Runs verify. 3. Copies every file "
                        + "open will change (segments it truncates or sets aside, temporary files it removes, a "
                        + "snapshot it replaces) to a quarantine directory outside the WAL and fsyncs the copies. "
                        + "4. Opens the log, which cuts a torn tail; with --accept-data-loss in POINT_IN_TIME mode, "
                        + "which also cuts at damage to acknowledged data and prints the sequence numbers lost. "
                        + "Without --accept-data-loss such damage is refused (exit 2) and nothing is changed.",
                "A clean log is left alone (no quarantine is made)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:repaired, or nothing to repair",
                " 2:refused: damage to acknowledged data without --accept-data-loss, or damage repair cannot cut "
                        + "(a damaged checkpoint or snapshot); nothing was changed",
                Wal4jCli.EXIT_3, Wal4jCli.EXIT_4, Wal4jCli.EXIT_5, Wal4jCli.EXIT_6, Wal4jCli.EXIT_7, Wal4jCli.EXIT_64})
final class RepairCommand implements Callable<Integer> {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @ParentCommand
    Wal4jCli root;

    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "DIR", description = "The WAL directory.")
    Path dir;

    @Option(names = "--accept-data-loss", description = "Cut at damage to acknowledged data (POINT_IN_TIME "
            + "recovery): the records from the damage on are lost, and printed.")
    boolean acceptDataLoss;

    @Mixin
    SharedDirectoryOption shared;

    @Option(names = "--json", description = "Print the outcome as one JSON object (errors too): result, exitCode, "
            + "what verify found, the quarantine and its files, what open did, the loss and the sequences held.")
    boolean json;

    @Option(names = "--quarantine", paramLabel = "PATH", description = "Where the copies go: a new or empty "
            + "directory outside the WAL directory (default: <DIR>.quarantine-<UTC time> beside it).")
    Path quarantine;

    /** A file the repair will change, and how. */
    private record Planned(Path source, String name, String action) {
    }

    /**
     * The protection of the newest segment with a readable header: the log goes on as it was written
     * (a protected log opens a new segment, under the first {@code --key}).
     */
    private Protection newestProtection(WalDirectory wal) throws IOException, CliException {
        List<Long> ids = wal.segmentIds();
        for (int i = ids.size() - 1; i >= 0; i--) {
            try (StorageFile file = wal.storage.openRead(wal.segment(ids.get(i)))) {
                SegmentHeader.Decoded d = Segments.header(file);
                if (d.header().isPresent()) {
                    int code = d.header().get().protection();
                    Protection p = code == SegmentHeader.AES_GCM ? Protection.AES_256_GCM
                            : code == SegmentHeader.HMAC_CHAIN ? Protection.HMAC_SHA256_CHAIN : Protection.NONE;
                    if (p != Protection.NONE && common.keyProvider() == null) {
                        throw new CliException(Wal4jCli.KEY, "the log is protected (" + p + "); give its keys with "
                                + "--key ID=FILE");
                    }
                    return p;
                }
            }
        }
        return Protection.NONE;
    }

    /** What JSON mode prints at the end: the members gathered as the repair goes. */
    private final Json outcome = new Json();

    @Override
    public Integer call() throws Exception {
        common.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        outcome.put("directory", dir.toAbsolutePath().normalize().toString());
        if (!json) {
            return repair(out, err);
        }
        int code;
        String result;
        try {
            code = repair(new PrintWriter(Writer.nullWriter()), err);
            result = this.result;
        } catch (Exception e) {
            Wal4jCli.Failure f = Wal4jCli.classify(e);
            if (f.unexpected()) {
                throw e;
            }
            code = f.code();
            result = "error";
            outcome.put("error", f.message());
            err.println("wal4j repair: " + f.message());
        }
        out.println(outcome.put("result", result).put("exitCode", code));
        return code;
    }

    /** refused, nothing_to_repair or repaired: how {@link #repair} ended. */
    private String result;

    private int repair(PrintWriter out, PrintWriter err) throws Exception {
        try (WalDirectory wal = WalDirectory.check(dir, common.io, shared.allowed); Progress progress = common.progress(err, root)) {
            if (wal.lock() == WalDirectory.LockState.HELD) {
                throw new CliException(Wal4jCli.LOCKED, wal.dir + " is open in another process (wal.lock is held);"
                        + " repair never changes a log that is open. Stop that process first (find it with"
                        + " 'fuser " + wal.dir.resolve(LogFiles.LOCK) + "'); nothing was changed");
            }
            out.println("wal4j repair " + wal.dir);
            out.println("  I/O layer: " + wal.storage.name() + "; lock: " + wal.lockState().text);
            outcome.put("ioLayer", wal.storage.name());
            progress.phase("repair: verify", wal.segmentBytes());
            Verification v;
            try {
                v = Verification.run(wal, progress.wrap(wal.storage), common.maxRecordSize, common.segmentKeys());
            } catch (WalFormatException e) {
                throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + e.getMessage(), e);
            } finally {
                progress.done();
            }
            out.println("  found (as verify reports it):");
            Verification.print(out, v.findings, true);
            outcome.put("verified", v.result.name().toLowerCase(Locale.ROOT))
                    .putRaw("found", Json.array(v.findings.stream().map(VerifyCommand::findingJson).toList()));

            for (Finding f : v.findings) {
                if (f.kind() == Kind.CORRUPTION && !Verification.isSegment(f)) {
                    out.println("result: REFUSED (exit 2): " + f.file() + " is damaged, which open refuses in every"
                            + " recovery mode: restore it from a backup. Nothing was changed");
                    result = "refused";
                    outcome.put("damagedFile", f.file()).put("changed", false);
                    return Wal4jCli.CORRUPT;
                }
            }
            Finding corruption = v.firstCorruption();
            LossEstimate loss = null;
            if (corruption != null) {
                progress.phase("repair: estimate the loss", wal.segmentBytes());
                loss = LossEstimate.of(wal, progress.wrap(wal.storage), v, corruption);
                progress.done();
                outcome.put("damagedFile", corruption.file()).put("damagedOffset", corruption.offset())
                        .put("damagedSequence", loss.damagedFrom()).put("lostFrom", loss.from())
                        .put("lostTo", loss.last()).put("loss", loss.describe());
                if (!acceptDataLoss) {
                    out.println("result: REFUSED (exit 2): acknowledged data is damaged in " + corruption.file()
                            + " at offset " + corruption.offset() + ". Nothing was changed. Restore the file from a"
                            + " backup or replica if you can; otherwise 'wal4j repair --accept-data-loss' cuts the log"
                            + " there and loses " + loss.describe());
                    result = "refused";
                    outcome.put("changed", false);
                    return Wal4jCli.CORRUPT;
                }
            }
            if (v.result == Verification.Result.CLEAN) {
                out.println("result: NOTHING TO REPAIR (exit 0): the log is clean; nothing was changed");
                result = "nothing_to_repair";
                outcome.put("changed", false);
                return Wal4jCli.OK;
            }

            List<Planned> plan = plan(wal, v, corruption);
            Path q = quarantineDirectory(wal);
            long bytes = 0;
            for (Planned p : plan) {
                bytes += Files.size(p.source);
            }
            progress.phase("repair: quarantine", bytes);
            Map<Planned, String> copied = copy(wal, plan, q, progress);
            progress.done();
            writeManifest(wal, v, loss, copied, q);
            out.println("  quarantine: " + q + " (" + plan.size() + " file(s), " + bytes + " bytes, fsynced):");
            List<String> copiedJson = new ArrayList<>();
            for (Map.Entry<Planned, String> e : copied.entrySet()) {
                out.println("    " + e.getKey().name + "  " + e.getValue() + ": " + e.getKey().action);
                copiedJson.add(new Json().put("file", e.getKey().name).put("copy", e.getValue())
                        .put("action", e.getKey().action).toString());
            }
            outcome.put("quarantine", q.toString()).putRaw("quarantined", Json.array(copiedJson));

            wal.unlock();
            RecoveryMode mode = corruption != null ? RecoveryMode.POINT_IN_TIME : RecoveryMode.STRICT;
            WalOptions options = WalOptions.defaults().withMaxRecordSize(common.maxRecordSize).withRecoveryMode(mode)
                    .withSharedDirectoryAllowed(shared.allowed).withStorage(progress.wrap(wal.storage))
                    .withProtection(newestProtection(wal), common.keyProvider());
            RecoveryReport report;
            long last;
            long checkpoint;
            progress.phase("repair: open", wal.segmentBytes());
            try (WriteAheadLog log = WriteAheadLog.open(wal.dir, options)) {
                report = log.recoveryReport();
                last = log.lastSequence();
                checkpoint = log.checkpointSequence();
            } catch (WalLockedException e) {
                throw new CliException(Wal4jCli.LOCKED, "another process opened " + wal.dir + " while repair was"
                        + " copying to " + q + "; the repair changed nothing in the log (the copies can be deleted)", e);
            } catch (WalUnsafeDirectoryException e) {
                throw new CliException(Wal4jCli.POLICY, "opening the log refused it although the check before had"
                        + " not (did its mode or owner change meanwhile?): " + e.getMessage() + "; copies in " + q, e);
            } catch (WalCorruptedException e) {
                throw new CliException(Wal4jCli.CORRUPT, "opening the log refused it although verify had not: "
                        + e.getMessage() + " (did another process change it?); copies in " + q, e);
            } catch (IOException e) {
                throw new CliException(Wal4jCli.FAILED, "opening the log failed: " + e + "; the files it may have"
                        + " changed were copied to " + q + " first", e);
            } finally {
                progress.done();
            }
            out.println("  opened the log (" + mode + " recovery); what it did:");
            Verification.print(out, report.findings(), false);
            outcome.put("recoveryMode", mode.name())
                    .putRaw("done", Json.array(report.findings().stream().map(VerifyCommand::findingJson).toList()));
            List<String> missed = new ArrayList<>();
            for (Finding f : report.findings()) {
                // (A cut reported on CLOSE_MARK says the log ended before it; open leaves the file as is.)
                boolean changed = f.kind() == Kind.TORN_TAIL || f.kind() == Kind.TEMPORARY_REMOVED
                        || (f.kind() == Kind.CORRUPTION_CUT && !f.file().equals(LogFiles.CLOSE_MARK))
                        || f.kind() == Kind.SEGMENT_SET_ASIDE || f.kind() == Kind.COVERED_REMOVED;
                if (changed && plan.stream().noneMatch(p -> p.name.equals(f.file()))) {
                    missed.add(f.file());
                }
            }
            if (!missed.isEmpty()) {
                err.println("wal4j repair: warning: open also changed " + String.join(", ", missed) + ", which"
                        + " changed after verify (another process?) and has no copy in the quarantine");
            }
            if (loss != null) {
                out.println("  LOST: " + loss.describe());
                out.println("  the damaged files are also kept in the WAL directory as *.broken (point-in-time"
                        + " recovery never deletes)");
            }
            // After a cut of acknowledged records the log skips the sequences they had: say so.
            Finding skipped = report.findings().stream().filter(f -> f.kind() == Kind.SEQUENCES_SKIPPED).findFirst()
                    .orElse(null);
            long held = skipped == null ? last : skipped.firstSequence() - 1;
            out.println("result: REPAIRED (exit 0): the log holds " + (held > checkpoint ? "sequences "
                    + (checkpoint + 1) + ".." + held : "no record") + " after the checkpoint (" + checkpoint
                    + "); the next append gets " + (last + 1) + (skipped == null ? "" : " (sequences "
                            + skipped.firstSequence() + ".." + last + " were acknowledged before the loss and are never"
                            + " handed out again)") + "; copies of the changed files are in " + q);
            result = "repaired";
            outcome.put("changed", true).put("checkpointSequence", checkpoint)
                    .put("firstHeld", held > checkpoint ? checkpoint + 1 : 0).put("lastHeld", Math.max(held, checkpoint))
                    .put("nextSequence", last + 1)
                    .put("skippedFrom", skipped == null ? 0 : skipped.firstSequence());
            return Wal4jCli.OK;
        }
    }

    /** The files opening the log will change, from verify's findings. */
    private static List<Planned> plan(WalDirectory wal, Verification v, Finding corruption) throws IOException {
        List<Planned> plan = new ArrayList<>();
        for (Finding f : v.findings) {
            switch (f.kind()) {
                case TEMPORARY_REMOVED -> plan.add(new Planned(wal.dir.resolve(f.file()), f.file(),
                        "removed by open (leftover of an interrupted segment creation or checkpoint)"));
                case COVERED_REMOVED -> plan.add(new Planned(wal.dir.resolve(f.file()), f.file(),
                        "removed by open (the checkpoint in force covers every record in it)"));
                case TORN_TAIL -> plan.add(new Planned(wal.dir.resolve(f.file()), f.file(),
                        f.firstSequence() == 0 && f.offset() == 0 ? "removed by open (newest segment without a "
                                + "complete header: a torn tail)" : "truncated by open at offset " + f.offset()
                                        + " (torn tail of " + f.bytes() + " bytes, never acknowledged)"));
                case SNAPSHOT_ROLLED_FORWARD -> {
                    Path snapshot = v.checkpoint.snapshot();
                    if (Files.exists(snapshot, LinkOption.NOFOLLOW_LINKS)) {
                        plan.add(new Planned(snapshot, "snapshot-" + snapshot.getFileName(), "replaced by open with"
                                + " the committed snapshot " + v.checkpoint.snapshotTemporary().getFileName()));
                    }
                }
                default -> {
                }
            }
        }
        for (Path stale : v.staleSnapshotTemporaries) {
            plan.add(new Planned(stale, "snapshot-" + stale.getFileName(), "removed by open (temporary file of a"
                    + " snapshot whose checkpoint never committed)"));
        }
        if (corruption != null) {
            long damagedId = LogFiles.segmentId(corruption.file());
            for (long id : wal.segmentIds()) {
                if (id < damagedId) {
                    continue;
                }
                String name = LogFiles.segmentName(id);
                boolean cut = id == damagedId && corruption.offset() > 0;
                plan.add(new Planned(wal.segment(id), name, cut ? "truncated by open at offset " + corruption.offset()
                        + " (point-in-time cut at damage to acknowledged data; open also keeps a copy as "
                        + name + ".broken)" : "set aside by open as " + name + ".broken (point-in-time cut"
                                + (id == damagedId ? " at its damaged start" : " in an earlier segment") + ")"));
            }
        }
        return plan;
    }

    /** The quarantine directory, created (0700) and checked: new or empty, outside the WAL directory. */
    private Path quarantineDirectory(WalDirectory wal) throws IOException, CliException {
        Path q;
        if (quarantine != null) {
            q = quarantine.toAbsolutePath().normalize();
        } else {
            Path parent = wal.dir.getParent();
            String base = wal.dir.getFileName() + ".quarantine-" + STAMP.format(Instant.now());
            q = parent.resolve(base);
            for (int n = 2; Files.exists(q, LinkOption.NOFOLLOW_LINKS); n++) {
                q = parent.resolve(base + "-" + n);
            }
        }
        Path existing = q;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        Path real = existing == null ? q : existing.toRealPath().resolve(existing.relativize(q)).normalize();
        if (real.startsWith(wal.dir.toRealPath()) || q.startsWith(wal.dir)) {
            throw new CliException(Wal4jCli.USAGE, "--quarantine " + q + " is inside the WAL directory, which"
                    + " must hold only the log's own files: choose a directory outside it");
        }
        if (Files.exists(q, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(q, LinkOption.NOFOLLOW_LINKS)) {
                throw new CliException(Wal4jCli.USAGE, "--quarantine " + q + " exists and is not a directory");
            }
            try (Stream<Path> entries = Files.list(q)) {
                if (entries.findAny().isPresent()) {
                    throw new CliException(Wal4jCli.USAGE, "--quarantine " + q + " is not empty: give a new or"
                            + " empty directory, so no earlier copy is overwritten");
                }
            }
            return q;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(q, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(q);
        }
        if (q.getParent() != null) {
            wal.storage.syncDirectory(q.getParent());
        }
        return q;
    }

    /** Copies every planned file into {@code q}, fsyncs each copy and the directory; returns each copy's description. */
    private static Map<Planned, String> copy(WalDirectory wal, List<Planned> plan, Path q, Progress progress)
            throws IOException {
        Map<Planned, String> copied = new LinkedHashMap<>();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        for (Planned p : plan) {
            Path target = q.resolve(p.name);
            CRC32C crc = new CRC32C();
            long total = 0;
            try (FileChannel in = FileChannel.open(p.source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                    FileChannel copy = createOwnerOnly(target)) {
                int n;
                while ((n = in.read(buffer.clear(), total)) > 0) {
                    buffer.flip();
                    crc.update(buffer.duplicate());
                    while (buffer.hasRemaining()) {
                        copy.write(buffer, total + buffer.position());
                    }
                    total += n;
                    progress.add(n);
                }
                copy.force(true);
                if (copy.size() != in.size()) {
                    throw new IOException("copy of " + p.source + " to " + target + " holds " + copy.size()
                            + " bytes, the file " + in.size() + " (did it change meanwhile?)");
                }
            }
            copied.put(p, total + " bytes, crc32c 0x" + String.format("%08x", (int) crc.getValue()));
        }
        wal.storage.syncDirectory(q);
        return copied;
    }

    /**
     * A new file, {@code rw-------} whatever the log's own files are: the copies hold the log's
     * records and the manifest what verify found in them, and a quarantine outlives the repair.
     */
    private static FileChannel createOwnerOnly(Path path) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return FileChannel.open(path, options, PosixFilePermissions.asFileAttribute(WalOptions.OWNER_ONLY));
        }
        return FileChannel.open(path, options);
    }

    /** REPAIR.txt in the quarantine: what each copy is, and verify's report before the repair. */
    private void writeManifest(WalDirectory wal, Verification v, LossEstimate loss, Map<Planned, String> copied, Path q)
            throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("wal4j repair of ").append(wal.dir).append(" at ").append(Instant.now()).append('\n');
        b.append("mode: ").append(loss != null ? "POINT_IN_TIME (--accept-data-loss)" : "STRICT").append('\n');
        b.append("\ncopies in this directory, taken before the repair changed the files:\n");
        for (Map.Entry<Planned, String> e : copied.entrySet()) {
            b.append("  ").append(e.getKey().name).append(" (from ").append(e.getKey().source).append("): ")
                    .append(e.getValue()).append("; ").append(e.getKey().action).append('\n');
        }
        b.append("\nwhat verify found before the repair:\n");
        for (Finding f : v.findings) {
            b.append("  ").append(f).append('\n');
        }
        if (loss != null) {
            b.append("\nlost: ").append(loss.describe()).append('\n');
        }
        Path manifest = q.resolve("REPAIR.txt");
        try (FileChannel channel = createOwnerOnly(manifest)) {
            ByteBuffer bytes = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        wal.storage.syncDirectory(q);
    }
}
