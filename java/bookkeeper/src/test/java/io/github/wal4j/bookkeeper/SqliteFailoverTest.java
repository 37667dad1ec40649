package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.sqlite.ChangeApplier;
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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated SQLite node: node A commits on a BookKeeper log and dies (SIGKILL of its JVM at a
 * seeded point); node B, on another database file that starts empty, opens the same log, which
 * fences A, replays, and holds every change A acknowledged exactly once. A node that comes back
 * after B took over cannot commit.
 */
class SqliteFailoverTest {
    @RegisterExtension
    static final BookKeeperCluster cluster = BookKeeperCluster.of(3);

    @TempDir
    Path dir;

    /** Inserts the change's text into {@code events}. */
    static final ChangeApplier APPLIER = (db, seq, change) -> {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO events (seq, body) VALUES (?, ?)")) {
            insert.setLong(1, seq);
            insert.setString(2, new String(change, StandardCharsets.UTF_8));
            insert.executeUpdate();
        }
    };

    /**
     * The node never checkpoints the log: a node with an empty database can then rebuild it from
     * the log (a database restored from a snapshot could take over a checkpointed log instead).
     */
    static SqliteNodeOptions nodeOptions() {
        return SqliteNodeOptions.defaults()
                .withSchema(db -> db.createStatement().execute(
                        "CREATE TABLE IF NOT EXISTS events (seq INTEGER NOT NULL, body TEXT NOT NULL)"))
                .withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(Long.MAX_VALUE)
                        .withBytes(Long.MAX_VALUE).withInterval(Duration.ofDays(1)));
    }

    static BookKeeperLogOptions logOptions(String zk, String path) {
        return BookKeeperLogOptions.of(zk, path).withRoll(32 * 1024, Duration.ofMinutes(10));
    }

    /** Every body in B's database with how often it is there. */
    private static Map<String, Integer> bodies(SqliteCommitNode node) throws Exception {
        return node.read(db -> {
            Map<String, Integer> out = new HashMap<>();
            try (ResultSet rs = db.createStatement().executeQuery("SELECT body FROM events")) {
                while (rs.next()) {
                    out.merge(rs.getString(1), 1, Integer::sum);
                }
            }
            return out;
        });
    }

    /** Node A: commits from 4 threads until killed, one ack line per commit that returned. */
    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(120);
        AckWriter ack = new AckWriter(Path.of(args[3]));
        BookKeeperLog log = BookKeeperLog.open(logOptions(args[0], args[1]));
        SqliteCommitNode node = SqliteCommitNode.open(log, Path.of(args[2]), APPLIER, nodeOptions());
        ack.line("open " + log.epoch());
        AtomicLong next = new AtomicLong();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                while (true) {
                    String body = "change-" + next.getAndIncrement();
                    try {
                        long seq = node.commit(body.getBytes(StandardCharsets.UTF_8));
                        ack.line("ack " + seq + " " + body);
                    } catch (IOException | RuntimeException e) {
                        ChildSupport.bad(ack, "commit of " + body + " failed", e);
                        Runtime.getRuntime().halt(3);
                    }
                }
            }, "committer-" + t);
            thread.start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    @Test
    void aNodeOnAnEmptyDatabaseTakesOverAKilledNodesLogWithEveryAcknowledgedChangeOnce() throws Exception {
        long seed = Seeds.seed("SqliteFailoverTest");
        Random random = new Random(seed);
        // Three rounds in the build; a soak: -Dwal4j.bookkeeper.rounds=50 (and -Dwal4j.seed=N to replay).
        int rounds = Integer.getInteger("wal4j.bookkeeper.rounds", 3);
        for (int round = 0; round < rounds; round++) {
            int killAfter = 50 + random.nextInt(400);
            String context = "seed " + seed + ", round " + round + ", kill after " + killAfter + " acks";
            BookKeeperLogOptions o = logOptions(cluster.zooKeeper(), "/wal4j-test/sqlite-failover-" + seed + "-" + round);
            Path ackFile = dir.resolve("acks-" + round);
            AckFile acks = new AckFile(ackFile);
            try (CrashJvm a = CrashJvm.start(SqliteFailoverTest.class, dir, "node-a-" + round, cluster.zooKeeper(),
                    o.logPath(), dir.resolve("a-" + round + ".db").toString(), ackFile.toString())) {
                acks.awaitLines(a, lines -> AckFile.count(lines, "ack") >= killAfter, 90_000, context);
                a.kill();
            }
            Map<Long, String> acked = new HashMap<>();
            for (String line : AckFile.readAll(ackFile)) {
                assertTrue(!line.startsWith("BAD"), context + ": " + line);
                if (line.startsWith("ack ")) {
                    String[] w = line.split(" ");
                    acked.put(Long.parseLong(w[1]), w[2]);
                }
            }
            BookKeeperLog log = BookKeeperLog.open(o);
            try (SqliteCommitNode b = SqliteCommitNode.open(log, dir.resolve("b-" + round + ".db"), APPLIER,
                    nodeOptions())) {
                Map<String, Integer> have = bodies(b);
                for (Map.Entry<Long, String> e : acked.entrySet()) {
                    assertEquals(1, have.getOrDefault(e.getValue(), 0), context + ": acknowledged change "
                            + e.getValue() + " (sequence " + e.getKey() + ") in B's database");
                }
                for (Map.Entry<String, Integer> e : have.entrySet()) {
                    assertEquals(1, e.getValue(), context + ": " + e.getKey() + " applied more than once");
                }
                assertEquals(log.lastSequence(), b.appliedSequence(), context);
                long seq = b.commit("b-first".getBytes(StandardCharsets.UTF_8));
                assertEquals(log.lastSequence(), seq, context);
            }
        }
    }

    @Test
    void aNodeThatComesBackAfterTheTakeOverCannotCommit() throws Exception {
        BookKeeperLogOptions o = logOptions(cluster.zooKeeper(), "/wal4j-test/sqlite-comeback");
        SqliteCommitNode a = SqliteCommitNode.open(BookKeeperLog.open(o), dir.resolve("a.db"), APPLIER, nodeOptions());
        Set<String> committed = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String body = "a-" + i;
            a.commit(body.getBytes(StandardCharsets.UTF_8));
            committed.add(body);
        }
        try (SqliteCommitNode b = SqliteCommitNode.open(BookKeeperLog.open(o), dir.resolve("b.db"), APPLIER,
                nodeOptions())) {
            assertCommitFenced(a);
            Map<String, Integer> have = bodies(b);
            assertEquals(committed, have.keySet());
            assertEquals(List.of(1), List.copyOf(new HashSet<>(have.values())));
        } finally {
            closeFenced(a);
        }
    }

    /** A commit on node {@code a}, whose log another node's open fenced, fails, caused by the fencing. */
    static void assertCommitFenced(SqliteCommitNode a) {
        IOException refused = assertThrows(IOException.class,
                () -> a.commit("a-late".getBytes(StandardCharsets.UTF_8)));
        assertTrue(causedBy(refused, WalFencedException.class), "A's commit failed with " + refused);
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** Closes node {@code a}, whose log was fenced: its close reports that, which is expected. */
    static void closeFenced(SqliteCommitNode a) {
        try {
            a.close();
        } catch (IOException expected) {
            // A's log was fenced: its close reports that.
        }
    }

    @Test
    void aNodeMovesFromALocalLogToAnImportedReplicatedOneWithItsDatabase() throws Exception {
        Path walDir = Files.createDirectories(dir.resolve("local-wal"));
        Path db = dir.resolve("moving.db");
        // The default checkpoint policy: the local log is checkpointed as the node goes.
        SqliteNodeOptions local = nodeOptions().withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(16));
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, db, APPLIER, local)) {
            for (int i = 0; i < 50; i++) {
                node.commit(("local-" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        BookKeeperLogOptions o = logOptions(cluster.zooKeeper(), "/wal4j-test/sqlite-moved");
        BookKeeperLog replicated;
        try (WriteAheadLog wal = WriteAheadLog.open(walDir)) {
            replicated = BookKeeperLog.importFrom(wal, o);
        }
        try (SqliteCommitNode node = SqliteCommitNode.open(replicated, db, APPLIER, nodeOptions())) {
            assertEquals(50, node.appliedSequence());
            assertEquals(51, node.commit("replicated-0".getBytes(StandardCharsets.UTF_8)));
            Map<String, Integer> have = bodies(node);
            assertEquals(51, have.size());
            assertEquals(Set.of(1), new HashSet<>(have.values()));
        }
        // Another machine with an empty database cannot rebuild what the local log had checkpointed:
        // the imported log starts after the local checkpoint, and the node refuses the older database.
        BookKeeperLog again = BookKeeperLog.open(o);
        assertTrue(again.checkpointSequence() > 0, "the local node checkpointed its log");
        assertThrows(IOException.class,
                () -> SqliteCommitNode.open(again, dir.resolve("empty.db"), APPLIER, nodeOptions()).close());
    }
}
