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
import io.github.wal4j.inspect.LogFileNames;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.inspect.SegmentInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

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

    /**
     * The protection of the newest segment with a readable header: the log goes on as it was written
     * (a protected log opens a new segment, under the first {@code --key}).
     */
    private Protection newestProtection(WalDirectory wal) throws IOException, CliException {
        List<Long> ids = wal.segmentIds();
        for (int i = ids.size() - 1; i >= 0; i--) {
            SegmentInfo segment = wal.inspection.segment(ids.get(i));
            if (segment.problem() == null) {
                Protection p = segment.protection();
                if (p != Protection.NONE && common.keyProvider() == null) {
                    throw new CliException(Wal4jCli.KEY, "the log is protected (" + p + "); give its keys with "
                            + "--key ID=FILE");
                }
                return p;
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
        try (WalDirectory wal = WalDirectory.check(dir, common.walOptions(shared.allowed)); Progress progress = common.progress(err, root)) {
            if (wal.lock() == WalDirectory.LockState.HELD) {
                throw new CliException(Wal4jCli.LOCKED, wal.dir + " is open in another process (wal.lock is held);"
                        + " repair never changes a log that is open. Stop that process first (find it with"
                        + " 'fuser " + wal.dir.resolve(LogFileNames.LOCK) + "'); nothing was changed");
            }
            out.println("wal4j repair " + wal.dir);
            out.println("  I/O layer: " + wal.storage.name() + "; lock: " + wal.lockState().text);
            outcome.put("ioLayer", wal.storage.name());
            progress.phase("repair: verify", wal.segmentBytes());
            Verification v;
            LogInspection reader = wal.reading(progress.wrap(wal.storage), common);
            try {
                v = Verification.run(reader);
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
                loss = LossEstimate.of(reader, v);
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

            List<Quarantine.Planned> plan = Quarantine.plan(wal, v, corruption);
            Path q = Quarantine.directory(wal, quarantine);
            long bytes = 0;
            for (Quarantine.Planned p : plan) {
                bytes += Files.size(p.source());
            }
            progress.phase("repair: quarantine", bytes);
            Map<Quarantine.Planned, String> copied = Quarantine.copy(wal, plan, q, progress);
            progress.done();
            Quarantine.writeManifest(wal, v, loss, copied, q);
            out.println("  quarantine: " + q + " (" + plan.size() + " file(s), " + bytes + " bytes, fsynced):");
            List<String> copiedJson = new ArrayList<>();
            for (Map.Entry<Quarantine.Planned, String> e : copied.entrySet()) {
                out.println("    " + e.getKey().name() + "  " + e.getValue() + ": " + e.getKey().action());
                copiedJson.add(new Json().put("file", e.getKey().name()).put("copy", e.getValue())
                        .put("action", e.getKey().action()).toString());
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
                        || (f.kind() == Kind.CORRUPTION_CUT && !f.file().equals(LogFileNames.CLOSE_MARK))
                        || f.kind() == Kind.SEGMENT_SET_ASIDE || f.kind() == Kind.COVERED_REMOVED
                        || f.kind() == Kind.FREED_REMOVED;
                if (changed && plan.stream().noneMatch(p -> p.name().equals(f.file()))) {
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
}
