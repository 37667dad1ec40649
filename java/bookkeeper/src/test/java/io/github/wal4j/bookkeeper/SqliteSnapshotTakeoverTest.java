package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.sqlite.CommitListener;
import io.github.wal4j.sqlite.LogCheckpointedPastDatabaseException;
import io.github.wal4j.sqlite.SqliteCheckpointPolicy;
import io.github.wal4j.sqlite.SqliteCommitNode;
import io.github.wal4j.sqlite.SqliteNodeOptions;
import io.github.wal4j.testing.AckWriter;
import io.github.wal4j.testing.internal.ChildSupport;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.testing.internal.Seeds;
import io.github.wal4j.testing.internal.SnapshotKillScenario;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated SQLite node taking over from a snapshot: node A commits on a BookKeeper log, takes
 * a snapshot of its database ({@link SqliteCommitNode#snapshot}) after a seeded number of
 * acknowledgements, goes on, and dies (SIGKILL of its JVM at a seeded point); node B, on machine B
 * with its own database file restored from the snapshot, opens the same log, which fences A,
 * replays the changes after the snapshot's sequence, and holds every change A acknowledged exactly
 * once. With {@link SqliteCheckpointPolicy#withSnapshotRetention} the log keeps those changes; without
 * it A checkpointed them away and B's open refuses ({@link LogCheckpointedPastDatabaseException}).
 * A node whose log was fenced by B's takeover cannot commit.
 */
class SqliteSnapshotTakeoverTest {
    @RegisterExtension
    static final BookKeeperCluster cluster = BookKeeperCluster.of(3);

    @TempDir
    Path dir;

    /** The failover test's schema and applier, checkpointing every 8 changes. */
    static SqliteNodeOptions nodeOptions(boolean retention) {
        return SqliteFailoverTest.nodeOptions()
                .withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(8).withSnapshotRetention(retention));
    }

    /**
     * Node A of the {@link SnapshotKillScenario}. Arguments: ZooKeeper, log path, database, ack
     * file, snapshot file, acks before the snapshot, the scenario's retention argument. Ack lines:
     * {@code open epoch}, then the scenario's.
     */
    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(120);
        AckWriter ack = new AckWriter(Path.of(args[3]));
        Path snapshot = Path.of(args[4]);
        CommitListener listener = new CommitListener() {
            @Override
            public void checkpointed(long sequence) {
                SnapshotKillScenario.ackCheckpoint(ack, sequence);
            }
        };
        BookKeeperLog log = BookKeeperLog.open(SqliteFailoverTest.logOptions(args[0], args[1]));
        SqliteCommitNode node = SqliteCommitNode.open(log, Path.of(args[2]), SqliteFailoverTest.APPLIER,
                nodeOptions(SnapshotKillScenario.retention(args[6])).withListener(listener));
        ack.line("open " + log.epoch());
        SnapshotKillScenario.commitAndSnapshot(ack, node::commit, () -> node.snapshot(snapshot),
                Integer.parseInt(args[5]));
    }

    /** What a killed node A left. */
    record Run(Map<Long, String> acked, long snapshotAt, Path snapshot, BookKeeperLogOptions log, String context) {
    }

    /** Runs node A on a BookKeeper log through the {@link SnapshotKillScenario} until it is killed. */
    private Run runNodeA(String name, boolean retention, Random random, long seed) throws Exception {
        SnapshotKillScenario scenario = SnapshotKillScenario.draw(name, retention, random, seed);
        BookKeeperLogOptions o = SqliteFailoverTest.logOptions(cluster.zooKeeper(),
                "/wal4j-test/sqlite-snapshot-" + name + "-" + seed);
        Path snapshot = dir.resolve(name + "-snapshot.db");
        Path ackFile = dir.resolve(name + "-acks");
        SnapshotKillScenario.Outcome outcome;
        try (CrashJvm a = CrashJvm.start(SqliteSnapshotTakeoverTest.class, dir, name + "-node-a", cluster.zooKeeper(),
                o.logPath(), dir.resolve(name + "-a.db").toString(), ackFile.toString(), snapshot.toString(),
                Integer.toString(scenario.snapshotAfter()), scenario.retentionArgument())) {
            outcome = scenario.killAndRead(a, ackFile);
        }
        return new Run(outcome.acked(), outcome.snapshotAt(), snapshot, o, outcome.context());
    }

    @Test
    void aNodeRestoredFromASnapshotTakesOverAKilledNodesLogWithEveryAcknowledgedChangeOnce() throws Exception {
        long seed = Seeds.seed("SqliteSnapshotTakeoverTest.retained");
        Run a = runNodeA("retained", true, new Random(seed), seed);
        // Machine B: its own database file, restored from A's snapshot.
        Path b = dir.resolve("retained-b.db");
        Files.copy(a.snapshot(), b);
        BookKeeperLog log = BookKeeperLog.open(a.log());
        try (SqliteCommitNode node = SqliteCommitNode.open(log, b, SqliteFailoverTest.APPLIER, nodeOptions(true))) {
            assertEquals(log.lastSequence(), node.appliedSequence(), a.context());
            assertEquals(node.appliedSequence() - a.snapshotAt(), node.replayedAtOpen(),
                    a.context() + ": B replays exactly the changes after the snapshot");
            assertEveryAcknowledgedChangeOnce(node, a.acked(), a.context());
            assertEquals(a.snapshotAt(), node.checkpointSequence(), a.context() + ": B keeps the log from its snapshot");
            assertEquals(log.lastSequence() + 1, node.commit("b-first".getBytes(StandardCharsets.UTF_8)), a.context());
        }
    }

    @Test
    void aSnapshotOlderThanTheLogsCheckpointIsRefused() throws Exception {
        long seed = Seeds.seed("SqliteSnapshotTakeoverTest.refused");
        Run a = runNodeA("refused", false, new Random(seed), seed);
        Path b = dir.resolve("refused-b.db");
        Files.copy(a.snapshot(), b);
        LogCheckpointedPastDatabaseException refused = assertThrows(LogCheckpointedPastDatabaseException.class,
                () -> SqliteCommitNode.open(BookKeeperLog.open(a.log()), b, SqliteFailoverTest.APPLIER,
                        nodeOptions(false)).close(), a.context());
        System.out.println("[wal4j] SqliteSnapshotTakeoverTest (" + a.context() + "): refused as it must: " + refused);
        assertEquals(a.snapshotAt(), refused.databaseApplied(), a.context());
        assertTrue(refused.logCheckpoint() > a.snapshotAt(), a.context() + ": " + refused.logCheckpoint());
    }

    @Test
    void aNodeWhoseLogWasTakenOverFromASnapshotCannotCommit() throws Exception {
        BookKeeperLogOptions o = SqliteFailoverTest.logOptions(cluster.zooKeeper(), "/wal4j-test/sqlite-snapshot-stale");
        SqliteCommitNode a = SqliteCommitNode.open(BookKeeperLog.open(o), dir.resolve("a.db"),
                SqliteFailoverTest.APPLIER, nodeOptions(true));
        Map<Long, String> committed = new HashMap<>();
        try {
            for (int i = 0; i < 150; i++) {
                String body = "a-" + i;
                committed.put(a.commit(body.getBytes(StandardCharsets.UTF_8)), body);
                if (i == 99) {
                    assertEquals(100, a.snapshot(dir.resolve("snapshot.db")));
                }
            }
            assertEquals(100, a.checkpointSequence(), "retention stops the checkpoint at the snapshot");
            Path b = dir.resolve("b.db");
            Files.copy(dir.resolve("snapshot.db"), b);
            try (SqliteCommitNode node = SqliteCommitNode.open(BookKeeperLog.open(o), b, SqliteFailoverTest.APPLIER,
                    nodeOptions(true))) {
                assertEquals(50, node.replayedAtOpen());
                SqliteFailoverTest.assertCommitFenced(a);
                assertEveryAcknowledgedChangeOnce(node, committed, "in-process takeover");
                assertEquals(151, node.commit("b-first".getBytes(StandardCharsets.UTF_8)));
            }
        } finally {
            SqliteFailoverTest.closeFenced(a);
        }
    }

    /** The {@link SnapshotKillScenario}'s check on B's {@code events} rows. */
    private static void assertEveryAcknowledgedChangeOnce(SqliteCommitNode node, Map<Long, String> acked,
            String context) throws Exception {
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
}
