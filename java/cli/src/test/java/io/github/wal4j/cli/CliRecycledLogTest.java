package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on the crash image of a log that recycles segments (the default): a segment the
 * checkpoint kept for recycling ({@code <id>.wal.free}) and live segments written over freed files
 * (the RECYCLED header flag, an earlier use's bytes behind their data). None of it is damage or a
 * file the tools do not know: verify says clean, inspect shows no damaged segment and says what the
 * kept file is, dump gives every record after the checkpoint, repair finds nothing to repair;
 * nothing on disk changes.
 */
class CliRecycledLogTest {
    private static final Set<String> CLEAN_KINDS = Set.of("CLEAN", "ZERO_TAIL", "STALE_TAIL", "FREED_REMOVED",
            "COVERED_REMOVED");

    @TempDir
    Path tmp;

    /** The crash image, the checkpoint and last sequence the live log had when it was copied, its kept files. */
    private record Image(Path dir, long checkpoint, long last, List<String> freed) {
    }

    @Test
    void verifyInspectAndDumpTakeRecycledSegmentsAndKeptFilesAsClean() throws Exception {
        Image image = recyclingCrashImage();
        Map<String, byte[]> before = Cli.files(image.dir());

        Result verify = Cli.run("verify", image.dir());
        assertEquals(0, verify.exit(), verify::toString);
        assertTrue(verify.out().contains("result: CLEAN (exit 0): " + (image.last() - image.checkpoint())
                + " record(s) after the checkpoint"), verify::toString);
        for (String free : image.freed()) {
            assertTrue(verify.out().lines().anyMatch(l -> l.contains(free)
                    && l.contains("freed by the checkpoint, kept for recycling: open removes it")), verify::toString);
        }
        Result json = Cli.run("verify", "--json", image.dir());
        assertEquals(0, json.exit(), json::toString);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> findings = (List<Map<String, Object>>) MiniJson.object(json.out().strip())
                .get("findings");
        for (Map<String, Object> f : findings) {
            assertTrue(CLEAN_KINDS.contains((String) f.get("kind")), () -> f + " in\n" + json);
        }

        Result inspect = Cli.run("inspect", image.dir());
        assertEquals(0, inspect.exit(), inspect::toString);
        assertFalse(inspect.out().contains("DAMAGED"), inspect::toString);
        assertFalse(inspect.out().contains("not this file"), inspect::toString);
        for (String free : image.freed()) {
            assertTrue(inspect.out().contains(free + " (freed by the checkpoint, kept for recycling; open removes it)"),
                    inspect::toString);
        }
        Result inspectJson = Cli.run("inspect", "--json", image.dir());
        assertEquals(0, inspectJson.exit(), inspectJson::toString);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> segments = (List<Map<String, Object>>) MiniJson.object(inspectJson.out().strip())
                .get("segments");
        for (Map<String, Object> segment : segments) {
            assertEquals(Boolean.FALSE, segment.get("damaged"), () -> segment + " in\n" + inspectJson);
        }
        Map<String, Object> newest = segments.get(segments.size() - 1);
        assertTrue((Long) newest.get("dataEnd") == (Long) newest.get("size")
                || ((String) newest.get("after")).endsWith(((Long) newest.get("size") - (Long) newest.get("dataEnd"))
                        + " bytes of an earlier use follow"), () -> newest + " in\n" + inspectJson);

        Result dump = Cli.run("dump", "--format", "json", image.dir());
        assertEquals(0, dump.exit(), dump::toString);
        Map<String, Object> parsed = MiniJson.object(dump.out());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> records = (List<Map<String, Object>>) parsed.get("records");
        assertEquals(image.last() - image.checkpoint(), records.size(), dump::toString);
        for (int i = 0; i < records.size(); i++) {
            long sequence = image.checkpoint() + 1 + i;
            assertEquals(sequence, records.get(i).get("sequence"), dump::toString);
            assertEquals(HexFormat.of().formatHex(Records.payload(sequence, Cli.SIZE)), records.get(i).get("payload"));
        }
        Result repair = Cli.run("repair", image.dir());
        assertEquals(0, repair.exit(), repair::toString);
        assertTrue(repair.out().contains("result: NOTHING TO REPAIR (exit 0)"), repair::toString);
        LogDirs.assertUnchanged(before, image.dir());
    }

    /**
     * Appends 100-byte records (one 4 KiB batch each, about seven to a 32 KiB segment) and
     * checkpoints ten records behind the last, copying the live log after each checkpoint until a
     * copy holds a kept file, a recycled newest segment (an earlier use's bytes behind its data) and
     * no half-prepared {@code .wal.tmp} (which would make the image unclean for a reason that is not
     * recycling's).
     */
    private Image recyclingCrashImage() throws IOException {
        Path live = tmp.resolve("live");
        try (WriteAheadLog wal = WriteAheadLog.open(live, Cli.SMALL_SEGMENTS)) {
            for (int round = 0; round < 200; round++) {
                Records.append(wal, wal.lastSequence() + 1, 20, Cli.SIZE);
                long checkpoint = wal.lastSequence() - 10;
                wal.checkpoint(checkpoint);
                Path image = tmp.resolve("image-" + round);
                LogDirs.copyLive(live, image);
                List<String> names = LogDirs.names(image);
                List<String> freed = names.stream().filter(n -> n.endsWith(".wal.free")).toList();
                List<String> recycled = names.stream().filter(n -> n.endsWith(".wal") && recycled(image.resolve(n)))
                        .toList();
                List<String> segments = names.stream().filter(n -> n.endsWith(".wal")).toList();
                if (!freed.isEmpty() && recycled.contains(segments.get(segments.size() - 1))
                        && names.stream().noneMatch(n -> n.endsWith(".tmp"))) {
                    return new Image(image, checkpoint, wal.lastSequence(), freed);
                }
            }
            throw new AssertionError("no copy held both a kept and a recycled segment: " + LogDirs.names(live));
        }
    }

    /** Whether the segment's header has the RECYCLED flag (bit 9 of the big-endian flags at offset 10). */
    private static boolean recycled(Path segment) {
        try (InputStream in = Files.newInputStream(segment)) {
            byte[] head = in.readNBytes(12);
            return head.length == 12 && (head[10] & 0x02) != 0;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
