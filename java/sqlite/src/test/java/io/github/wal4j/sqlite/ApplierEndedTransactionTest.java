package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An applier that ends the node's transaction with SQL, which the guarded connection cannot see
 * (found in review: {@code COMMIT; BEGIN;} run through a statement made one change appear twice
 * after a crash): the change is refused, the node stops, and every later open refuses until the
 * database is repaired, so the change is never applied a second time over its committed part.
 */
class ApplierEndedTransactionTest {
    private static final int ACCOUNTS = 4;

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    private Path walDir() {
        return tmp.resolve("wal");
    }

    private Path db() {
        return tmp.resolve("bank.db");
    }

    private static SqliteNodeOptions options(JournalMode mode) {
        return NodeDefaults.options().withSchema(Bank.schema(ACCOUNTS)).withJournalMode(mode);
    }

    private static byte[] transfer(long id) {
        return new Bank.Transfer(id, (int) (id % ACCOUNTS), (int) ((id + 1) % ACCOUNTS), 7).encode();
    }

    private long query(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getLong(1) : -1;
        }
    }

    /** An applier that applies change 2 and then runs {@code sql} (statements separated by ';'). */
    private static ChangeApplier endingOnChange2(String sql, List<Long> applyingSeenAfter, Path db) {
        return (c, sequence, change) -> {
            Bank.applier().apply(c, sequence, change);
            if (sequence == 2) {
                try (Statement s = c.createStatement()) {
                    for (String statement : sql.split(";")) {
                        s.execute(statement);
                    }
                }
                // What a crash at this instant would leave on disk, as another connection sees it.
                try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
                        Statement s = other.createStatement();
                        ResultSet r = s.executeQuery("SELECT sequence FROM " + SqliteCommitNode.APPLYING_TABLE)) {
                    applyingSeenAfter.add(r.next() ? r.getLong(1) : -1);
                }
            }
        };
    }

    @ParameterizedTest
    @EnumSource(JournalMode.class)
    void anApplierThatCommitsAndBeginsAgainIsRefusedAndTheChangeIsNeverAppliedTwice(JournalMode mode)
            throws Exception {
        List<Long> applyingAfterCommit = new ArrayList<>();
        ChangeApplier applier = endingOnChange2("COMMIT;BEGIN", applyingAfterCommit, db());
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir(), db(), applier, options(mode))) {
            node.commit(transfer(1));
            ApplierEndedTransactionException refused = assertThrows(ApplierEndedTransactionException.class,
                    () -> node.commit(transfer(2)));
            assertEquals(2, refused.sequence());
            assertTrue(refused.getMessage().contains("committed by SQL such as COMMIT"), refused.getMessage());
            assertThrows(NodeStoppedException.class, () -> node.commit(transfer(3)), "the node stopped");
        }
        // Had the process died right after the applier's COMMIT, this is what the disk held: the row
        // that makes every later open refuse was committed with the applier's part of change 2.
        assertEquals(List.of(2L), applyingAfterCommit);
        assertEquals(2, query("SELECT count(*) FROM transfers"), "change 2's committed part is in the database once");
        assertEquals(1, query("SELECT sequence FROM " + SqliteCommitNode.APPLIED_TABLE));

        for (int open = 0; open < 2; open++) {
            ApplierEndedTransactionException atOpen = assertThrows(ApplierEndedTransactionException.class,
                    () -> SqliteCommitNode.open(walDir(), db(), Bank.applier(), options(mode)));
            assertEquals(2, atOpen.sequence());
            assertTrue(atOpen.getMessage().contains("nothing was changed"), atOpen.getMessage());
            assertEquals(2, query("SELECT count(*) FROM transfers"), "the refused open applied nothing again");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ROLLBACK", "END;BEGIN", "ROLLBACK;BEGIN"})
    void anyEndOfTheTransactionBySqlIsRefused(String sql) throws Exception {
        ChangeApplier applier = endingOnChange2(sql, new ArrayList<>(), db());
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir(), db(), applier, options(JournalMode.WAL))) {
            node.commit(transfer(1));
            assertEquals(2, assertThrows(ApplierEndedTransactionException.class, () -> node.commit(transfer(2)))
                    .sequence());
        }
        assertEquals(2, query("SELECT sequence FROM " + SqliteCommitNode.APPLYING_TABLE));
        assertThrows(ApplierEndedTransactionException.class,
                () -> SqliteCommitNode.open(walDir(), db(), Bank.applier(), options(JournalMode.WAL)));
    }

    @ParameterizedTest
    @EnumSource(JournalMode.class)
    void aRepairedDatabaseOpensAndTheChangeIsAppliedOnce(JournalMode mode) throws Exception {
        ChangeApplier applier = endingOnChange2("ROLLBACK;BEGIN", new ArrayList<>(), db());
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir(), db(), applier, options(mode))) {
            node.commit(transfer(1));
            assertThrows(ApplierEndedTransactionException.class, () -> node.commit(transfer(2)));
        }
        // The applier's ROLLBACK undid its part of change 2: the repair is to say so.
        assertEquals(1, query("SELECT count(*) FROM transfers"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db()); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE " + SqliteCommitNode.APPLYING_TABLE + " SET sequence = 0");
        }
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir(), db(), Bank.applier(), options(mode))) {
            assertEquals(2, node.appliedSequence(), "change 2, durable in the WAL, was applied at open");
        }
        assertEquals(2, query("SELECT count(*) FROM transfers"));
        assertEquals(0, query("SELECT sequence FROM " + SqliteCommitNode.APPLYING_TABLE));
    }
}
