package io.github.wal4j;

import java.nio.file.Path;

/**
 * The log holds damage that recovery must not cut silently: damage to records that were
 * acknowledged (a later batch or a clean close says they were durable), damage inside a segment
 * that a newer segment follows, a gap in the sequence numbers, or a damaged checkpoint file.
 *
 * <p>A {@link WalRefusedException}: nothing is changed on disk when this is thrown. An operator can inspect the named file at the
 * named offset, restore it, or reopen with {@link RecoveryMode#POINT_IN_TIME} to keep the records
 * before the damage (the damaged files are kept as {@code .broken} copies).
 */
public final class WalCorruptedException extends WalRefusedException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final long offset;
    private final String reason;

    public WalCorruptedException(Path file, long offset, String reason) {
        super(file + " at offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
        this.reason = reason;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** The byte offset in {@link #file()} where the damage starts. */
    public long offset() {
        return offset;
    }

    /** What is wrong there, with the numbers that disagree. */
    public String reason() {
        return reason;
    }
}
