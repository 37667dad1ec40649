package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wal4j dump}: every record with its sequence, length, stored CRC32C and payload, in three formats. */
class CliDumpTest {
    @TempDir
    Path tmp;

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> records(Map<String, Object> dump) {
        return (List<Map<String, Object>>) dump.get("records");
    }

    @Test
    void jsonHasEveryRecordWithItsStoredCrcAndPayload() throws Exception {
        Path dir = tmp.resolve("wal");
        List<WalRecord> written = Cli.closedLog(dir, Cli.SMALL_SEGMENTS, 25);
        Result r = Cli.run("dump", "--format", "json", dir);
        assertEquals(0, r.exit(), r::toString);
        Map<String, Object> dump = MiniJson.object(r.out());
        List<Map<String, Object>> records = records(dump);
        assertEquals(25, records.size());
        assertEquals(25L, dump.get("count"));
        for (int i = 0; i < 25; i++) {
            Map<String, Object> rec = records.get(i);
            WalRecord w = written.get(i);
            assertEquals(w.sequence(), rec.get("sequence"));
            assertEquals((long) w.payload().length, rec.get("length"));
            assertEquals(HexFormat.of().formatHex(w.payload()), rec.get("payload"));
            Path segment = dir.resolve((String) rec.get("segment"));
            SegmentLayout.Record place = SegmentLayout.read(segment).record(w.sequence());
            assertEquals(place.offset(), rec.get("offset"));
            int stored = ByteBuffer.wrap(FileDamage.read(segment, place.crcOffset(), 4)).getInt();
            assertEquals(String.format("0x%08x", stored), rec.get("crc"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> end = (Map<String, Object>) dump.get("end");
        assertEquals(Boolean.TRUE, end.get("complete"));
        assertEquals("clean", end.get("result"));
    }

    @Test
    void fromAndToSelectARangeAcrossSegments() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.SMALL_SEGMENTS, 40);
        assertTrue(LogDirs.segments(dir).size() >= 4);
        Result r = Cli.run("dump", "--format", "json", "--from", 17, "--to", 29, dir);
        assertEquals(0, r.exit(), r::toString);
        List<Map<String, Object>> records = records(MiniJson.object(r.out()));
        assertEquals(13, records.size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(17L + i, records.get(i).get("sequence"));
        }
    }

    @Test
    void fromPastTheEndSaysSo() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.SMALL_SEGMENTS, 40);
        String said = "--from 100 is past the end of the log: its last sequence is 40";
        Result text = Cli.run("dump", "--from", 100, dir);
        assertEquals(0, text.exit(), text::toString);
        assertTrue(text.out().contains("# 0 record(s); " + said), text::toString);
        assertTrue(text.err().contains("wal4j dump: " + said), text::toString);

        Result json = Cli.run("dump", "--format", "json", "--from", 100, dir);
        Map<String, Object> o = MiniJson.object(json.out());
        assertEquals(0L, o.get("count"));
        Map<?, ?> end = (Map<?, ?>) o.get("end");
        assertEquals(Boolean.TRUE, end.get("pastTheEnd"), json::toString);
        assertEquals(40L, end.get("lastSequence"), json::toString);

        Result last = Cli.run("dump", "--format", "json", "--from", 40, dir);
        Map<String, Object> one = MiniJson.object(last.out());
        assertEquals(1, records(one).size(), last::toString);
        assertEquals(Boolean.FALSE, ((Map<?, ?>) one.get("end")).get("pastTheEnd"), last::toString);
        assertEquals("", last.err(), last::toString);
    }

    @Test
    void textShowsAPrintablePreviewAndHexAHexdump() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT)) {
            wal.append("hello, wal4j".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            wal.append(new byte[] {0, 1, 2, 'A', (byte) 0xff});
            wal.append(new byte[0]);
            wal.append(new byte[200]);
        }
        Result text = Cli.run("dump", dir);
        assertEquals(0, text.exit(), text::toString);
        assertTrue(text.out().lines().anyMatch(l -> l.matches("1\\s+12\\s+0x[0-9a-f]{8}\\s+\"hello, wal4j\"")),
                text::toString);
        assertTrue(text.out().lines().anyMatch(l -> l.matches("2\\s+5\\s+0x[0-9a-f]{8}\\s+\"\\.\\.\\.A\\.\"")),
                text::toString);
        assertTrue(text.out().lines().anyMatch(l -> l.matches("4\\s+200\\s+0x[0-9a-f]{8}\\s+\"\\.{48}\" \\+152 bytes")),
                text::toString);
        assertTrue(text.out().contains("# 4 record(s)"), text::toString);

        Result hex = Cli.run("dump", "--format", "hex", "--to", 2, dir);
        assertEquals(0, hex.exit(), hex::toString);
        assertTrue(hex.out().contains("  00000000  68 65 6c 6c 6f 2c 20 77  61 6c 34 6a              |hello, wal4j|"),
                hex::toString);
        assertTrue(hex.out().contains("  00000000  00 01 02 41 ff"), hex::toString);
        assertTrue(hex.out().contains("# 2 record(s)"), hex::toString);
    }

    @Test
    void startsAfterTheCheckpointUnlessToldOtherwise() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT)) {
            Records.append(wal, 1, 10, Cli.SIZE);
            wal.checkpoint(6);
        }
        List<Map<String, Object>> after = records(MiniJson.object(Cli.run("dump", "--format", "json", dir).out()));
        assertEquals(List.of(7L, 8L, 9L, 10L), after.stream().map(m -> m.get("sequence")).toList());
        List<Map<String, Object>> all = records(MiniJson.object(
                Cli.run("dump", "--format", "json", "--from", 1, dir).out()));
        assertEquals(10, all.size(), "the checkpointed records are still in the segment");
    }

    @Test
    void stopsAtDamageWithVerifysExitCode() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 8);
        Cli.flipPayloadBit(dir, 4);
        Result r = Cli.run("dump", "--format", "json", dir);
        assertEquals(2, r.exit(), r::toString);
        Map<String, Object> dump = MiniJson.object(r.out());
        assertEquals(List.of(1L, 2L, 3L), records(dump).stream().map(m -> m.get("sequence")).toList());
        assertTrue(r.err().contains("stopped at 0000000000000001.wal") && r.err().contains("CORRUPTION (exit 2)"),
                r::toString);

        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.ONE_SEGMENT, 6);
        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));
        Result torn = Cli.run("dump", image);
        assertEquals(1, torn.exit(), torn::toString);
        assertTrue(torn.out().contains("# 6 record(s); stopped at"), torn::toString);
    }

    @Test
    void liveLogOnlyWithAllowLive() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT)) {
            Records.append(wal, 1, 3, Cli.SIZE);
            Result refused = Cli.run("dump", dir);
            assertEquals(3, refused.exit(), refused::toString);
            assertTrue(refused.err().contains("--allow-live"), refused::toString);
            Result live = Cli.run("dump", "--allow-live", "--format", "json", dir);
            assertEquals(0, live.exit(), live::toString);
            assertEquals(3, records(MiniJson.object(live.out())).size());
        }
    }
}
