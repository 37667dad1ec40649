package io.github.wal4j.cli;

import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.log.LogFiles;
import java.io.IOException;
import java.util.List;

/**
 * Which sequence numbers a point-in-time cut at a corruption loses: from the first damaged record to
 * the last sequence that intact batch headers after the damage name (their records, or their
 * durable-through marks), in the damaged segment and in every later one. When no intact header
 * follows the damage, the end cannot be known: "N and everything after it".
 *
 * @param from the first sequence lost that the checkpoint does not cover
 * @param damagedFrom the first damaged sequence
 * @param last the last sequence evidenced after the damage, or -1 if none is
 * @param sealed whether the last batch found is a clean-close seal (nothing came after it)
 * @param checkpoint the checkpoint in force
 */
record LossEstimate(long from, long damagedFrom, long last, boolean sealed, long checkpoint) {

    static LossEstimate of(WalDirectory wal, Storage storage, Verification v, Finding corruption) throws IOException {
        long damagedFrom = corruption.nextSequence() > 0 ? corruption.nextSequence() : v.nextSequence();
        long checkpoint = Math.max(0, v.checkpointSequence());
        long damagedId = LogFiles.segmentId(corruption.file());
        Segments.Evidence evidence = new Segments.Evidence();
        List<Long> ids = wal.segmentIds();
        for (long id : ids) {
            if (id < damagedId) {
                continue;
            }
            try (StorageFile file = storage.openRead(wal.segment(id))) {
                SegmentHeader.Decoded d = Segments.header(file);
                if (d.header().isPresent() && d.header().get().segmentId() != id) {
                    continue; // a segment of another place or log: its batches say nothing about this one
                }
                long[] salt = Segments.saltAndAlignment(file, d);
                if (salt != null) {
                    Segments.scanBatchHeaders(file, salt[0], (int) salt[1], id == damagedId ? corruption.offset() : 0,
                            damagedFrom, evidence);
                }
            }
        }
        long last = evidence.lastSequence >= damagedFrom ? evidence.lastSequence : -1;
        return new LossEstimate(Math.max(damagedFrom, checkpoint + 1), damagedFrom, last, evidence.endsWithSeal,
                checkpoint);
    }

    /** Whether records the checkpoint does not cover are lost. */
    boolean losesRecords() {
        return last < 0 || last >= from;
    }

    /** The lost sequences in words, for "LOST: ...". */
    String describe() {
        if (last < 0) {
            return "sequence " + from + " and everything after it (no intact batch header after the damage says"
                    + " where the log ended)";
        }
        if (last < from) {
            return "no record after the checkpoint: the damaged sequences " + damagedFrom + ".." + last
                    + " are all covered by the checkpoint at " + checkpoint;
        }
        return "sequences " + from + ".." + last + " (" + (last - from + 1) + " record(s)): from the first damaged"
                + " record to the last sequence named by intact batch headers after the damage; "
                + (sealed ? "a clean-close seal ends the log, so nothing after " + last + " existed"
                        : "the log was not closed cleanly, so unacknowledged records after " + last
                                + " may have existed too");
    }
}
