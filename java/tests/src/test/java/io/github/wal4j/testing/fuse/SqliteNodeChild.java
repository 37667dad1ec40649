package io.github.wal4j.testing.fuse;

import io.github.wal4j.sqlite.ChangeApplier;
import io.github.wal4j.sqlite.JournalMode;
import io.github.wal4j.sqlite.SqliteCheckpointPolicy;
import io.github.wal4j.sqlite.SqliteCommitNode;
import io.github.wal4j.sqlite.SqliteNodeOptions;
import io.github.wal4j.testing.AckWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Statement;

/**
 * A child for {@link SqliteNodeUnderPowerCutTest}: three threads commit items through one
 * {@link SqliteCommitNode} (its WAL and its SQLite database both on the power-cut file system, so
 * SQLite's own I/O is cut too), each acknowledged with {@code ACK <sequence> <item>} once
 * {@code commit} returned, until it is killed. Items are {@code <tag>-<thread>-<i>}, the tag being
 * the ack file's name.
 *
 * <p>args: ackFile, workDirectory, journal mode (WAL or DELETE), checkpoint every N changes.
 */
public final class SqliteNodeChild {
    private SqliteNodeChild() {
    }

    static SqliteNodeOptions options(JournalMode mode, long checkpointEvery) {
        SqliteNodeOptions.Schema schema = c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS items (row INTEGER PRIMARY KEY, item TEXT NOT NULL,"
                        + " sequence INTEGER NOT NULL)");
            }
        };
        return SqliteNodeOptions.defaults().withJournalMode(mode).withSchema(schema)
                .withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(checkpointEvery));
    }

    /** Inserts the item with its sequence; no unique constraint, so a change applied twice shows. */
    static ChangeApplier applier() {
        return (connection, sequence, change) -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO items (item, sequence) VALUES (?, ?)")) {
                insert.setString(1, new String(change, StandardCharsets.US_ASCII));
                insert.setLong(2, sequence);
                insert.executeUpdate();
            }
        };
    }

    public static void main(String[] args) throws Exception {
        AckWriter ack = new AckWriter(Path.of(args[0]));
        Path work = Path.of(args[1]);
        String tag = Path.of(args[0]).getFileName().toString().replace(".ack", "");
        SqliteNodeOptions options = options(JournalMode.valueOf(args[2]), Long.parseLong(args[3]));
        SqliteCommitNode node = SqliteCommitNode.open(work.resolve("wal"), work.resolve("items.db"), applier(), options);
        ack.line("INFO opened at " + node.appliedSequence() + ", replayed " + node.replayedAtOpen());
        for (int t = 0; t < 3; t++) {
            String prefix = tag + "-" + t;
            new Thread(() -> {
                try {
                    for (long i = 1; ; i++) {
                        String item = prefix + "-" + i;
                        long sequence = node.commit(item.getBytes(StandardCharsets.US_ASCII));
                        ack.line("ACK " + sequence + " " + item);
                    }
                } catch (Exception e) {
                    try {
                        ack.line("BAD " + e);
                    } catch (Exception ignored) {
                        // the round then times out and shows the output
                    }
                }
            }).start();
        }
    }
}
