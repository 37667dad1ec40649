package io.github.wal4j.sqlite;

/**
 * Observes the steps of each commit, for metrics, tracing and crash tests. Each method is called
 * right after the step it names: {@link #appended} on the committing thread, {@link #applied} and
 * {@link #checkpointed} on the thread applying the batch (a committing thread leading it, perhaps
 * not the change's own) or checkpointing (that, the node's checkpointer thread, or the thread
 * running {@code open} or {@code close}), while the batch's committers wait for it: keep it short,
 * and do not call the node from {@code applied} or {@code checkpointed} (refused with
 * {@link IllegalStateException}). An exception thrown by a listener is logged and ignored;
 * a listener cannot change what a commit does.
 */
public interface CommitListener {
    /** A listener that does nothing. */
    CommitListener NONE = new CommitListener() {
    };

    /**
     * The change is durable in the WAL with this sequence number; the database does not have it yet.
     * A crash from here on applies it at the next start. With
     * {@link SqliteNodeOptions#withOverlappedApply overlapped apply} it is called as soon as the WAL
     * took the change and its sequence number is known, while its fdatasync may still run: the
     * change is then durable only once its database transaction commits, and a crash before that
     * may or may not leave it in the WAL (as any append not yet acknowledged).
     */
    default void appended(long sequence) {
    }

    /**
     * The database transaction holding the change and "applied up to {@code sequence}" (or more)
     * committed, before the change's commit returns; in WAL journal mode not yet synced by SQLite
     * (the WAL keeps the change until it is). {@code replay} is true when the change was replayed
     * from the WAL at start-up.
     */
    default void applied(long sequence, boolean replay) {
    }

    /**
     * SQLite made every change up to {@code sequence} durable, and then the WAL checkpoint came to
     * cover them: they will not be replayed.
     */
    default void checkpointed(long sequence) {
    }
}
