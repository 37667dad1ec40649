package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AppliedTable}: one row, created once, moved only from the number before. */
class AppliedTableTest {
    @TempDir
    Path tmp;

    @Test
    void theRowStartsAtZeroAndMovesOnlyFromTheNumberBefore() throws SQLException {
        Path db = tmp.resolve("t.db");
        try (Connection c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + db, new Properties())) {
            c.setAutoCommit(false);
            AppliedTable table = new AppliedTable(c, db);
            table.create();
            table.create(); // again: nothing changes
            assertEquals(0, table.read());
            table.advanceTo(1);
            table.advanceTo(2);
            assertEquals(2, table.read());
            SQLException skipped = assertThrows(SQLException.class, () -> table.advanceTo(4));
            assertTrue(skipped.getMessage().contains("does not say 3 before change 4 (it says 2)"),
                    skipped.getMessage());
            assertEquals(2, table.read(), "a refused move changes nothing");
        }
    }
}
