package io.github.wal4j.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The node's bookkeeping table {@value SqliteCommitNode#APPLIED_TABLE}: one row ({@code id = 1})
 * holding the WAL sequence number of the last change applied to the database. The row is changed
 * only inside the transaction that applies the next change, and only from the number before it,
 * so the table and the tables the changes touch always agree.
 *
 * <p>Each method runs on the caller's connection, inside its transaction; none commits.
 */
final class AppliedTable {
    private final Connection connection;
    private final Path databaseFile;

    /** @param databaseFile the database, for messages */
    AppliedTable(Connection connection, Path databaseFile) {
        this.connection = connection;
        this.databaseFile = databaseFile;
    }

    /** Creates the table and its row (sequence 0) where they are missing. */
    void create() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("CREATE TABLE IF NOT EXISTS " + SqliteCommitNode.APPLIED_TABLE
                    + " (id INTEGER PRIMARY KEY CHECK (id = 1), sequence INTEGER NOT NULL CHECK (sequence >= 0))");
            s.executeUpdate("INSERT OR IGNORE INTO " + SqliteCommitNode.APPLIED_TABLE + " (id, sequence) VALUES (1, 0)");
        }
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
     * Sets the row to {@code sequence}, only from {@code sequence - 1}: changes are applied in WAL
     * order without gaps, and a change applied behind the node's back is noticed, not repeated.
     *
     * @throws SQLException if the row does not hold {@code sequence - 1} (something else writes it)
     */
    void advanceTo(long sequence) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE " + SqliteCommitNode.APPLIED_TABLE + " SET sequence = ? WHERE id = 1 AND sequence = ?")) {
            update.setLong(1, sequence);
            update.setLong(2, sequence - 1);
            if (update.executeUpdate() != 1) {
                throw new SQLException(SqliteCommitNode.APPLIED_TABLE + " in " + databaseFile + " does not say "
                        + (sequence - 1) + " before change " + sequence + " (it says " + read() + "): something else "
                        + "writes it; the node must be the only writer");
            }
        }
    }
}
