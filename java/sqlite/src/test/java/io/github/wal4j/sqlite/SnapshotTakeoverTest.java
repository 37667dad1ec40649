package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.AckWriter;
import io.github.wal4j.testing.internal.ChildSupport;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.testing.internal.Seeds;
import io.github.wal4j.testing.internal.SnapshotKillScenario;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restored from a snapshot takes over a local log: node A (a child JVM) commits from four
 * threads, takes a snapshot ({@link SqliteCommitNode#snapshot}) after a seeded number of
 * acknowledgements, goes on committing and is killed with SIGKILL at a seeded point. Node B opens
 * a copy of the snapshot as its database over A's log.
 * <ul>
 *   <li>With {@link SqliteCheckpointPolicy#withSnapshotRetention} on A, the log was checkpointed up to
 *       the snapshot and no further; B replays exactly the changes after the snapshot's sequence,
 *       and holds every change A acknowledged exactly once, then commits on.</li>
 *   <li>Without it, A checkpointed the log past the snapshot: B's open refuses with
 *       {@link LogCheckpointedPastDatabaseException} and changes nothing (A's own database still
 *       opens on the log).</li>
 * </ul>
 * The seed is printed; {@code -Dwal4j.seed=N} repeats a run.
 */
class SnapshotTakeoverTest {
    /** Inserts the change's text with its sequence into {@code events}. */
    static final ChangeApplier APPLIER = (db, seq, change) -> {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO events (seq, body) VALUES (?, ?)")) {
            insert.setLong(1, seq);
            insert.setString(2, new String(change, StandardCharsets.UTF_8));
            insert.executeUpdate();
        }
    };

    @TempDir
    Path dir;

    static SqliteNodeOptions options(boolean retention) {
        return NodeDefaults.options()
                .withSchema(db -> db.createStatement().execute(
                        "CREATE TABLE IF NOT EXISTS events (seq INTEGER NOT NULL, body TEXT NOT NULL)"))
                .withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(8).withSnapshotRetention(retention));
    }

    /**
     * Node A of the {@link SnapshotKillScenario}. Arguments: WAL directory, database, ack file,
     * snapshot file, acks before the snapshot, the scenario's retention argument, sqlite-jdbc's
     * temporary directory. Ack lines: {@code open}, then the scenario's.
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.sqlite.tmpdir", args[6]);
        ChildSupport.watchdog(120);
        AckWriter ack = new AckWriter(Path.of(args[2]));
        Path snapshot = Path.of(args[3]);
        CommitListener listener = new CommitListener() {
            @Override
            public void checkpointed(long sequence) {
                SnapshotKillScenario.ackCheckpoint(ack, sequence);
            }
        };
        SqliteCommitNode node = SqliteCommitNode.open(Path.of(args[0]), Path.of(args[1]), APPLIER,
                options(SnapshotKillScenario.retention(args[5])).withListener(listener));
        ack.line("open");
        SnapshotKillScenario.commitAndSnapshot(ack, node::commit, () -> node.snapshot(snapshot),
                Integer.parseInt(args[4]));
    }

    /** What a killed node A left: its acknowledged changes and its snapshot's sequence. */
    record Run(Map<Long, String> acked, long snapshotAt, Path snapshot, Path walDir, Path database, String context) {
    }

    /** Runs node A on a local log through the {@link SnapshotKillScenario} until it is killed. */
    private Run runNodeA(String name, boolean retention, Random random, long seed) throws Exception {
        SnapshotKillScenario scenario = SnapshotKillScenario.draw(name, retention, random, seed);
        Path walDir = Files.createDirectories(dir.resolve(name + "-wal"));
        Path database = dir.resolve(name + "-a.db");
        Path snapshot = dir.resolve(name + "-snapshot.db");
        Path ackFile = dir.resolve(name + "-acks");
        Path sqliteTmp = Files.createDirectories(dir.resolve("sqlite-tmp"));
        SnapshotKillScenario.Outcome outcome;
        try (CrashJvm a = CrashJvm.start(SnapshotTakeoverTest.class, dir, name + "-node-a", walDir.toString(),
                database.toString(), ackFile.toString(), snapshot.toString(),
                Integer.toString(scenario.snapshotAfter()), scenario.retentionArgument(), sqliteTmp.toString())) {
            outcome = scenario.killAndRead(a, ackFile);
        }
        return new Run(outcome.acked(), outcome.snapshotAt(), snapshot, walDir, database, outcome.context());
    }

    @Test
    void aNodeRestoredFromASnapshotTakesOverAKilledNodesLogWithEveryAcknowledgedChangeOnce() throws Exception {
        long seed = Seeds.seed("SnapshotTakeoverTest.retained");
        Random random = new Random(seed);
        for (int round = 0; round < 2; round++) {
            Run a = runNodeA("retained-" + round, true, random, seed);
            Map<Long, String> inSnapshot = rows(a.snapshot());
            assertEquals(a.snapshotAt(), inSnapshot.size(), a.context() + ": the snapshot holds changes 1..S");
            for (long s = 1; s <= a.snapshotAt(); s++) {
                assertTrue(inSnapshot.containsKey(s), a.context() + ": change " + s + " missing from the snapshot");
            }
            // Machine B: its own database file, restored from the snapshot.
            Path b = dir.resolve("retained-" + round + "-b.db");
            Files.copy(a.snapshot(), b);
            try (SqliteCommitNode node = SqliteCommitNode.open(a.walDir(), b, APPLIER, options(true))) {
                long last = node.appliedSequence();
                assertEquals(last - a.snapshotAt(), node.replayedAtOpen(),
                        a.context() + ": B replays exactly the changes after the snapshot");
                assertEveryAcknowledgedChangeOnce(node, a.acked(), a.context());
                assertEquals(a.snapshotAt(), node.checkpointSequence(),
                        a.context() + ": B keeps the log from its snapshot too");
                assertEquals(last + 1, node.commit("b-first".getBytes(StandardCharsets.UTF_8)), a.context());
            }
        }
    }

    @Test
    void aSnapshotOlderThanTheLogsCheckpointIsRefusedAndChangesNothing() throws Exception {
        long seed = Seeds.seed("SnapshotTakeoverTest.refused");
        Run a = runNodeA("refused", false, new Random(seed), seed);
        Path b = dir.resolve("refused-b.db");
        Files.copy(a.snapshot(), b);
        long checkpoint;
        long last;
        try (WriteAheadLog wal = WriteAheadLog.open(a.walDir())) {
            checkpoint = wal.checkpointSequence();
            last = wal.lastSequence();
        }
        assertTrue(checkpoint > a.snapshotAt(), a.context() + ": the log was checkpointed past the snapshot");
        LogCheckpointedPastDatabaseException refused = assertThrows(LogCheckpointedPastDatabaseException.class,
                () -> SqliteCommitNode.open(a.walDir(), b, APPLIER, options(false)).close(), a.context());
        System.out.println("[wal4j] SnapshotTakeoverTest (" + a.context() + "): refused as it must: " + refused);
        assertEquals(a.snapshotAt(), refused.databaseApplied(), a.context());
        assertEquals(checkpoint, refused.logCheckpoint(), a.context());
        assertEquals(a.snapshotAt(), rows(b).size(), a.context() + ": the refused database is unchanged");
        try (WriteAheadLog wal = WriteAheadLog.open(a.walDir())) {
            assertEquals(checkpoint, wal.checkpointSequence(), a.context() + ": the log is unchanged");
            assertEquals(last, wal.lastSequence(), a.context() + ": the log is unchanged");
        }
        // The database the log belongs to still takes over.
        try (SqliteCommitNode node = SqliteCommitNode.open(a.walDir(), a.database(), APPLIER, options(false))) {
            assertEveryAcknowledgedChangeOnce(node, a.acked(), a.context());
        }
    }

    /** A snapshot of an open node holds exactly its applied changes; the node records it, and goes on. */
    @Test
    void aSnapshotHoldsTheAppliedChangesAndIsRecorded() throws Exception {
        Path walDir = Files.createDirectories(dir.resolve("wal"));
        Path snapshot = dir.resolve("snap.db");
        Files.writeString(DatabaseSnapshot.temporaryFor(snapshot), "a crashed snapshot's leftover");
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, dir.resolve("a.db"), APPLIER, options(true))) {
            for (int i = 0; i < 30; i++) {
                node.commit(("c-" + i).getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(0, node.checkpointSequence(), "retention without a snapshot keeps the whole log");
            assertEquals(30, node.snapshot(snapshot));
            assertFalse(Files.exists(DatabaseSnapshot.temporaryFor(snapshot)));
            assertFalse(Files.exists(dir.resolve("snap.db-wal")), "the copy is whole without a -wal");
            try (Connection c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + snapshot, new Properties());
                    Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA journal_mode")) {
                r.next();
                assertEquals("delete", r.getString(1));
            }
            assertEquals(30, rows(snapshot).size());
            assertEquals(30, table(snapshot, SqliteCommitNode.SNAPSHOT_TABLE));
            node.commit("c-30".getBytes(StandardCharsets.UTF_8));
            assertEquals(30L, (long) node.read(db -> {
                try (ResultSet r = db.createStatement().executeQuery(
                        "SELECT sequence FROM " + SqliteCommitNode.SNAPSHOT_TABLE)) {
                    r.next();
                    return r.getLong(1);
                }
            }));
            assertThrows(IllegalArgumentException.class, () -> node.snapshot(node.databaseFile()));
        }
        // After a restart the bound still holds: the close's checkpoint stops at the snapshot.
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, dir.resolve("a.db"), APPLIER, options(true))) {
            assertEquals(30, node.checkpointSequence());
            assertEquals(31, node.appliedSequence());
            assertEquals(31, node.snapshot(snapshot), "a second snapshot replaces the first");
            node.commit("c-31".getBytes(StandardCharsets.UTF_8));
        }
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, dir.resolve("a.db"), APPLIER, options(true))) {
            assertEquals(31, node.checkpointSequence());
        }
        SqliteCommitNode closed = SqliteCommitNode.open(walDir, dir.resolve("a.db"), APPLIER, options(true));
        closed.close();
        assertThrows(io.github.wal4j.WalClosedException.class, () -> closed.snapshot(dir.resolve("late.db")));
    }

    /**
     * Snapshots taken while four threads commit, in both journal modes: each holds exactly the
     * changes 1..S it reports, each once (one read transaction), and opens as a node's database.
     */
    @Test
    void snapshotsTakenWhileCommitsGoOnAreEachOneConsistentState() throws Exception {
        for (JournalMode mode : JournalMode.values()) {
            Path walDir = Files.createDirectories(dir.resolve("busy-wal-" + mode));
            SqliteNodeOptions o = options(true).withJournalMode(mode);
            List<Long> taken = new ArrayList<>();
            try (SqliteCommitNode node = SqliteCommitNode.open(walDir, dir.resolve("busy-" + mode + ".db"), APPLIER, o)) {
                AtomicLong next = new AtomicLong();
                List<Thread> threads = new ArrayList<>();
                List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
                for (int t = 0; t < 4; t++) {
                    Thread thread = new Thread(() -> {
                        try {
                            for (int i = 0; i < 150; i++) {
                                node.commit(("busy-" + next.getAndIncrement()).getBytes(StandardCharsets.UTF_8));
                            }
                        } catch (IOException | RuntimeException e) {
                            failures.add(e);
                        }
                    });
                    thread.start();
                    threads.add(thread);
                }
                for (int i = 0; i < 5; i++) {
                    Path snapshot = dir.resolve("busy-" + mode + "-" + i + ".db");
                    long s = node.snapshot(snapshot);
                    taken.add(s);
                    Map<Long, String> rows = rows(snapshot);
                    assertEquals(s, rows.size(), mode + ": snapshot " + i + " at " + s);
                    assertEquals(s, table(snapshot, SqliteCommitNode.APPLIED_TABLE), mode + ": snapshot " + i);
                    for (long q = 1; q <= s; q++) {
                        assertTrue(rows.containsKey(q), mode + ": change " + q + " missing from snapshot at " + s);
                    }
                    assertEquals(s, new java.util.HashSet<>(rows.values()).size(), mode + ": a change twice");
                }
                for (Thread thread : threads) {
                    thread.join();
                }
                assertEquals(List.of(), failures, mode + ": commits beside the snapshots");
                assertEquals(600, node.appliedSequence(), mode.toString());
            }
            long newest = taken.get(taken.size() - 1);
            // The newest snapshot takes the log over; its own sequence is its retention bound.
            Path b = dir.resolve("busy-" + mode + "-b.db");
            Files.copy(dir.resolve("busy-" + mode + "-4.db"), b);
            try (SqliteCommitNode node = SqliteCommitNode.open(walDir, b, APPLIER, o)) {
                assertEquals(600 - newest, node.replayedAtOpen(), mode + ": snapshots at " + taken);
                assertEquals(600, rows(b).size(), mode.toString());
                assertEquals(newest, node.checkpointSequence(), mode.toString());
            }
        }
    }

    static void assertEveryAcknowledgedChangeOnce(SqliteCommitNode node, Map<Long, String> acked, String context)
            throws SQLException {
        List<String[]> all = node.read(db -> {
            List<String[]> out = new ArrayList<>();
            try (ResultSet rs = db.createStatement().executeQuery("SELECT seq, body FROM events ORDER BY seq")) {
                while (rs.next()) {
                    out.add(new String[] {Long.toString(rs.getLong(1)), rs.getString(2)});
                }
            }
            return out;
        });
        SnapshotKillScenario.assertEveryAcknowledgedChangeOnce(all, node.appliedSequence(), acked, context);
    }

    /** The rows of {@code events} in a database file, by sequence. */
    static Map<Long, String> rows(Path db) throws SQLException {
        try (Connection c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + db, new Properties());
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT seq, body FROM events")) {
            Map<Long, String> out = new HashMap<>();
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(2));
            }
            return out;
        }
    }

    private static long table(Path db, String table) throws SQLException {
        try (Connection c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + db, new Properties());
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT sequence FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
