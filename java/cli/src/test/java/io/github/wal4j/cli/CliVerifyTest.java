package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code wal4j verify} on real logs, clean and damaged: the exit code (0 clean, 1 torn tail, 2
 * corruption), the report in text and in JSON (parsed strictly), and that nothing changes on disk.
 */
class CliVerifyTest {
    @TempDir
    Path tmp;

    private static Map<String, Object> json(Result r) {
        return MiniJson.object(r.out().strip());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> findings(Map<String, Object> report) {
        return (List<Map<String, Object>>) report.get("findings");
    }

    /**
     * A segment a checkpoint kept for recycling ({@code <id>.wal.free}, left by a crash): verify
     * reports the log clean, names the file and that open removes it, and changes nothing.
     */
    @Test
    void aSegmentKeptForRecyclingIsCleanAndRemovedByOpen() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.SMALL_SEGMENTS, 30);
        java.nio.file.Files.copy(dir.resolve("0000000000000001.wal"), dir.resolve("0000000000000099.wal.free"));
        Map<String, byte[]> before = Cli.files(dir);

        Result r = Cli.run("verify", dir);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("result: CLEAN (exit 0)"), r::toString);
        assertTrue(r.out().contains("0000000000000099.wal.free")
                && r.out().contains("freed by the checkpoint, kept for recycling: open removes it"), r::toString);
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void cleanLogExitsZeroAndChangesNothing() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.SMALL_SEGMENTS, 30);
        Map<String, byte[]> before = Cli.files(dir);

        Result r = Cli.run("verify", dir);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("result: CLEAN (exit 0): 30 record(s) after the checkpoint, sequences 1..30"),
                r::toString);
        assertTrue(r.out().contains("0000000000000001.wal") && r.out().contains("CLEAN"), r::toString);

        Result j = Cli.run("verify", "--json", dir);
        assertEquals(0, j.exit(), j::toString);
        Map<String, Object> report = json(j);
        assertEquals("clean", report.get("result"));
        assertEquals(0L, report.get("exitCode"));
        assertEquals(31L, report.get("nextSequence"));
        assertEquals(dir.toAbsolutePath().toString(), report.get("directory"));
        assertEquals("taken", report.get("lock"));
        assertTrue(findings(report).size() >= 2, "30 records of 100 bytes need several 4 KiB segments");
        for (Map<String, Object> f : findings(report)) {
            assertTrue(f.get("kind").equals("CLEAN") || f.get("kind").equals("ZERO_TAIL"), f::toString);
        }
        assertEquals(before.keySet(), Cli.files(dir).keySet());
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void tornTailOfAGarbageBatchExitsOne() throws Exception {
        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.ONE_SEGMENT, 8);
        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));
        Map<String, byte[]> before = Cli.files(image);

        Result r = Cli.run("verify", image);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.out().contains("TORN_TAIL") && r.out().contains("result: TORN TAIL (exit 1)"), r::toString);
        assertTrue(r.out().contains("rule: torn tail:"), r::toString);

        Map<String, Object> report = json(Cli.run("verify", "--json", image));
        assertEquals("torn_tail", report.get("result"));
        assertEquals(1L, report.get("exitCode"));
        assertEquals(9L, report.get("nextSequence"));
        assertTrue((Long) report.get("bytesToCut") >= 700, report::toString);
        Map<String, Object> torn = findings(report).get(findings(report).size() - 1);
        assertEquals("TORN_TAIL", torn.get("kind"));
        assertEquals(LogDirs.segmentName(1), torn.get("file"));
        LogDirs.assertUnchanged(before, image);
    }

    @Test
    void tornTailOfATruncatedBatchExitsOne() throws Exception {
        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.SMALL_SEGMENTS, 20);
        List<Path> segments = LogDirs.segments(image);
        long cutFrom = Cli.truncateLastBatch(segments.get(segments.size() - 1));
        Map<String, byte[]> before = Cli.files(image);

        Result r = Cli.run("verify", "--json", image);
        assertEquals(1, r.exit(), r::toString);
        Map<String, Object> report = json(r);
        assertEquals("torn_tail", report.get("result"));
        assertEquals(cutFrom, report.get("nextSequence"), "open would keep every record before the torn batch");
        LogDirs.assertUnchanged(before, image);
    }

    @Test
    void flippedByteInAMiddleRecordOfAClosedLogIsCorruption() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 8);
        Path segment = Cli.flipPayloadBit(dir, 4);
        long offset = Cli.batchOffset(segment, 4);
        Map<String, byte[]> before = Cli.files(dir);

        Result r = Cli.run("verify", dir);
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.out().contains("CORRUPTION") && r.out().contains("record 4: checksum mismatch"), r::toString);
        assertTrue(r.out().contains("result: CORRUPTION (exit 2): acknowledged data is damaged in "
                + segment.getFileName() + " at offset " + offset), r::toString);

        Map<String, Object> report = json(Cli.run("verify", "--json", dir));
        assertEquals("corruption", report.get("result"));
        assertEquals(2L, report.get("exitCode"));
        Map<String, Object> f = findings(report).get(findings(report).size() - 1);
        assertEquals("CORRUPTION", f.get("kind"));
        assertEquals(offset, f.get("offset"));
        assertEquals(4L, report.get("nextSequence"), "records 1..3 are valid");
        assertTrue(((String) f.get("rule")).contains("was written after records up to 4 were durable"), f::toString);
        LogDirs.assertUnchanged(before, dir);
    }

    /** A segment of another log copied in under the next id: as is, or with its header's id rewritten to match. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void staleSegmentFromAnotherLogIsCorruption(boolean idRewritten) throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 8);
        Path other = tmp.resolve("other");
        Cli.closedLog(other, Cli.ONE_SEGMENT, 5);
        Path stale = dir.resolve(LogDirs.segmentName(2));
        Files.copy(other.resolve(LogDirs.segmentName(1)), stale);
        if (idRewritten) {
            FileDamage.write(stale, 16, java.nio.ByteBuffer.allocate(8).putLong(2).array());
            FileDamage.fixSegmentHeaderCrc(stale);
        }
        Map<String, byte[]> before = Cli.files(dir);

        Result r = Cli.run("verify", dir);
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.out().contains(LogDirs.segmentName(2)) && r.out().contains("damage at the start of a segment"),
                r::toString);
        assertTrue(r.out().contains(idRewritten ? "segment starts at sequence 1" : "names segment 1"), r::toString);
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void damagedCheckpointFileIsCorruption() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT)) {
            io.github.wal4j.testing.internal.Records.append(wal, 1, 6, Cli.SIZE);
            wal.checkpoint(3);
        }
        FileDamage.flipBit(dir.resolve("CHECKPOINT"), 20, 0);

        Result r = Cli.run("verify", "--json", dir);
        assertEquals(2, r.exit(), r::toString);
        Map<String, Object> f = findings(json(r)).get(0);
        assertEquals("CHECKPOINT", f.get("file"));
        assertEquals("CORRUPTION", f.get("kind"));
        assertTrue(((String) f.get("rule")).contains("checksum mismatch"), f::toString);
    }

    /**
     * A snapshot whose bytes changed but not its length: open refuses it (its CRC32C is not the one
     * the checkpoint recorded), so verify must not call the log clean.
     */
    @Test
    void snapshotWhoseBytesChangedIsCorruption() throws Exception {
        Path dir = tmp.resolve("wal");
        Path snapshot = tmp.resolve("state.snap").toAbsolutePath();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT)) {
            io.github.wal4j.testing.internal.Records.append(wal, 1, 6, Cli.SIZE);
            wal.checkpoint(snapshot, 4, out -> out.write(new byte[200_000]));
        }
        FileDamage.flipBit(snapshot, 150_000, 7);
        Map<String, byte[]> before = Cli.files(dir);

        Result r = Cli.run("verify", "--json", dir);
        assertEquals(2, r.exit(), r::toString);
        Map<String, Object> f = findings(json(r)).get(0);
        assertEquals("state.snap", f.get("file"));
        assertEquals("CORRUPTION", f.get("kind"));
        assertTrue(((String) f.get("rule")).contains("CRC32C"), f::toString);
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void jsonEscapesQuotesBackslashesControlAndNonAsciiCharacters() throws Exception {
        Path dir = tmp.resolve("we\"ird\\dir \u00fc\u6f22\t");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Result r = Cli.run("verify", "--json", dir);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().chars().allMatch(c -> c < 0x7f), "JSON output is plain ASCII: " + r.out());
        assertEquals(dir.toAbsolutePath().toString(), json(r).get("directory"));
    }

    @Test
    void errorsInJsonModeAreJsonToo() throws Exception {
        Result r = Cli.run("verify", "--json", tmp.resolve("missing"));
        assertEquals(4, r.exit(), r::toString);
        Map<String, Object> report = json(r);
        assertEquals("error", report.get("result"));
        assertEquals(4L, report.get("exitCode"));
        assertTrue(((String) report.get("error")).contains("no such directory"), report::toString);
    }

    @Test
    void progressBarWhenAsked() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.SMALL_SEGMENTS, 10);
        Result r = Cli.run("verify", "--progress", dir);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.err().contains("\rverify [") && r.err().contains("%"), r::toString);
        Result quiet = Cli.run("verify", dir);
        assertEquals("", quiet.err(), "no progress bar unless stderr is a terminal or --progress is given");
    }

    @Test
    void liveLogNeedsAllowLive() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT)) {
            io.github.wal4j.testing.internal.Records.append(wal, 1, 5, Cli.SIZE);
            Result refused = Cli.run("verify", dir);
            assertEquals(3, refused.exit(), refused::toString);
            assertTrue(refused.err().contains("open in another process") && refused.err().contains("--allow-live"),
                    refused::toString);
            Result live = Cli.run("verify", "--allow-live", dir);
            assertEquals(0, live.exit(), live::toString);
            assertTrue(live.out().contains("HELD") && live.out().contains("sequences 1..5"), live::toString);
            assertEquals(6, wal.append(new byte[10]), "the log is still open and usable");
        }
        assertEquals(0, Cli.run("verify", dir).exit());
    }

    /** Valid records longer than --max-record-size are not damage: open would refuse them as a configuration error. */
    @Test
    void maxRecordSizeBelowTheRecordsIsAUsageError() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, WalOptions.defaults().withSegmentSize(64 << 10), 4);
        Result r = Cli.run("verify", "--max-record-size", "50", dir);
        assertEquals(64, r.exit(), r::toString);
        assertTrue(!r.out().contains("CORRUPTION") && r.err().contains("record 1 in 0000000000000001.wal holds 100 bytes")
                && r.err().contains("--max-record-size 100"), r::toString);
    }

    /**
     * A record written under a larger maximum record size (recorded in its segment header) is valid:
     * verify with a smaller --max-record-size says which size to give (exit 64), never CORRUPTION,
     * and with that size the log is clean.
     */
    @Test
    void recordWrittenUnderALargerLimitIsNotCorruption() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.bigRecordLog(dir);
        Map<String, byte[]> before = Cli.files(dir);

        Result r = Cli.run("verify", dir);
        assertEquals(64, r.exit(), r::toString);
        assertTrue(!r.out().contains("CORRUPTION") && !r.err().contains("CORRUPTION"), r::toString);
        assertTrue(r.err().contains("record 2 in 0000000000000002.wal holds " + Cli.BIG + " bytes")
                && r.err().contains("--max-record-size " + Cli.BIG) && r.err().contains("" + Cli.LARGE_LIMIT),
                r::toString);
        Map<String, Object> report = json(Cli.run("verify", "--json", dir));
        assertEquals("error", report.get("result"));
        assertEquals(64L, report.get("exitCode"));

        Result clean = Cli.run("verify", "--max-record-size", Cli.LARGE_LIMIT, dir);
        assertEquals(0, clean.exit(), clean::toString);
        assertTrue(clean.out().contains("result: CLEAN (exit 0): 3 record(s)"), clean::toString);
        LogDirs.assertUnchanged(before, dir);
    }
}
