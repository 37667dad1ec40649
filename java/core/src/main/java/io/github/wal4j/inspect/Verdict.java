package io.github.wal4j.inspect;

import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import java.nio.file.Path;
import java.util.List;

/**
 * What opening the log would find and do, decided by recovery's own code without changing anything:
 * the checkpoint and the snapshot it names checked as open checks them, then every segment. Damage
 * to acknowledged data is a {@link Kind#CORRUPTION} finding here where open would throw.
 *
 * @param outcome the verdict
 * @param findings every finding: the checkpoint's and the snapshot's first, then one or more per
 *     segment, in log order
 * @param checkpoint the checkpoint in force; {@code null} if {@code CHECKPOINT} is damaged
 * @param report the segment scan; {@code null} if it could not run (a damaged checkpoint)
 * @param staleSnapshotTemporaries temporary files of snapshots whose checkpoint never committed,
 *     which open removes; not damage, they do not change the verdict
 * @param millis how long the analysis took
 */
public record Verdict(Outcome outcome, List<Finding> findings, CheckpointInfo checkpoint, RecoveryReport report,
        List<Path> staleSnapshotTemporaries, long millis) {

    /** The three answers of the recovery table (docs/security/wal.md, section 5). */
    public enum Outcome {
        /** Open changes nothing but leftovers it may remove. */
        CLEAN,
        /** Open cuts a torn tail or removes crash leftovers; no acknowledged record is lost. */
        TORN_TAIL,
        /** Acknowledged data is damaged: open refuses the log (unless point-in-time recovery is asked for). */
        CORRUPTION
    }

    public Verdict {
        findings = List.copyOf(findings);
        staleSnapshotTemporaries = List.copyOf(staleSnapshotTemporaries);
    }

    /** The verdict the findings amount to: any corruption, else any finding that is not clean, else clean. */
    public static Outcome outcomeOf(List<Finding> findings) {
        Outcome r = Outcome.CLEAN;
        for (Finding f : findings) {
            if (f.kind() == Kind.CORRUPTION || f.kind() == Kind.CORRUPTION_CUT) {
                return Outcome.CORRUPTION;
            }
            if (!f.kind().clean()) {
                r = Outcome.TORN_TAIL;
            }
        }
        return r;
    }

    /** The checkpoint's sequence, or -1 if {@code CHECKPOINT} is damaged. */
    public long checkpointSequence() {
        return checkpoint == null ? -1 : checkpoint.upToSequence();
    }

    /** The sequence the next append would get (after any cut), or -1 if unknown. */
    public long nextSequence() {
        return report == null ? -1 : report.nextSequence();
    }

    /** Bytes of torn tail that open would cut. */
    public long bytesToCut() {
        return report == null ? 0 : report.bytesCut();
    }

    /** The first corruption finding, or {@code null}: its file and offset are where the damage is. */
    public Finding damage() {
        return findings.stream().filter(f -> f.kind() == Kind.CORRUPTION).findFirst().orElse(null);
    }

    /** The file of the first damage, or {@code null}. */
    public String damagedFile() {
        Finding f = damage();
        return f == null ? null : f.file();
    }

    /** The offset of the first damage in its file, or -1. */
    public long damagedOffset() {
        Finding f = damage();
        return f == null ? -1 : f.offset();
    }

    /** The first damaged sequence (the one after the last valid record before the damage), or -1. */
    public long damagedSequence() {
        Finding f = damage();
        if (f == null) {
            return -1;
        }
        return f.nextSequence() > 0 ? f.nextSequence() : nextSequence();
    }
}
