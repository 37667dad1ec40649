package io.github.wal4j;

/**
 * A call refused before it changed anything: no file was created, written, renamed or deleted, and
 * a target a link pointed to was not touched. Retrying after fixing the cause (the option, the key,
 * the directory's permissions, a restored file) sees the same files the refused call saw.
 *
 * <p>The subtypes say what was refused and why: {@link WalCorruptedException} (damage recovery must
 * not cut), {@link WalFormatException} (not a wal4j log this version can open),
 * {@link WalKeyException} (no key authenticates a protected segment), {@link WalLockedException}
 * (another writer holds the log), {@link WalUnsafeDirectoryException} (others could change the
 * directory), {@link RecordTooLargeException} (a record over the maximum record size),
 * {@link GroupTooLargeException} (an atomic group over what one batch holds),
 * {@link WalOverloadedException} (the in-flight limit refused an append) and
 * {@link WalInterruptedException} (an append waiting for room was interrupted). Every
 * message ends with {@value #NOTHING_CHANGED}, so a log line says it too.
 *
 * <p>Exceptions outside this branch make no such promise: after a {@link WalFailedException} the log
 * may have written (but never acknowledged) part of a batch, which the next open cuts.
 */
public abstract sealed class WalRefusedException extends WalException
        permits WalCorruptedException, WalFormatException, WalKeyException, WalLockedException,
                WalUnsafeDirectoryException, RecordTooLargeException, GroupTooLargeException,
                WalOverloadedException, WalInterruptedException {
    private static final long serialVersionUID = 1L;

    /** The end of every refusal's message. */
    public static final String NOTHING_CHANGED = "; nothing was changed";

    /** @param reason what was refused and why, without {@value #NOTHING_CHANGED}, which this appends */
    protected WalRefusedException(String reason) {
        super(reason + NOTHING_CHANGED);
    }

    /** As {@link #WalRefusedException(String)}, with the failure that showed the reason. */
    protected WalRefusedException(String reason, Throwable cause) {
        super(reason + NOTHING_CHANGED, cause);
    }
}
