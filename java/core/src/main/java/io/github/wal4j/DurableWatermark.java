package io.github.wal4j;

import java.io.IOException;

/**
 * A record, kept outside the WAL directory, of how far the log was durable: the one defence
 * against an attacker (or an operator mistake) that deletes the whole tail of the log or puts back
 * an older copy of the whole directory, which no byte inside the directory can reveal. Store it
 * where that attacker cannot write: another machine, a TPM counter, a consensus peer.
 *
 * <p>At open, after recovery has judged the log and before it changes anything, the log asks
 * {@link #lastDurable()}; if the log ends before that sequence, open throws
 * {@link WalCorruptedException} ("rolled back") and changes nothing. While the log runs, the thread
 * that synced (the log's writer thread, or a lone {@code append} caller that wrote its own record)
 * calls {@link #durable(long)} after each fdatasync, one call at a time, before the appends it covered are
 * acknowledged; an exception from it stops the log ({@link WalFailedException}), because the
 * anchor could no longer vouch for what was acknowledged. It may lag behind (store every n-th value
 * or store asynchronously): a lagging anchor detects less but never raises a false alarm.
 *
 * <p>{@link #durable(long)} runs inside the log's commit, so it must not make a blocking call of the
 * log ({@code append}, {@code appendAll}, {@code fsync}, {@code flush}, {@code checkpoint},
 * {@code close}, readers): on either thread such a call throws {@link IllegalStateException} (it
 * would wait for the commit its own thread holds), which stops the log like any exception from
 * here. {@code appendAsync} is allowed and never waits for room; its record goes into a later batch.
 */
public interface DurableWatermark {

    /** The highest sequence number this anchor knows was durable, 0 if none. */
    long lastDurable() throws IOException;

    /** Every record up to {@code sequence} is durable now. Called by the thread that synced: keep it short. */
    void durable(long sequence) throws IOException;
}
