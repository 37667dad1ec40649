package io.github.wal4j.inspect;

/**
 * Which sequences a point-in-time cut at a damage loses: from the first damaged record to the last
 * sequence that intact batch headers after the damage name (their records or their durable-through
 * marks), in the damaged segment and every later one; recovery's header scan finds them.
 *
 * @param from the first lost sequence the checkpoint does not cover
 * @param damagedFrom the first damaged sequence
 * @param last the last sequence named after the damage, or -1 if no intact header follows it
 * @param sealed whether the log's last batch header after the damage is a clean-close seal
 * @param checkpoint the checkpoint's sequence
 */
public record DataLoss(long from, long damagedFrom, long last, boolean sealed, long checkpoint) {

    /** Whether records the checkpoint does not cover are lost. */
    public boolean losesRecords() {
        return last < 0 || last >= from;
    }
}
