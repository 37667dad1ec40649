package io.github.wal4j.inspect;

/** What an attempt at the directory lock ({@code wal.lock}) found. */
public enum LockStatus {
    /** The inspection holds the lock, until {@link LogInspection#unlock()} or {@link LogInspection#close()}. */
    TAKEN,
    /** The lock was free: taken and released at once ({@link LogInspection#probeLock()}). */
    FREE,
    /** Another process (or another open log in this JVM) holds it: the log is open. */
    HELD,
    /**
     * There is no {@code wal.lock}: the log was never opened there (every open creates it before
     * locking), or was copied without it, so nobody can hold it. Nothing was created.
     */
    NO_LOCK_FILE
}
