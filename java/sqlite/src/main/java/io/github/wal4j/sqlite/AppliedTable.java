package io.github.wal4j.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The node's bookkeeping tables. {@value SqliteCommitNode#APPLIED_TABLE}: one row ({@code id = 1})
 * holding the WAL sequence number of the last change applied to the database. The row is changed
 * only inside the transaction that applies the next change, and only from the number before it,
 * so the table and the tables the changes touch always agree.
 *
 * <p>{@value SqliteCommitNode#APPLYING_TABLE}: one row holding the change being applied, set at
 * the start of its transaction and set back to 0 at its end, in the same transaction; so a
 * committed non-zero value means that something committed the transaction in between (an applier
 * that ran {@code COMMIT} as SQL), and the change is in the database in part.
 *
 * <p>{@value SqliteCommitNode#SNAPSHOT_TABLE}: one row holding the applied sequence of the newest
 * snapshot made of the database (0 if none), which {@link SqliteCheckpointPolicy#withSnapshotRetention}
 * keeps the log's checkpoint at or below. A snapshot's own copy holds its own sequence there.
 *
 * <p>Each method runs on the caller's connection, inside its transaction; none commits. The two
 * updates are prepared once and closed with the connection. Not thread-safe: the node's connection
 * lock guards every call.
 */
final class AppliedTable {
    private final Connection connection;
    private final Path databaseFile;
    // Prepared once: the applier runs both in every transaction, and preparing costs as much as running them.
    private PreparedStatement markApplying;
    private PreparedStatement advance;

    /** @param databaseFile the database, for messages */
    AppliedTable(Connection connection, Path databaseFile) {
        this.connection = connection;
        this.databaseFile = databaseFile;
    }

    /** Creates the tables and their rows (sequence 0) where they are missing. */
    void create() throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String table : new String[] {SqliteCommitNode.APPLIED_TABLE, SqliteCommitNode.APPLYING_TABLE,
                    SqliteCommitNode.SNAPSHOT_TABLE}) {
                s.executeUpdate("CREATE TABLE IF NOT EXISTS " + table
                        + " (id INTEGER PRIMARY KEY CHECK (id = 1), sequence INTEGER NOT NULL CHECK (sequence >= 0))");
                s.executeUpdate("INSERT OR IGNORE INTO " + table + " (id, sequence) VALUES (1, 0)");
            }
        }
    }

    /** The change whose transaction was committed by something else while being applied, or 0. */
    long readApplying() throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet r = s.executeQuery("SELECT sequence FROM " + SqliteCommitNode.APPLYING_TABLE + " WHERE id = 1")) {
            return r.next() ? r.getLong(1) : 0;
        }
    }

    /** The applied sequence of the newest snapshot of the database, or 0. */
    long readSnapshot() throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet r = s.executeQuery("SELECT sequence FROM " + SqliteCommitNode.SNAPSHOT_TABLE + " WHERE id = 1")) {
            return r.next() ? r.getLong(1) : 0;
        }
    }

    /** Records a snapshot at {@code sequence}, unless a newer one is recorded. */
    void recordSnapshot(long sequence) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + SqliteCommitNode.SNAPSHOT_TABLE
                + " SET sequence = ? WHERE id = 1 AND sequence < ?")) {
            update.setLong(1, sequence);
            update.setLong(2, sequence);
            update.executeUpdate();
        }
    }

    /** Sets the applying row to {@code sequence} (at the start of its transaction) or to 0 (at the end). */
    void markApplying(long sequence) throws SQLException {
        if (markApplying == null) {
            markApplying = connection.prepareStatement(
                    "UPDATE " + SqliteCommitNode.APPLYING_TABLE + " SET sequence = ? WHERE id = 1");
        }
        markApplying.setLong(1, sequence);
        markApplying.executeUpdate();
    }

    /**
     * The sequence number of the last change applied.
     *
     * @throws SQLException if the row is missing
     */
    long read() throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet r = s.executeQuery("SELECT sequence FROM " + SqliteCommitNode.APPLIED_TABLE + " WHERE id = 1")) {
            if (!r.next()) {
                throw new SQLException(SqliteCommitNode.APPLIED_TABLE + " in " + databaseFile + " has no row");
            }
            return r.getLong(1);
        }
    }

    /**
     * Sets the row to {@code sequence}, only from {@code sequence - 1}; see {@link #advance}.
     *
     * @throws SQLException if the row does not hold {@code sequence - 1} (something else writes it)
     */
    void advanceTo(long sequence) throws SQLException {
        advance(sequence - 1, sequence);
    }

    /**
     * Sets the row to {@code to}, only from {@code from}: changes are applied in WAL order without
     * gaps (a batch {@code from + 1 .. to} in one transaction), and a change applied behind the
     * node's back is noticed, not repeated.
     *
     * @throws SQLException if the row does not hold {@code from} (something else writes it)
     */
    void advance(long from, long to) throws SQLException {
        if (advance == null) {
            advance = connection.prepareStatement(
                    "UPDATE " + SqliteCommitNode.APPLIED_TABLE + " SET sequence = ? WHERE id = 1 AND sequence = ?");
        }
        advance.setLong(1, to);
        advance.setLong(2, from);
        if (advance.executeUpdate() != 1) {
            throw new SQLException(SqliteCommitNode.APPLIED_TABLE + " in " + databaseFile + " does not say "
                    + from + " before change " + (from + 1) + " (it says " + read() + "): something else "
                    + "writes it; the node must be the only writer");
        }
    }
}
