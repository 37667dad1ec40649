package io.github.wal4j.cli;

import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.log.LogFiles;
import io.github.wal4j.log.Recovery;
import io.github.wal4j.log.SegmentKeys;
import io.github.wal4j.log.SnapshotCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What opening the log would find and do, decided without changing anything: the checkpoint (and the
 * snapshot it names) checked as {@code open} checks them, then {@link Recovery#inspect} over every
 * segment. Damage to acknowledged data is a {@link Kind#CORRUPTION} finding instead of an exception.
 */
final class Verification {

    /** The verdict, with its exit code. */
    enum Result {
        CLEAN(Wal4jCli.OK), TORN_TAIL(Wal4jCli.TORN), CORRUPTION(Wal4jCli.CORRUPT);

        final int exitCode;

        Result(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    /** Every finding: the checkpoint's and snapshot's first, then one or more per segment, in log order. */
    final List<Finding> findings;
    /** The checkpoint in force; {@code null} if the CHECKPOINT file is damaged. */
    final Checkpoint checkpoint;
    /** The segment scan; {@code null} if it could not run (damaged checkpoint). */
    final RecoveryReport report;
    final Result result;
    final long millis;
    /**
     * Temporary files of snapshots whose checkpoint never committed ({@code <snapshot>.<generation>.wal4j.tmp}
     * beside the snapshot): garbage that open removes. Not damage: they do not change the verdict.
     */
    final List<Path> staleSnapshotTemporaries;

    private Verification(List<Finding> findings, Checkpoint checkpoint, RecoveryReport report, long millis,
            List<Path> staleSnapshotTemporaries) {
        this.staleSnapshotTemporaries = List.copyOf(staleSnapshotTemporaries);
        this.findings = List.copyOf(findings);
        this.checkpoint = checkpoint;
        this.report = report;
        this.millis = millis;
        Result r = Result.CLEAN;
        for (Finding f : findings) {
            if (f.kind() == Kind.CORRUPTION || f.kind() == Kind.CORRUPTION_CUT) {
                r = Result.CORRUPTION;
                break;
            }
            if (!f.kind().clean()) {
                r = Result.TORN_TAIL;
            }
        }
        this.result = r;
    }

    /**
     * Runs the analysis; reads through {@code storage} (a counting wrapper for the progress bar).
     *
     * @throws io.github.wal4j.WalFormatException for a segment of an unknown format or foreign magic
     * @throws CliException {@link Wal4jCli#USAGE} for a valid record longer than {@code maxRecordSize}
     *     (written under a larger limit, which its segment records): open with that limit refuses the
     *     log as a configuration error, not as damage
     */
    static Verification run(WalDirectory wal, Storage storage, int maxRecordSize, SegmentKeys keys)
            throws IOException, CliException {
        long started = System.nanoTime();
        List<Finding> findings = new ArrayList<>();
        Checkpoint checkpoint;
        try {
            checkpoint = wal.checkpoint(storage, keys);
        } catch (WalCorruptedException e) {
            long size = Files.size(wal.dir.resolve(LogFiles.CHECKPOINT));
            findings.add(new Finding(LogFiles.CHECKPOINT, Kind.CORRUPTION, 0, 0, e.offset(), size,
                    "damaged checkpoint file: " + e.reason() + "; it is replaced atomically, so this is not a torn"
                            + " write, and which records it covers is unknown: restore it from a backup"));
            return new Verification(findings, null, null, millisSince(started), List.of());
        }
        findings.addAll(checkSnapshot(storage, checkpoint));
        RecoveryReport report;
        try {
            report = Recovery.inspect(storage, wal.dir, maxRecordSize, checkpoint, keys);
        } catch (RecordTooLargeException e) {
            throw new CliException(Wal4jCli.USAGE, overLimit(e), e);
        }
        findings.addAll(report.findings());
        return new Verification(findings, checkpoint, report, millisSince(started), staleTemporaries(checkpoint));
    }

    /** What to do about a valid record longer than {@code --max-record-size}, in the tool's terms. */
    static String overLimit(RecordTooLargeException e) {
        return "record " + e.sequence() + " in " + e.file().getFileName() + " holds " + e.size() + " bytes, more than"
                + " --max-record-size " + e.limit() + " (its segment was written with a maximum record size of "
                + e.writtenLimit() + "): the record is intact, and open with this size refuses the log. Give"
                + " --max-record-size " + e.size() + " or more (the application opens the log with"
                + " WalOptions.withMaxRecordSize(>= " + e.size() + ")). Nothing was changed";
    }

    /** The {@code <snapshot>.*.wal4j.tmp} files beside the snapshot, except the committed one. */
    private static List<Path> staleTemporaries(Checkpoint checkpoint) throws IOException {
        Path snapshot = checkpoint.snapshot();
        Path parent = snapshot == null ? null : snapshot.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return List.of();
        }
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, snapshot.getFileName() + ".*.wal4j.tmp")) {
            for (Path entry : entries) {
                if (!entry.equals(checkpoint.snapshotTemporary())) {
                    stale.add(entry);
                }
            }
        }
        stale.sort(null);
        return stale;
    }

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    /**
     * The snapshot checks of open (docs, section 5, step 2: {@link SnapshotCheck}, the file there,
     * its length and CRC32C), without the rename open would do.
     */
    private static List<Finding> checkSnapshot(Storage storage, Checkpoint checkpoint) throws IOException {
        Path snapshot = checkpoint.snapshot();
        if (snapshot == null) {
            return List.of();
        }
        List<Finding> findings = new ArrayList<>();
        Path file = SnapshotCheck.committedFile(storage, checkpoint);
        if (!file.equals(snapshot)) {
            findings.add(new Finding(snapshot.getFileName().toString(), Kind.SNAPSHOT_ROLLED_FORWARD, 0, 0, 0,
                    checkpoint.snapshotLength(), "the checkpoint covering up to " + checkpoint.upToSequence()
                            + " had committed but its snapshot is still named " + file.getFileName()
                            + "; opening the log completes the rename"));
        }
        try {
            SnapshotCheck.check(storage, file, checkpoint);
        } catch (WalCorruptedException e) {
            long size = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? Files.size(file) : 0;
            findings.add(new Finding(snapshot.getFileName().toString(), Kind.CORRUPTION, 0, 0, 0, size,
                    file + ": " + e.reason()));
        }
        return findings;
    }

    int exitCode() {
        return result.exitCode;
    }

    long checkpointSequence() {
        return checkpoint == null ? -1 : checkpoint.upToSequence();
    }

    /** The sequence the next append would get (after the cut), or -1 if unknown. */
    long nextSequence() {
        return report == null ? -1 : report.nextSequence();
    }

    /** Bytes of torn tail that opening the log would cut. */
    long bytesToCut() {
        return report == null ? 0 : report.bytesCut();
    }

    /** The first corruption finding, or {@code null}. */
    Finding firstCorruption() {
        return findings.stream().filter(f -> f.kind() == Kind.CORRUPTION).findFirst().orElse(null);
    }

    /** Whether a finding is a segment's (and not the checkpoint's or the snapshot's). */
    static boolean isSegment(Finding f) {
        return LogFiles.segmentId(f.file()) >= 0;
    }

    /** Prints the findings, one line each, with the rule under every one that is not clean. */
    static void print(PrintWriter out, List<Finding> findings, boolean planned) {
        for (Finding f : findings) {
            out.printf("  %-22s %-23s %s%n", f.file(), f.kind(), describe(f, planned));
            if (f.kind() != Kind.CLEAN && f.kind() != Kind.ZERO_TAIL && f.rule() != null && !f.rule().isEmpty()) {
                out.println("      rule: " + f.rule());
            }
        }
    }

    /** The numbers of a finding, in words. */
    static String describe(Finding f, boolean planned) {
        String seq = f.nextSequence() > f.firstSequence() ? "seq " + f.firstSequence() + ".." + (f.nextSequence() - 1)
                : f.firstSequence() > 0 ? "no records (starts at " + f.firstSequence() + ")" : "";
        String sep = seq.isEmpty() ? "" : ", ";
        switch (f.kind()) {
            case CLEAN:
                return seq + sep + "data ends at " + f.offset();
            case ZERO_TAIL:
                return seq + sep + "data ends at " + f.offset() + ", then " + f.bytes() + " zero bytes";
            case TORN_TAIL:
                if (f.firstSequence() == 0 && f.offset() == 0) {
                    return f.bytes() + " bytes, no complete header: " + (planned ? "open removes the file" : "removed");
                }
                return seq + sep + "valid data ends at " + f.offset() + "; " + f.bytes() + " bytes after it "
                        + (planned ? "would be cut" : "were cut");
            case CORRUPTION:
                return (seq.isEmpty() ? "" : "valid " + seq + ", ") + "damage at offset " + f.offset()
                        + (f.bytes() > 0 ? " (" + f.bytes() + " bytes from there to the end of the file)" : "");
            case CORRUPTION_CUT:
                if (f.file().equals(LogFiles.CLOSE_MARK)) {
                    // Not a cut of this file: the log ends before the last clean close said it did.
                    return "lost " + seq + " (the log ends before its clean-close mark; the mark is kept)";
                }
                return seq + sep + "cut at offset " + f.offset() + " (" + f.bytes() + " bytes)";
            case SEGMENT_SET_ASIDE:
                return "set aside";
            case TEMPORARY_REMOVED:
                return planned ? "would be removed" : "removed";
            case SNAPSHOT_ROLLED_FORWARD:
                return planned ? "rename would be completed" : "rename completed";
            case COVERED_REMOVED:
                return "covered by the checkpoint: " + (planned ? "open removes it" : "removed");
            case SEQUENCES_SKIPPED:
                return seq + " never handed out again; the next append gets " + f.nextSequence();
            default:
                return "";
        }
    }
}
