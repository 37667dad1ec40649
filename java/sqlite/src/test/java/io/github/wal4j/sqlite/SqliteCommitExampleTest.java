package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.wal4j.WriteAheadLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example of {@code docs/security/wal.md}, section 11, as a test that runs: copy it. Keep the two
 * in step.
 */
class SqliteCommitExampleTest {
    @TempDir
    Path dir;

    @Test
    void transfersBetweenAccounts() throws Exception {
        Path walDir = dir.resolve("wal");       // the WAL needs a directory of its own
        Path dbFile = dir.resolve("bank.db");   // the SQLite database

        // How a change is applied. A change here is "from to amount" as text. The applier uses only
        // the connection it is given and never commits: the node commits the change together with
        // its WAL sequence number, in one transaction.
        ChangeApplier applyTransfer = (db, sequence, change) -> {
            String[] t = new String(change, StandardCharsets.UTF_8).split(" ");
            long amount = Long.parseLong(t[2]);
            try (PreparedStatement move = db.prepareStatement(
                    "UPDATE account SET balance = balance + ? WHERE name = ?")) {
                move.setLong(1, -amount);
                move.setString(2, t[0]);
                move.executeUpdate();
                move.setLong(1, amount);
                move.setString(2, t[1]);
                move.executeUpdate();
            }
        };

        // The journal mode, and the tables (created at every open, so idempotent).
        SqliteNodeOptions options = NodeDefaults.options()
                .withJournalMode(JournalMode.WAL)
                .withSchema(db -> {
                    try (Statement s = db.createStatement()) {
                        s.execute("CREATE TABLE IF NOT EXISTS account (name TEXT PRIMARY KEY, balance INTEGER NOT NULL)");
                        s.execute("INSERT OR IGNORE INTO account VALUES ('alice', 100), ('bob', 0)");
                    }
                });

        // Open (this replays whatever a crash left in the WAL), commit, read.
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, dbFile, applyTransfer, options)) {
            long sequence = node.commit("alice bob 30".getBytes(StandardCharsets.UTF_8));
            // Now the change is durable in the WAL, committed in the database together with
            // `sequence`, and checkpointed out of the WAL. Had commit thrown
            // ChangeNotAppliedException, the change would be durable in the WAL and applied at the
            // next open: never commit it again.
            assertEquals(1, sequence);
            long bob = node.read(db -> balance(db, "bob"));   // reads see every returned commit
            assertEquals(30, bob);
        }

        // What a crash between the WAL append and the database commit leaves: a change the WAL
        // holds and the database does not. (Made here by appending to the WAL directly.)
        try (WriteAheadLog wal = WriteAheadLog.open(walDir)) {
            wal.append("bob alice 5".getBytes(StandardCharsets.UTF_8));
        }

        // The next open applies it, once.
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, dbFile, applyTransfer, options)) {
            assertEquals(1, node.replayedAtOpen());
            assertEquals(2, node.appliedSequence());
            long alice = node.read(db -> balance(db, "alice"));
            long bob = node.read(db -> balance(db, "bob"));
            assertEquals(75, alice);
            assertEquals(25, bob);
        }
    }

    private static long balance(java.sql.Connection db, String name) throws java.sql.SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT balance FROM account WHERE name = ?")) {
            q.setString(1, name);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }
}
