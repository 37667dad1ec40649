package io.github.wal4j.testing.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.sqlite.JournalMode;
import io.github.wal4j.sqlite.SqliteCommitNode;
import io.github.wal4j.testing.KillLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kill -9 plus a power cut under the SQLite commit node, with SQLite's own I/O on the power-cut
 * file system: a child commits items from three threads and acknowledges each in a file outside
 * the mount; it is SIGKILLed, the power is cut (SQLite loses whatever it had not synced, its
 * {@code -wal} and {@code -shm} frames included; the last unsynced write is torn into 512-byte
 * sectors), and this JVM opens the node on the mount (it replays what SQLite lost) and checks the
 * database: integrity ok, the rows' sequences exactly 1..applied, no item twice, and every
 * acknowledged item there once with the sequence it was acknowledged with. Rounds go on in the
 * same directory; both journal modes.
 */
class SqliteNodeUnderPowerCutTest {
    private static final long CHECKPOINT_EVERY = 16;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = JournalMode.class, names = {"WAL", "DELETE"})
    void everyAcknowledgedChangeIsThereExactlyOnceAfterKillAndPowerCut(JournalMode mode) throws Exception {
        Assumptions.assumeTrue(PowerCutFileSystem.isAvailable(), PowerCutFileSystem::unavailabilityCause);
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        KillLoop loop = KillLoop.seeded().rounds(3).killAfterAcknowledgements(20, 120).timeoutMillis(60_000);
        List<String> info = new ArrayList<>();
        int[] unsyncedAtCut = {0};
        try (PowerCutFileSystem fs = PowerCutFileSystem.mount(Files.createDirectory(tmp.resolve("backing")), mnt)) {
            loop.run(SqliteNodeChild.class, mnt, (round, dir, acknowledged) -> {
                if (fs.hasUnsyncedState()) {
                    unsyncedAtCut[0]++;
                }
                fs.cutPower(Tear.lastWrites(1).sectorBytes(512).lostAs(LostSectors.GARBAGE).seed(loop.seed() + round));
                check("seed " + loop.seed() + ", " + mode + ", round " + round, round, mode, dir, acknowledged, info);
            }, mode.name(), Long.toString(CHECKPOINT_EVERY));
            assertEquals(List.of(), fs.internalErrors(), "failures inside the file system server");
        }
        System.out.println("SqliteNodeUnderPowerCutTest " + mode + ", seed " + loop.seed() + ": " + info + ", "
                + unsyncedAtCut[0] + " of 3 cuts dropped unsynced state");
        // (The check's own open replays what SQLite lost, so the children's opens find nothing to replay.)
    }

    private static void check(String where, int round, JournalMode mode, Path dir, List<String> acknowledged, List<String> info)
            throws Exception {
        Map<String, Long> acked = new HashMap<>();
        for (String line : acknowledged) {
            String[] f = line.split(" ");
            if (f[0].equals("ACK")) {
                acked.put(f[2], Long.parseLong(f[1]));
            }
        }
        Path db = dir.resolve("items.db");
        long applied;
        try (SqliteCommitNode node = SqliteCommitNode.open(dir.resolve("wal"), db, SqliteNodeChild.applier(),
                SqliteNodeChild.options(mode, CHECKPOINT_EVERY))) {
            applied = node.appliedSequence();
            info.add("round " + round + ": " + acked.size() + " acknowledged, " + node.replayedAtOpen()
                    + " replayed after the cut");
            assertEquals(applied, node.checkpointSequence(), where + ": the WAL checkpoint after open");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
                assertTrue(r.next());
                assertEquals("ok", r.getString(1), where + ": PRAGMA integrity_check");
            }
            Map<String, Long> rows = new HashMap<>();
            long expected = 1;
            try (ResultSet r = s.executeQuery("SELECT item, sequence FROM items ORDER BY sequence")) {
                while (r.next()) {
                    assertEquals(expected++, r.getLong(2), where + ": the rows' sequences must be exactly 1.." + applied);
                    Long before = rows.put(r.getString(1), r.getLong(2));
                    assertEquals(null, before, where + ": " + r.getString(1) + " applied twice");
                }
            }
            assertEquals(applied, rows.size(), where + ": one row per applied change");
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                assertEquals(e.getValue(), rows.get(e.getKey()), where + ": acknowledged " + e.getKey() + " at "
                        + e.getValue() + " (" + rows.size() + " rows)");
            }
        }
    }
}
