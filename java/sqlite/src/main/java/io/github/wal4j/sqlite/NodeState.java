package io.github.wal4j.sqlite;

import io.github.wal4j.WalClosedException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Whether a {@link SqliteCommitNode} takes commits: open and running, stopped by a failure (the
 * first one is kept, with its reason), or closed. A stopped node refuses commits because the
 * database applies changes in WAL order without gaps: nothing may be applied before the change
 * that failed, which only the next open applies.
 *
 * <p>Thread-safe: committers read it, the leading committer stops it, {@code close} closes it.
 */
final class NodeState {
    private final Path databaseFile;
    private Throwable stopCause;
    private String stopReason;
    private boolean closed;

    /** @param databaseFile the node's database, for messages */
    NodeState(Path databaseFile) {
        this.databaseFile = databaseFile;
    }

    /**
     * @throws WalClosedException if the node is closed
     * @throws NodeStoppedException if a failure stopped it (with that failure as the cause)
     */
    synchronized void ensureRunning() throws IOException {
        if (closed) {
            throw new WalClosedException("the SQLite commit node on " + databaseFile + " is closed");
        }
        if (stopCause != null) {
            throw new NodeStoppedException("the SQLite commit node on " + databaseFile + " is stopped: " + stopReason
                    + ". This change was not appended. Close the node and open it again: opening applies what the"
                    + " WAL holds", stopCause);
        }
    }

    /** Stops the node for {@code reason}; a node stopped already keeps its first reason and cause. */
    synchronized void stop(String reason, Throwable cause) {
        if (stopCause == null) {
            stopReason = reason;
            stopCause = cause;
        }
    }

    synchronized boolean stopped() {
        return stopCause != null;
    }

    synchronized boolean closed() {
        return closed;
    }

    /** Marks the node closed; false if it was closed already. */
    synchronized boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }
}
