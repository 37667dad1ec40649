package io.github.wal4j.cli;

import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.inspect.CheckpointInfo;
import io.github.wal4j.inspect.LogFileNames;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.inspect.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * What opening the log would find and do, decided without changing anything: the
 * {@link LogInspection#verify() verdict} of the inspection API (recovery's own code), with the exit
 * code the tool gives it and the words it prints for each finding.
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

    /** The verdict itself. */
    final Verdict verdict;
    /** Every finding: the checkpoint's and snapshot's first, then one or more per segment, in log order. */
    final List<Finding> findings;
    /** The checkpoint in force; {@code null} if the CHECKPOINT file is damaged. */
    final CheckpointInfo checkpoint;
    final Result result;
    final long millis;
    /** Temporary files of snapshots whose checkpoint never committed: garbage open removes, not damage. */
    final List<Path> staleSnapshotTemporaries;

    private Verification(Verdict verdict) {
        this.verdict = verdict;
        this.findings = verdict.findings();
        this.checkpoint = verdict.checkpoint();
        this.result = Result.valueOf(verdict.outcome().name());
        this.millis = verdict.millis();
        this.staleSnapshotTemporaries = verdict.staleSnapshotTemporaries();
    }

    /**
     * Runs the analysis through {@code reader} (an inspection reading through a counting layer, for
     * the progress bar).
     *
     * @throws io.github.wal4j.WalFormatException for a segment of an unknown format or foreign magic
     * @throws CliException {@link Wal4jCli#USAGE} for a valid record longer than {@code maxRecordSize}
     *     (written under a larger limit, which its segment records): open with that limit refuses the
     *     log as a configuration error, not as damage
     */
    static Verification run(LogInspection reader) throws IOException, CliException {
        try {
            return new Verification(reader.verify());
        } catch (RecordTooLargeException e) {
            throw new CliException(Wal4jCli.USAGE, overLimit(e), e);
        }
    }

    /** What to do about a valid record longer than {@code --max-record-size}, in the tool's terms. */
    static String overLimit(RecordTooLargeException e) {
        return "record " + e.sequence() + " in " + e.file().getFileName() + " holds " + e.size() + " bytes, more than"
                + " --max-record-size " + e.limit() + " (its segment was written with a maximum record size of "
                + e.writtenLimit() + "): the record is intact, and open with this size refuses the log. Give"
                + " --max-record-size " + e.size() + " or more (the application opens the log with"
                + " WalOptions.withMaxRecordSize(>= " + e.size() + ")). Nothing was changed";
    }

    int exitCode() {
        return result.exitCode;
    }

    long checkpointSequence() {
        return verdict.checkpointSequence();
    }

    /** The sequence the next append would get (after the cut), or -1 if unknown. */
    long nextSequence() {
        return verdict.nextSequence();
    }

    /** Bytes of torn tail that opening the log would cut. */
    long bytesToCut() {
        return verdict.bytesToCut();
    }

    /** The first corruption finding, or {@code null}. */
    Finding firstCorruption() {
        return verdict.damage();
    }

    /** Whether a finding is a segment's (and not the checkpoint's or the snapshot's). */
    static boolean isSegment(Finding f) {
        return LogFileNames.segmentId(f.file()) >= 0;
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
            case STALE_TAIL:
                return seq + sep + "data ends at " + f.offset() + ", then " + f.bytes()
                        + " bytes of an earlier use of this recycled file";
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
                if (f.file().equals(LogFileNames.CLOSE_MARK)) {
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
            case FREED_REMOVED:
                return "freed by the checkpoint, kept for recycling: " + (planned ? "open removes it" : "removed");
            case SEQUENCES_SKIPPED:
                return seq + " never handed out again; the next append gets " + f.nextSequence();
            default:
                return "";
        }
    }
}
