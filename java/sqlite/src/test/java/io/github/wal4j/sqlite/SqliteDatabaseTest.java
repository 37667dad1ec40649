package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteDatabase}'s refusal of SQLite versions with the WAL-reset bug, and the version the node ships with. */
class SqliteDatabaseTest {
    @TempDir
    Path tmp;

    @Test
    void walModeIsRefusedOnTheVersionsWithTheWalResetBug() {
        Path db = tmp.resolve("t.db");
        for (String version : new String[] {"3.7.0", "3.46.1", "3.50.3", "3.51.2"}) {
            SQLException refused = assertThrows(SQLException.class,
                    () -> SqliteDatabase.checkVersion(version, JournalMode.WAL, db), version);
            assertTrue(refused.getMessage().contains("SQLite " + version + " ")
                    && refused.getMessage().contains("3.51.3.0 or later"), refused.getMessage());
        }
        for (String version : new String[] {"3.6.23", "3.51.3", "3.52.0", "3.54.1", "4.0.0"}) {
            assertDoesNotThrow(() -> SqliteDatabase.checkVersion(version, JournalMode.WAL, db), version);
        }
        // The rollback journal has no WAL to reset.
        assertDoesNotThrow(() -> SqliteDatabase.checkVersion("3.50.3", JournalMode.DELETE, db));
    }

    @Test
    void theBundledSqliteIsPastTheWalResetBug() throws SQLException {
        try (Connection c = SqliteDatabase.connect(tmp.resolve("v.db"), SqliteNodeOptions.defaults());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT sqlite_version()")) {
            r.next();
            String[] v = r.getString(1).split("\\.");
            long n = Integer.parseInt(v[0]) * 1_000_000L + Integer.parseInt(v[1]) * 1_000L + Integer.parseInt(v[2]);
            assertTrue(n >= 3_051_003L, "SQLite " + r.getString(1) + " bundled by sqlite-jdbc");
        }
    }
}
