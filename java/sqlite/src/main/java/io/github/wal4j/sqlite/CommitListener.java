package io.github.wal4j.sqlite;

/**
 * Observes the steps of each commit, for metrics, tracing and crash tests. Every method is called on
 * the committing thread while the node's lock is held, right after the step it names: keep it
 * short, and do not call the node from it. An exception thrown by a listener is logged and ignored;
 * a listener cannot change what a commit does.
 */
public interface CommitListener {
    /** A listener that does nothing. */
    CommitListener NONE = new CommitListener() {
    };

    /**
     * The change is durable in the WAL with this sequence number; the database does not have it yet.
     * A crash from here on applies it at the next start.
     */
    default void appended(long sequence) {
    }

    /**
     * The database transaction holding the change and "applied up to {@code sequence}" committed
     * (durably). {@code replay} is true when the change was replayed from the WAL at start-up.
     */
    default void applied(long sequence, boolean replay) {
    }

    /** The WAL checkpoint covers every change up to {@code sequence}: it will not be replayed. */
    default void checkpointed(long sequence) {
    }
}
