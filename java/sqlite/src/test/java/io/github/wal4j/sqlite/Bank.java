package io.github.wal4j.sqlite;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The crash tests' database: {@code accounts} accounts that start with {@link #INITIAL} each, and a
 * {@code transfers} table with one row per applied transfer. The table has no unique constraint on
 * the transfer id or the sequence number on purpose: a change applied twice shows up as two rows
 * (and as wrong balances) instead of failing, so the tests can count it.
 */
final class Bank {
    static final long INITIAL = 1_000;

    private Bank() {
    }

    /** One transfer: a unique id, two different accounts, an amount. */
    record Transfer(long id, int from, int to, long amount) {
        byte[] encode() {
            return ByteBuffer.allocate(24).putLong(id).putInt(from).putInt(to).putLong(amount).array();
        }

        static Transfer decode(byte[] change) {
            ByteBuffer b = ByteBuffer.wrap(change);
            if (change.length != 24) {
                throw new IllegalArgumentException("a transfer has 24 bytes, not " + change.length);
            }
            return new Transfer(b.getLong(), b.getInt(), b.getInt(), b.getLong());
        }

        /** "id from to amount", as the child acks it. */
        String text() {
            return id + " " + from + " " + to + " " + amount;
        }
    }

    /** Creates the tables and the accounts, idempotently (the node runs it at every open). */
    static SqliteNodeOptions.Schema schema(int accounts) {
        return db -> {
            try (Statement s = db.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS transfers (row INTEGER PRIMARY KEY, transfer_id INTEGER NOT NULL,"
                        + " from_account INTEGER NOT NULL, to_account INTEGER NOT NULL, amount INTEGER NOT NULL,"
                        + " sequence INTEGER NOT NULL)");
            }
            try (PreparedStatement insert = db.prepareStatement(
                    "INSERT OR IGNORE INTO accounts (id, balance) VALUES (?, ?)")) {
                for (int a = 0; a < accounts; a++) {
                    insert.setInt(1, a);
                    insert.setLong(2, INITIAL);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        };
    }

    /** Applies a transfer: the row, the debit, the credit. */
    static ChangeApplier applier() {
        return applier(sequence -> {
        });
    }

    /** As {@link #applier()}, calling {@code betweenDebitAndCredit} in the middle of the transaction. */
    static ChangeApplier applier(java.util.function.LongConsumer betweenDebitAndCredit) {
        return (Connection db, long sequence, byte[] change) -> {
            Transfer t = Transfer.decode(change);
            try (PreparedStatement row = db.prepareStatement("INSERT INTO transfers (transfer_id, from_account,"
                    + " to_account, amount, sequence) VALUES (?, ?, ?, ?, ?)");
                    PreparedStatement move = db.prepareStatement(
                            "UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
                row.setLong(1, t.id());
                row.setInt(2, t.from());
                row.setInt(3, t.to());
                row.setLong(4, t.amount());
                row.setLong(5, sequence);
                row.executeUpdate();
                move.setLong(1, -t.amount());
                move.setInt(2, t.from());
                if (move.executeUpdate() != 1) {
                    throw new SQLException("no account " + t.from());
                }
                betweenDebitAndCredit.accept(sequence);
                move.setLong(1, t.amount());
                move.setInt(2, t.to());
                if (move.executeUpdate() != 1) {
                    throw new SQLException("no account " + t.to());
                }
            }
        };
    }

    /** The transfer ids in the database file {@code db}, by sequence, read on a connection of the test's own. */
    static List<Long> transfers(Path db) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT transfer_id FROM transfers ORDER BY sequence")) {
            while (r.next()) {
                ids.add(r.getLong(1));
            }
        }
        return ids;
    }

    /**
     * The applied sequence in the node's {@value SqliteCommitNode#APPLIED_TABLE} row of {@code db},
     * read on a connection of the test's own; an {@link AssertionError} if there is no row.
     */
    static long appliedRow(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT sequence FROM " + SqliteCommitNode.APPLIED_TABLE)) {
            if (!r.next()) {
                throw new AssertionError("no " + SqliteCommitNode.APPLIED_TABLE + " row in " + db);
            }
            return r.getLong(1);
        }
    }
}
