package io.github.wal4j.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongConsumer;

/**
 * Makes every transaction the node's connection has committed durable in SQLite's own files: the
 * point up to which the WAL may be checkpointed. In {@link JournalMode#WAL} commits run with
 * {@code synchronous=NORMAL}, which does not fsync them, so this runs {@code PRAGMA
 * wal_checkpoint(FULL)}: SQLite fsyncs its {@code -wal} file, copies every frame into the database
 * file and fsyncs that; when it reports no reader in the way ({@code busy = 0}) and every frame
 * copied ({@code log = checkpointed}), the database file alone holds every commit made before the
 * call. In {@link JournalMode#DELETE} every commit was synced ({@code synchronous=EXTRA}) when it
 * returned, so there is nothing to do.
 *
 * <p>Runs on the connection's owner (a leading committer, the checkpointer thread, or {@code open}/{@code close}), between
 * transactions.
 */
final class SqliteDurablePoint {
    private final Connection connection;
    private final JournalMode mode;
    private final LongConsumer hook;

    /**
     * @param hook called after each durable point with the applied sequence it covers (tests copy
     *     the database there, as a power cut would leave it); {@code s -> { }} otherwise
     */
    SqliteDurablePoint(Connection connection, JournalMode mode, LongConsumer hook) {
        this.connection = connection;
        this.mode = mode;
        this.hook = hook;
    }

    /**
     * Makes every commit so far durable, {@code applied} being the last change they hold.
     *
     * @return true if they are; false if another connection's read kept SQLite from copying every
     *     frame (nothing is wrong: try again later)
     * @throws SQLException if SQLite failed
     */
    boolean sync(long applied) throws SQLException {
        if (mode == JournalMode.WAL) {
            try (Statement s = connection.createStatement();
                    ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(FULL)")) {
                if (!r.next()) {
                    throw new SQLException("PRAGMA wal_checkpoint(FULL) returned no row");
                }
                int busy = r.getInt(1);
                int log = r.getInt(2);
                int checkpointed = r.getInt(3);
                if (log < 0) {
                    throw new SQLException("PRAGMA wal_checkpoint(FULL) says the database is not in WAL mode");
                }
                if (busy != 0 || log != checkpointed) {
                    return false;
                }
            }
        }
        hook.accept(applied);
        return true;
    }
}
