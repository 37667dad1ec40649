package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wal4j repair}: a torn tail is cut after the segment is copied to the quarantine; damage to
 * acknowledged data is refused without {@code --accept-data-loss} (nothing changed) and cut with it,
 * printing the sequence numbers lost; the repaired log opens and appends.
 */
class CliRepairTest {
    @TempDir
    Path tmp;

    private static void assertQuarantined(Path quarantine, Map<String, byte[]> originals, List<String> names) {
        for (String name : names) {
            Path copy = quarantine.resolve(name);
            assertTrue(Files.isRegularFile(copy), () -> name + " is not in the quarantine " + quarantine);
            try {
                assertArrayEquals(originals.get(name), Files.readAllBytes(copy), name + ": copy differs from original");
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
        assertTrue(Files.isRegularFile(quarantine.resolve("REPAIR.txt")));
    }

    @Test
    void tornTailIsCutAfterItsSegmentIsQuarantined() throws Exception {
        Path image = tmp.resolve("image");
        List<WalRecord> written = Cli.crashImage(tmp, image, Cli.ONE_SEGMENT, 8);
        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));
        Map<String, byte[]> before = Cli.files(image);

        Result r = Cli.run("repair", image);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("truncated by open at offset") && r.out().contains("REPAIRED (exit 0)"),
                r::toString);
        List<Path> quarantines = Cli.quarantines(image);
        assertEquals(1, quarantines.size(), "one quarantine directory beside the WAL: " + quarantines);
        assertQuarantined(quarantines.get(0), before, List.of(LogDirs.segmentName(1)));
        CliFileSafetyTest.assertQuarantineIsOwnerOnly(quarantines.get(0));
        assertTrue(r.out().contains(quarantines.get(0).toString()), r::toString);

