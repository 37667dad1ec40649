package io.github.wal4j;

import java.util.List;

/**
 * What opening the log found and did, per segment, and the rule that decided each finding. Available
 * from {@link WriteAheadLog#recoveryReport()}.
 *
 * @param findings one entry per segment scanned and per file recovery changed, in log order
 * @param checkpointSequence the checkpoint in force (records up to it are not replayed)
 * @param nextSequence the sequence number the next append gets
 * @param bytesCut bytes of torn, unacknowledged tail that were cut off
 * @param millis how long recovery took
 */
public record RecoveryReport(List<Finding> findings, long checkpointSequence, long nextSequence, long bytesCut,
        long millis) {

    /** What one finding is. */
    public enum Kind {
        /** The segment's batches are all valid and it ends at the end of the file. */
        CLEAN,
        /** The valid data ends in zero bytes: preallocated or never written space. */
        ZERO_TAIL,
        /**
         * A recycled segment's data ends where bytes of an earlier use of its file begin (their
         * batches carry that use's salt): the end of its data, not damage; nothing is cut.
         */
        STALE_TAIL,
        /** Damage after the last acknowledged record and nothing claims it was durable: cut off. */
        TORN_TAIL,
        /** Damage to acknowledged data, found by an inspection that changes nothing (open refuses it). */
        CORRUPTION,
        /** Damage to acknowledged data, cut in point-in-time mode (the file was kept as .broken). */
        CORRUPTION_CUT,
        /** A segment after a point-in-time cut, moved aside to .broken. */
        SEGMENT_SET_ASIDE,
        /** A temporary file of an interrupted segment creation, segment preparation or checkpoint, removed. */
        TEMPORARY_REMOVED,
        /**
         * A segment a durable checkpoint freed and kept for recycling ({@code <id>.wal.free}), found
         * after a crash: the checkpoint covers it, so it holds no live record; removed.
         */
        FREED_REMOVED,
        /** A checkpoint had committed but its snapshot rename had not: the rename was completed. */
        SNAPSHOT_ROLLED_FORWARD,
        /**
         * A segment the checkpoint in force covers whole: left by a rotation since the last
         * checkpoint, or brought back by a crash before a checkpoint's deletion was durable.
         * Garbage, deleted without being judged (its rule says if it was damaged).
         */
        COVERED_REMOVED,
        /**
         * After a point-in-time cut of acknowledged records: the sequences the cut records had been
         * handed out under, {@code firstSequence} to {@code nextSequence - 1}, are skipped, never
         * handed out again; {@code nextSequence} is the next append's. The new segment that starts
         * there is marked as following a loss.
         */
        SEQUENCES_SKIPPED;

        /**
         * Whether a finding of this kind leaves the log as it was: no record cut, set aside or in
         * doubt ({@link #CLEAN}, {@link #ZERO_TAIL}, {@link #STALE_TAIL}, and {@link #COVERED_REMOVED}
         * and {@link #FREED_REMOVED}, whose segment holds no live record).
         */
        public boolean clean() {
            return this == CLEAN || this == ZERO_TAIL || this == STALE_TAIL || this == COVERED_REMOVED || this == FREED_REMOVED;
        }
    }

    /**
     * One finding.
     *
     * @param file the file's name
     * @param kind what was found
     * @param firstSequence the first sequence number the file holds (0 where it does not apply)
     * @param nextSequence the sequence after the last valid record in it (0 where it does not apply)
     * @param offset where the valid data ends (the cut point), or 0
     * @param bytes bytes after {@code offset} that were cut, set aside or are zeros
     * @param rule the rule that decided, and its evidence
     */
    public record Finding(String file, Kind kind, long firstSequence, long nextSequence, long offset, long bytes,
            String rule) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(file).append(' ').append(kind);
            if (nextSequence > firstSequence) {
                s.append(" seq ").append(firstSequence).append("..").append(nextSequence - 1);
            }
            if (bytes > 0) {
                s.append(", ").append(bytes).append(" bytes at ").append(offset);
            }
            if (rule != null && !rule.isEmpty()) {
                s.append(" (").append(rule).append(')');
            }
            return s.toString();
        }
    }

    /**
     * Whether recovery found nothing but clean segments, zero tails and segments the checkpoint
     * covers whole (garbage, whatever their state: no record of the log is in them).
     */
    public boolean clean() {
        return findings.stream().allMatch(f -> f.kind().clean());
    }

    /** One readable line. */
    public String summary() {
        StringBuilder s = new StringBuilder("wal4j recovery: ");
        s.append(findings.stream().filter(f -> f.kind() == Kind.CLEAN || f.kind() == Kind.ZERO_TAIL
                || f.kind() == Kind.STALE_TAIL).count())
                .append(" segment(s) clean");
        for (Finding f : findings) {
            if (f.kind() != Kind.CLEAN && f.kind() != Kind.ZERO_TAIL) {
                s.append("; ").append(f);
            }
        }
        s.append("; checkpoint ").append(checkpointSequence).append("; next sequence ").append(nextSequence)
                .append("; ").append(millis).append(" ms");
        return s.toString();
    }
}
