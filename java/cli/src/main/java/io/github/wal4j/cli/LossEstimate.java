package io.github.wal4j.cli;

import io.github.wal4j.inspect.DataLoss;
import io.github.wal4j.inspect.LogInspection;
import java.io.IOException;

/**
 * Which sequence numbers a point-in-time cut at a corruption loses: from the first damaged record to
 * the last sequence that intact batch headers after the damage name (their records, or their
 * durable-through marks), in the damaged segment and in every later one ({@link DataLoss}, found by
 * recovery's header scan). When no intact header
 * follows the damage, the end cannot be known: "N and everything after it".
 *
 * @param from the first sequence lost that the checkpoint does not cover
 * @param damagedFrom the first damaged sequence
 * @param last the last sequence evidenced after the damage, or -1 if none is
 * @param sealed whether the last batch found is a clean-close seal (nothing came after it)
 * @param checkpoint the checkpoint in force
 */
record LossEstimate(long from, long damagedFrom, long last, boolean sealed, long checkpoint) {

    /** The loss of a cut at the verdict's first damage, from the inspection API ({@link LogInspection#loss}). */
    static LossEstimate of(LogInspection reader, Verification v) throws IOException {
        DataLoss loss = reader.loss(v.verdict);
        return new LossEstimate(loss.from(), loss.damagedFrom(), loss.last(), loss.sealed(), loss.checkpoint());
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