        assertEquals(written, Cli.recover(image), "every record before the cut recovers");
        try (WriteAheadLog wal = WriteAheadLog.open(image)) {
            assertEquals(9, wal.append(new byte[5]));
        }
        assertEquals(0, Cli.run("verify", image).exit());
    }

    @Test
    void truncatedLastBatchIsCutAndTheRecordsBeforeItRecover() throws Exception {
        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.SMALL_SEGMENTS, 20);
        List<Path> segments = LogDirs.segments(image);
        Path newest = segments.get(segments.size() - 1);
        long cutFrom = Cli.truncateLastBatch(newest);
        Map<String, byte[]> before = Cli.files(image);
        Path quarantine = tmp.resolve("kept");

        Result r = Cli.run("repair", "--quarantine", quarantine, image);
        assertEquals(0, r.exit(), r::toString);
        assertQuarantined(quarantine, before, List.of(newest.getFileName().toString()));
        CliFileSafetyTest.assertQuarantineIsOwnerOnly(quarantine);
        assertEquals(List.of(), Cli.quarantines(image), "no default quarantine when one is given");
        assertEquals(Cli.expected(1, cutFrom - 1), Cli.recover(image));
    }

    @Test
    void corruptionIsRefusedWithoutAcceptDataLossAndNothingChanges() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 8);
        Cli.flipPayloadBit(dir, 4);
        Map<String, byte[]> before = Cli.files(dir);

        Result r = Cli.run("repair", dir);
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.out().contains("result: REFUSED (exit 2)") && r.out().contains("Nothing was changed"), r::toString);
        assertTrue(r.out().contains("loses sequences 4..8"), r::toString);
        LogDirs.assertUnchanged(before, dir);
        assertEquals(List.of(), Cli.quarantines(dir), "no quarantine for a refused repair");
    }

    @Test
    void corruptionIsCutWithAcceptDataLossAndTheLostSequencesArePrinted() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.SMALL_SEGMENTS, 20);
        List<Path> segments = LogDirs.segments(dir);
        assertTrue(segments.size() >= 3, "20 records of 100 bytes span several 4 KiB segments");
        Path damaged = Cli.flipPayloadBit(dir, 4);
        assertEquals(segments.get(0), damaged);
        Map<String, byte[]> before = Cli.files(dir);
        Path quarantine = tmp.resolve("quarantine");

        Result r = Cli.run("repair", "--accept-data-loss", "--quarantine", quarantine, dir);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("LOST: sequences 4..20 (17 record(s))"), r::toString);
        assertTrue(r.out().contains("a clean-close seal ends the log"), r::toString);
        assertTrue(r.out().contains("POINT_IN_TIME"), r::toString);
        assertQuarantined(quarantine, before, segments.stream().map(p -> p.getFileName().toString()).toList());

        assertEquals(Cli.expected(1, 3), Cli.recover(dir));
        assertTrue(r.out().contains("the next append gets 21") && r.out().contains("never handed out again"),
                r::toString);
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(21, wal.append(Records.payload(21, Cli.SIZE)), "4..20 were acknowledged: never reused");
        }
        assertEquals(0, Cli.run("verify", dir).exit());
    }

    @Test
    void unknownEndIsSaidSo() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 8);
        Path other = tmp.resolve("other");
        Cli.closedLog(other, Cli.ONE_SEGMENT, 5);
        Files.copy(other.resolve(LogDirs.segmentName(1)), dir.resolve(LogDirs.segmentName(2)));

        Result r = Cli.run("repair", "--accept-data-loss", dir);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("LOST: sequence 9 and everything after it"), r::toString);
        assertEquals(Cli.expected(1, 8), Cli.recover(dir));
        assertTrue(Files.exists(dir.resolve(LogDirs.segmentName(2) + ".broken")), "set aside, not deleted");
    }

    @Test
    void staleSnapshotTemporariesAreReportedAndQuarantinedBeforeOpenRemovesThem() throws Exception {
        Path image = tmp.resolve("image");
        Path snapshot = tmp.resolve("state.snap");
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("live"), Cli.ONE_SEGMENT)) {
            Records.append(wal, 1, 6, Cli.SIZE);
            wal.checkpoint(snapshot, 4, out -> out.write(new byte[100]));
            LogDirs.copyLive(tmp.resolve("live"), image);
        }
        Path stale = Files.writeString(tmp.resolve("state.snap.deadbeef.wal4j.tmp"), "half a snapshot");
        Result verify = Cli.run("verify", image);
        assertEquals(0, verify.exit(), verify::toString);
        assertTrue(verify.out().contains("never committed (open removes them): " + stale), verify::toString);

        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));
        Path quarantine = tmp.resolve("q");
        Result r = Cli.run("repair", "--quarantine", quarantine, image);
        assertEquals(0, r.exit(), r::toString);
        assertEquals("half a snapshot", Files.readString(quarantine.resolve("snapshot-" + stale.getFileName())));
        assertTrue(Files.notExists(stale), "open removed it");
        assertEquals(Cli.expected(5, 6), Cli.recover(image));
    }

    @Test
    void cleanLogIsLeftAlone() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 5);
        Map<String, byte[]> before = Cli.files(dir);
        Result r = Cli.run("repair", dir);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("NOTHING TO REPAIR"), r::toString);
        LogDirs.assertUnchanged(before, dir);
        assertEquals(List.of(), Cli.quarantines(dir));
    }

    @Test
    void quarantineMustBeOutsideTheWalAndEmpty() throws Exception {
        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.ONE_SEGMENT, 4);
        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));
        Map<String, byte[]> before = Cli.files(image);

        Result inside = Cli.run("repair", "--quarantine", image.resolve("q"), image);
        assertEquals(64, inside.exit(), inside::toString);
        assertTrue(inside.err().contains("inside the WAL directory"), inside::toString);
        Path full = Files.createDirectory(tmp.resolve("full"));
        Files.writeString(full.resolve("old"), "x");
        Result notEmpty = Cli.run("repair", "--quarantine", full, image);
        assertEquals(64, notEmpty.exit(), notEmpty::toString);
        assertTrue(notEmpty.err().contains("is not empty"), notEmpty::toString);
        LogDirs.assertUnchanged(before, image);
    }

    /**
     * A record written under a larger maximum record size is not cut, not even with
     * --accept-data-loss: repair says which --max-record-size to give (exit 64) and changes nothing.
     */
    @Test
    void recordWrittenUnderALargerLimitIsNeverCut() throws Exception {
        Path dir = tmp.resolve("wal");
        List<WalRecord> written = Cli.bigRecordLog(dir);
        Map<String, byte[]> before = Cli.files(dir);

        Result r = Cli.run("repair", "--accept-data-loss", dir);
        assertEquals(64, r.exit(), r::toString);
        assertTrue(r.err().contains("--max-record-size " + Cli.BIG) && !r.out().contains("REPAIRED"), r::toString);
        LogDirs.assertUnchanged(before, dir);
        assertEquals(List.of(), Cli.quarantines(dir));

        Result ok = Cli.run("repair", "--accept-data-loss", "--max-record-size", Cli.LARGE_LIMIT, dir);
        assertEquals(0, ok.exit(), ok::toString);
        assertTrue(ok.out().contains("NOTHING TO REPAIR"), ok::toString);
        LogDirs.assertUnchanged(before, dir);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT.withMaxRecordSize(Cli.LARGE_LIMIT))) {
            assertEquals(written, wal.recover());
        }
    }
}
