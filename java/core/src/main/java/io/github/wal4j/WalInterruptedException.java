package io.github.wal4j;

/**
 * The calling thread was interrupted while its append waited for room under the in-flight limit
 * ({@link InFlightLimit.Policy#BLOCK}). Nothing of the append was queued and it used no sequence
 * number; the log goes on. The thread's interrupt status is set again when this is thrown, so code
 * further up still sees the interrupt. The cause is the {@link InterruptedException}.
 *
 * <p>Only the wait for room is interruptible: once an append is queued, a blocking {@code append}
 * waits for its acknowledgement whatever happens (the record may be on its way to the disk, so
 * waiting is the only honest answer) and restores the interrupt status when it returns. A
 * {@link WalRefusedException}: nothing was changed.
 */
public final class WalInterruptedException extends WalRefusedException {
    private static final long serialVersionUID = 1L;

    /**
     * @param records the append's records (1, or a group's)
     * @param cause the interrupt
     */
    public WalInterruptedException(int records, InterruptedException cause) {
        super("interrupted while an append of " + records + " record(s) waited for room under the in-flight limit;"
                + " it was not queued", cause);
    }
}
