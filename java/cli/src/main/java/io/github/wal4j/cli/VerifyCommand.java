package io.github.wal4j.cli;

import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.WalFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code wal4j verify DIR [--json]}: every segment and record checked, nothing changed. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        header = "Check every record (CRC32C): exit 0 clean, 1 torn tail, 2 corruption. Changes nothing.",
        description = {"Checks every segment, batch and record (CRC32C) as opening the log would, and says what "
                + "open would do: nothing (clean), cut a torn tail, or refuse because acknowledged data is damaged "
                + "('wal4j help verdicts'). Changes nothing.",
                "Takes the directory lock while it reads; a log open in another process is refused unless "
                        + "--allow-live is given. A directory open refuses because other users could change it is "
                        + "refused the same way (exit 7) unless --allow-shared-directory is given."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {" 0:clean", " 1:torn tail only (open or 'wal4j repair' cuts it; no acknowledged record is lost)",
                " 2:corruption of acknowledged data (open refuses the log)", Wal4jCli.EXIT_3, Wal4jCli.EXIT_4,
                Wal4jCli.EXIT_5, Wal4jCli.EXIT_6, Wal4jCli.EXIT_7, Wal4jCli.EXIT_64})
final class VerifyCommand implements Callable<Integer> {
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

    @Option(names = "--json", description = "Print the report as one JSON object (errors too).")
    boolean json;

    @Option(names = "--allow-live", description = "Verify even if another process has the log open (a batch "
            + "being written then shows as a torn tail, and a segment its checkpoint recycles while it is read can "
            + "show as damage).")
    boolean allowLive;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            common.validate();
            try (WalDirectory wal = WalDirectory.check(dir, common.walOptions(shared.allowed)); Progress progress = common.progress(err, root)) {
                WalDirectory.LockState lock = wal.lock();
                if (lock == WalDirectory.LockState.HELD && !allowLive) {
                    throw new CliException(Wal4jCli.LOCKED, wal.dir + " is open in another process (wal.lock is held);"
                            + " verify reads a consistent log only with the lock. Close that process, or pass"
                            + " --allow-live to verify anyway (a batch being written then shows as a torn tail)");
                }
                progress.phase("verify", wal.segmentBytes());
                Verification v;
                try {
                    v = Verification.run(wal.reading(progress.wrap(wal.storage), common));
                } catch (WalFormatException e) {
                    throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + e.getMessage(), e);
                } finally {
                    progress.done();
                }
                if (json) {
                    out.println(json(wal, v));
                } else {
                    text(out, wal, v);
                }
                return v.exitCode();
            }
        } catch (CliException | IOException e) {
            if (!json) {
                throw e;
            }
            return Wal4jCli.jsonFailure(out, err, "verify", dir, e);
        }
    }

    private void text(PrintWriter out, WalDirectory wal, Verification v) throws IOException {
        out.println("wal4j verify " + wal.dir);
        out.println("  I/O layer: " + wal.storage.name() + "; lock: " + wal.lockState().text);
        Verification.print(out, v.findings, true);
        if (v.checkpoint != null) {
            out.println("  checkpoint: " + (v.checkpoint.upToSequence() == 0 ? "none" : "up to sequence "
                    + v.checkpoint.upToSequence()) + (v.checkpoint.snapshot() != null ? ", snapshot "
                    + v.checkpoint.snapshot() : "") + "; next sequence: " + v.nextSequence() + "; " + v.millis + " ms");
        }
        List<String> aside = wal.setAside();
        if (!aside.isEmpty()) {
            out.println("  set aside by an earlier point-in-time recovery: " + String.join(", ", aside));
        }
        if (!v.staleSnapshotTemporaries.isEmpty()) {
            out.println("  temporary files of snapshots that never committed (open removes them): "
                    + v.staleSnapshotTemporaries.stream().map(Path::toString).collect(Collectors.joining(", ")));
        }
        switch (v.result) {
            case CLEAN -> {
                long records = v.nextSequence() - 1 - v.checkpointSequence();
                out.println("result: CLEAN (exit 0): " + records + " record(s) after the checkpoint"
                        + (records > 0 ? ", sequences " + (v.checkpointSequence() + 1) + ".." + (v.nextSequence() - 1)
                                : ""));
            }
            case TORN_TAIL -> out.println("result: TORN TAIL (exit 1): opening the log (or 'wal4j repair') cuts "
                    + v.bytesToCut() + " byte(s) that were never acknowledged and removes crash leftovers;"
                    + " no acknowledged record is lost");
            case CORRUPTION -> {
                Finding f = v.firstCorruption();
                out.println("result: CORRUPTION (exit 2): acknowledged data is damaged in " + f.file() + " at offset "
                        + f.offset() + (Verification.isSegment(f) ? " (the valid log ends before sequence "
                                + v.nextSequence() + ")" : "") + "; opening the log refuses it. Keep a copy of the"
                        + " directory; see 'wal4j help recovery' and 'wal4j repair --help'");
            }
            default -> throw new AssertionError(v.result);
        }
        if (wal.lockState() == WalDirectory.LockState.HELD) {
            out.println("note: the log is open in another process (--allow-live): a torn tail at its end may be a"
                    + " batch being written, and damage in an older segment one that its checkpoint recycled while it"
                    + " was read");
        }
    }

    static String json(WalDirectory wal, Verification v) throws IOException {
        List<String> findings = new ArrayList<>();
        for (Finding f : v.findings) {
            findings.add(findingJson(f));
        }
        List<String> aside = new ArrayList<>();
        for (String name : wal.setAside()) {
            aside.add(Json.quote(name));
        }
        List<String> stale = new ArrayList<>();
        for (Path p : v.staleSnapshotTemporaries) {
            stale.add(Json.quote(p.toString()));
        }
        return new Json().put("directory", wal.dir.toString()).put("ioLayer", wal.storage.name())
                .put("lock", wal.lockState().name().toLowerCase(java.util.Locale.ROOT))
                .put("result", v.result.name().toLowerCase(java.util.Locale.ROOT)).put("exitCode", v.exitCode())
                .put("checkpointSequence", v.checkpointSequence())
                .put("snapshot", v.checkpoint == null || v.checkpoint.snapshot() == null ? null
                        : v.checkpoint.snapshot().toString())
                .put("nextSequence", v.nextSequence()).put("bytesToCut", v.bytesToCut()).put("millis", v.millis)
                .putRaw("findings", Json.array(findings)).putRaw("setAside", Json.array(aside))
                .putRaw("staleSnapshotTemporaries", Json.array(stale)).toString();
    }

    static String findingJson(Finding f) {
        return new Json().put("file", f.file()).put("kind", f.kind().name()).put("firstSequence", f.firstSequence())
                .put("nextSequence", f.nextSequence()).put("offset", f.offset()).put("bytes", f.bytes())
                .put("rule", f.rule()).toString();
    }
}
