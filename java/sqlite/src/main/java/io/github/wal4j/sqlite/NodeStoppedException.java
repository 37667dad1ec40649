package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;

/**
 * The node stopped accepting commits after an earlier commit failed in a way that leaves the WAL
 * ahead of the database (see {@link ChangeNotAppliedException}); the change passed to this call was
 * not appended. Close the node and open it again: start-up applies what the WAL holds. The cause is
 * the failure that stopped the node.
 */
public class NodeStoppedException extends WalException {
    private static final long serialVersionUID = 1L;

    public NodeStoppedException(String message, Throwable cause) {
        super(message, cause);
    }
}
