package io.github.wal4j.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * SQLite through sqlite-jdbc: {@code journal_mode=WAL}, {@code synchronous=FULL} (the WAL is
 * fsync'ed at every commit), one row per transaction (auto-commit, one INSERT per record). One
 * connection shared by the appending threads, which take turns (a JDBC connection is not for
 * concurrent use, and SQLite has one writer at a time anyway).
 */
public final class SqliteSubject implements Subject {
    private final Connection connection;
    private final PreparedStatement insert;

    public SqliteSubject(Path dir) throws Exception {
        connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bench.db"));
        try (Statement s = connection.createStatement()) {
            try (ResultSet r = s.executeQuery("PRAGMA journal_mode=WAL")) {
                if (!r.next() || !r.getString(1).equalsIgnoreCase("wal")) {
                    throw new IllegalStateException("SQLite did not switch to WAL mode");
                }
            }
            s.execute("PRAGMA synchronous=FULL");
            s.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
        }
        connection.setAutoCommit(true);
        insert = connection.prepareStatement("INSERT INTO log (payload) VALUES (?)");
    }

    /** The SQLite library version sqlite-jdbc loaded. */
    public static String version() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT sqlite_version()")) {
            r.next();
            return r.getString(1);
        }
    }

    @Override
    public synchronized void append(byte[] record) throws Exception {
        insert.setBytes(1, record);
        insert.executeUpdate();
    }

    @Override
    public synchronized void close() throws Exception {
        insert.close();
        connection.close();
    }
}
