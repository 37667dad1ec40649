package io.github.wal4j.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.SQLiteCommitListener;
import org.sqlite.SQLiteConnection;

/**
 * Notices a transaction of the node's connection that ends while the node is not ending it: an
 * applier's {@code COMMIT}, {@code END} or {@code ROLLBACK} run as SQL, or a statement that
 * commits on its own after one of those. SQLite reports every commit and rollback of the
 * connection to sqlite-jdbc's commit listener, on the thread that runs the statement; the watch
 * counts those that come between {@link #start} and {@link #stop}. SQLite cannot be told to turn
 * such a commit back, so the watch only reports it: the caller refuses the change.
 *
 * <p>Not thread-safe: the node's connection lock guards every call, and the listener runs on the thread that
 * holds it.
 */
final class TransactionWatch {
    private boolean watching;
    private String ended;

    /** Watches {@code connection} (a sqlite-jdbc connection) from now on. */
    TransactionWatch(Connection connection) throws SQLException {
        connection.unwrap(SQLiteConnection.class).getDatabase().addCommitListener(new SQLiteCommitListener() {
            @Override
            public void onCommit() {
                seen("committed");
            }

            @Override
            public void onRollback() {
                seen("rolled back");
            }
        });
    }

    private void seen(String how) {
        if (watching && ended == null) {
            ended = how;
        }
    }

    /** From now on, every end of a transaction is someone else's. */
    void start() {
        watching = true;
        ended = null;
    }

    /** How a transaction ended since {@link #start} ("committed", "rolled back"), or null if none did; still watching. */
    String ended() {
        return ended;
    }

    /**
     * Stops watching.
     *
     * @return how a transaction ended meanwhile ("committed", "rolled back"), or null if none did
     */
    String stop() {
        watching = false;
        return ended;
    }
}
