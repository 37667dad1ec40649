package io.github.wal4j;

/** What {@code open} does when it finds damage that is not a torn, unacknowledged tail. */
public enum RecoveryMode {
    /** The default: refuse to open with {@link WalCorruptedException}; nothing is changed on disk. */
    STRICT,
    /**
     * Keep every record before the first damage and drop the rest (acknowledged records after the
     * damage are lost; the recovery report lists them). Damaged files are copied or moved to
     * {@code <name>.broken} first, so nothing is destroyed.
     */
    POINT_IN_TIME
}
