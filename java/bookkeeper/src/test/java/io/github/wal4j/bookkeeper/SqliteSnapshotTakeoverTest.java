package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.sqlite.CommitListener;
import io.github.wal4j.sqlite.LogCheckpointedPastDatabaseException;
import io.github.wal4j.sqlite.SqliteCheckpointPolicy;
import io.github.wal4j.sqlite.SqliteCommitNode;
import io.github.wal4j.sqlite.SqliteNodeOptions;
import io.github.wal4j.testing.AckWriter;
import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.internal.ChildSupport;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
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
     * Node A. Arguments: ZooKeeper, log path, database, ack file, snapshot file, acks before the
     * snapshot, {@code keep} for snapshot retention ({@code no} otherwise). Ack lines: {@code open
     * epoch}, {@code ack seq body} per commit that returned, {@code snapshot S} once the snapshot is
     * durable, {@code checkpointed C} per checkpoint of the log.
     */
    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(120);
        AckWriter ack = new AckWriter(Path.of(args[3]));
        Path snapshot = Path.of(args[4]);
        int snapshotAfter = Integer.parseInt(args[5]);
        CommitListener listener = new CommitListener() {
            @Override
            public void checkpointed(long sequence) {
                try {
                    ack.line("checkpointed " + sequence);
                } catch (IOException e) {
                    ChildSupport.bad(ack, "ack line", e);
                }
            }
        };
        BookKeeperLog log = BookKeeperLog.open(SqliteFailoverTest.logOptions(args[0], args[1]));
        SqliteCommitNode node = SqliteCommitNode.open(log, Path.of(args[2]), SqliteFailoverTest.APPLIER,
                nodeOptions(args[6].equals("keep")).withListener(listener));
        ack.line("open " + log.epoch());
        AtomicLong next = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        for (int t = 0; t < 4; t++) {
            new Thread(() -> {
                while (true) {
                    String body = "change-" + next.getAndIncrement();
                    try {
                        long seq = node.commit(body.getBytes(StandardCharsets.UTF_8));
                        ack.line("ack " + seq + " " + body);
                        acked.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        ChildSupport.bad(ack, "commit of " + body + " failed", e);
                    }
                }
            }, "committer-" + t).start();
        }
        while (acked.get() < snapshotAfter) {
            Thread.sleep(1);
        }
        try {
            ack.line("snapshot " + node.snapshot(snapshot));
        } catch (IOException | RuntimeException e) {
            ChildSupport.bad(ack, "snapshot failed", e);
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    /** What a killed node A left. */
    record Run(Map<Long, String> acked, long snapshotAt, Path snapshot, BookKeeperLogOptions log, String context) {
    }

    /**
     * Runs node A until its snapshot is durable, the log's checkpoint is reported at or past the
     * snapshot's sequence (checked below: with retention never past it), and a seeded number of
     * acknowledgements more arrived, then kills it with SIGKILL.
     */
    private Run runNodeA(String name, boolean retention, Random random, long seed) throws Exception {
        int snapshotAfter = 20 + random.nextInt(200);
        int extra = 20 + random.nextInt(300);
        String context = "seed " + seed + ", " + name + ": snapshot after " + snapshotAfter + " acks, kill "
                + extra + " acks after the snapshot and the checkpoint";
        BookKeeperLogOptions o = SqliteFailoverTest.logOptions(cluster.zooKeeper(),
                "/wal4j-test/sqlite-snapshot-" + name + "-" + seed);
        Path snapshot = dir.resolve(name + "-snapshot.db");
        Path ackFile = dir.resolve(name + "-acks");
        AckFile acks = new AckFile(ackFile);
        try (CrashJvm a = CrashJvm.start(SqliteSnapshotTakeoverTest.class, dir, name + "-node-a", cluster.zooKeeper(),
                o.logPath(), dir.resolve(name + "-a.db").toString(), ackFile.toString(), snapshot.toString(),
                Integer.toString(snapshotAfter), retention ? "keep" : "no")) {
            long[] snapshotAt = {-1};
            int[] ackedAtCheckpoint = {-1};
            acks.awaitLines(a, lines -> {
                int count = 0;
                for (String line : lines) {
                    String[] w = line.split(" ");
                    if (w[0].equals("ack")) {
                        count++;
                    } else if (w[0].equals("snapshot")) {
                        snapshotAt[0] = Long.parseLong(w[1]);
                    } else if (w[0].equals("checkpointed") && snapshotAt[0] >= 0 && ackedAtCheckpoint[0] < 0) {
                        long c = Long.parseLong(w[1]);
                        if (retention ? c >= snapshotAt[0] : c > snapshotAt[0]) {
                            ackedAtCheckpoint[0] = count;
                        }
                    }
                }
                return ackedAtCheckpoint[0] >= 0 && count >= ackedAtCheckpoint[0] + extra;
            }, 90_000, context);
            a.kill();
        }
        Map<Long, String> acked = new HashMap<>();
        long snapshotAt = -1;
        for (String line : AckFile.readAll(ackFile)) {
            assertFalse(line.startsWith("BAD"), context + ": " + line);
            String[] w = line.split(" ");
            if (w[0].equals("ack")) {
                assertEquals(null, acked.put(Long.parseLong(w[1]), w[2]), context + ": sequence acknowledged twice");
            } else if (w[0].equals("snapshot")) {
                snapshotAt = Long.parseLong(w[1]);
            } else if (w[0].equals("checkpointed") && retention && snapshotAt >= 0) {
                assertTrue(Long.parseLong(w[1]) <= snapshotAt, context + ": with snapshot retention the log was "
                        + line + ", past the snapshot at " + snapshotAt);
            }
        }
        assertTrue(snapshotAt > 0 && snapshotAt < acked.size(), context + ": snapshot at " + snapshotAt + " of "
                + acked.size() + " acknowledged changes");
        return new Run(acked, snapshotAt, snapshot, o, context + ", snapshot at " + snapshotAt);
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
                IOException refused = assertThrows(IOException.class,
                        () -> a.commit("a-late".getBytes(StandardCharsets.UTF_8)));
                assertTrue(causedBy(refused, WalFencedException.class), "A's commit failed with " + refused);
                assertEveryAcknowledgedChangeOnce(node, committed, "in-process takeover");
                assertEquals(151, node.commit("b-first".getBytes(StandardCharsets.UTF_8)));
            }
        } finally {
            try {
                a.close();
            } catch (IOException expected) {
                // A's log was fenced: its close reports that.
            }
        }
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** Every acknowledged change once, nothing else twice, and the rows' sequences exactly 1..applied. */
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
        Map<String, Integer> bodies = new HashMap<>();
        for (String[] row : all) {
            bodies.merge(row[1], 1, Integer::sum);
        }
        for (Map.Entry<Long, String> e : acked.entrySet()) {
            assertEquals(1, bodies.getOrDefault(e.getValue(), 0), context + ": acknowledged change " + e.getValue()
                    + " (sequence " + e.getKey() + ") in B's database");
        }
        for (Map.Entry<String, Integer> e : bodies.entrySet()) {
            assertEquals(1, e.getValue(), context + ": " + e.getKey() + " applied more than once");
        }
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i + 1, Long.parseLong(all.get(i)[0]), context + ": the rows' sequences are 1..applied");
        }
        assertEquals(node.appliedSequence(), all.size(), context);
    }
}
