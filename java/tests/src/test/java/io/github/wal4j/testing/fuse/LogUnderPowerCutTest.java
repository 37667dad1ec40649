package io.github.wal4j.testing.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.KillLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 plus a power cut under the log, on the power-cut file system: a child JVM appends to a
 * log on the mount and acknowledges each append in a file outside it; it is SIGKILLed, the power
 * is cut (tearing the last two unsynced writes into 4 KiB blocks of garbage, seeded), and this JVM
 * recovers from the mount: every acknowledged record is there, once, in order. Rounds go on in the
 * same directory. Runs on the I/O layer of the execution (-Dwal4j.io), buffered and with direct
 * I/O asked for (which FUSE may or may not take: the child reports what it got).
 */
class LogUnderPowerCutTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"buffered", "direct"})
    void everyAcknowledgedRecordSurvivesKillAndPowerCut(String io) throws Exception {
        Assumptions.assumeTrue(PowerCutFileSystem.isAvailable(), PowerCutFileSystem::unavailabilityCause);
        Path backing = Files.createDirectory(tmp.resolve("backing"));
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        KillLoop loop = KillLoop.seeded().rounds(4).killAfterAcknowledgements(20, 150).timeoutMillis(60_000);
        List<String> info = new ArrayList<>();
        int[] unsyncedAtCut = {0};
        try (PowerCutFileSystem fs = PowerCutFileSystem.mount(backing, mnt)) {
            // The work directory is the mount itself: the loop keeps its ack files beside it, outside.
            loop.run(PowerCutAppendChild.class, mnt, (round, dir, acknowledged) -> {
                if (fs.hasUnsyncedState()) {
                    unsyncedAtCut[0]++;
                }
                fs.cutPower(Tear.lastWrites(2).sectorBytes(4096).lostAs(LostSectors.GARBAGE)
                        .seed(loop.seed() + round));
                check(loop.seed(), round, dir, acknowledged, info);
            }, io);
            assertEquals(List.of(), fs.internalErrors(), "failures inside the file system server");
            assertEquals(4, fs.cuts());
        }
        System.out.println("LogUnderPowerCutTest " + io + ", seed " + loop.seed() + ": " + info + ", "
                + unsyncedAtCut[0] + " of 4 cuts dropped unsynced state");
        // Recovery after the last unmount, from the backing directory alone.
        try (WriteAheadLog wal = WriteAheadLog.open(backing.resolve("wal"), PowerCutAppendChild.OPTIONS)) {
            assertTrue(wal.recover().size() >= 4 * 20, "every round acknowledged at least 20 records");
        }
    }

    /**
     * The control: a child that acknowledges lines it never fsynced. After its kill every line is
     * still there (a kill is not a power cut); after the cut none is, and the file's create, never
     * covered by a directory fsync, is undone too.
     */
    @Test
    void aChildThatAcknowledgesWhatItNeverSyncedLosesItAtTheCut() throws Exception {
        Assumptions.assumeTrue(PowerCutFileSystem.isAvailable(), PowerCutFileSystem::unavailabilityCause);
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        try (PowerCutFileSystem fs = PowerCutFileSystem.mount(Files.createDirectory(tmp.resolve("backing")), mnt)) {
            KillLoop.withSeed(1).rounds(1).killAfterAcknowledgements(50, 50).run(UnsyncedLinesChild.class, mnt,
                    (round, dir, acknowledged) -> {
                        Path lines = dir.resolve("lines");
                        long kept = Files.readAllLines(lines).size();
                        assertTrue(kept >= acknowledged.size(), "the kill keeps what was written: " + kept);
                        fs.cutPower();
                        assertFalse(Files.exists(lines), "the power cut keeps nothing that was never synced");
                    });
        }
    }

    private static void check(long seed, int round, Path dir, List<String> acknowledged, List<String> info)
            throws Exception {
        Map<String, Long> acked = new HashMap<>();
        for (String line : acknowledged) {
            String[] f = line.split(" ");
            if (f[0].equals("INFO")) {
                if (round == 1 || !info.contains(line)) {
                    info.add(line);
                }
            } else if (f[0].equals("ACK")) {
                acked.put(f[2], Long.parseLong(f[1]));
            }
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"), PowerCutAppendChild.OPTIONS)) {
            List<WalRecord> records = wal.recover();
            Map<String, Long> found = new HashMap<>();
            long previous = 0;
            for (WalRecord r : records) {
                String name = PowerCutAppendChild.name(r.payload());
                assertTrue(r.sequence() > previous, "seed " + seed + ", round " + round + ": out of order at " + name);
                previous = r.sequence();
                Long before = found.put(name, r.sequence());
                assertEquals(null, before, "seed " + seed + ", round " + round + ": " + name + " twice");
            }
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                assertEquals(e.getValue(), found.get(e.getKey()), "seed " + seed + ", round " + round
                        + ": acknowledged " + e.getKey() + " at " + e.getValue() + ", recovered at "
                        + found.get(e.getKey()) + " (" + records.size() + " records)");
            }
        }
    }
}
