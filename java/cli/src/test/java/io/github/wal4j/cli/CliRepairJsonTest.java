package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.LogDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wal4j repair --json}: one JSON object on stdout for every outcome (repaired, nothing to
 * repair, refused, error), with the damaged file, offset and sequence, the quarantined copies, what
 * open did, and the sequences the log holds, as fields.
 */
class CliRepairJsonTest {
    @TempDir
    Path tmp;

    private static Map<String, Object> json(Result r) {
        assertEquals(1, r.out().strip().lines().count(), () -> "one line of JSON:\n" + r);
        return MiniJson.object(r.out().strip());
    }

    private static List<String> kinds(Object findings) {
        return ((List<?>) findings).stream().map(f -> (String) ((Map<?, ?>) f).get("kind")).toList();
    }

    @Test
    void aRepairedTornTailSaysWhatWasCopiedAndWhatOpenDid() throws Exception {
        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.ONE_SEGMENT, 6);
        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));
        Path quarantine = tmp.resolve("q");
        Result r = Cli.run("repair", "--json", "--quarantine", quarantine, image);
        assertEquals(0, r.exit(), r::toString);
        Map<String, Object> o = json(r);
        assertEquals("repaired", o.get("result"));
        assertEquals(0L, o.get("exitCode"));
        assertEquals(Boolean.TRUE, o.get("changed"));
        assertEquals("torn_tail", o.get("verified"));
        assertTrue(kinds(o.get("found")).contains("TORN_TAIL"), r::toString);
        assertTrue(kinds(o.get("done")).contains("TORN_TAIL"), r::toString);
        assertEquals(quarantine.toString(), o.get("quarantine"));
        List<?> copies = (List<?>) o.get("quarantined");
        assertEquals(LogDirs.segmentName(1), ((Map<?, ?>) copies.get(0)).get("file"), r::toString);
        assertTrue(Files.exists(quarantine.resolve(LogDirs.segmentName(1))), "the copy is where the JSON says");
        assertEquals(1L, o.get("firstHeld"));
        assertEquals(6L, o.get("lastHeld"));
        assertEquals(7L, o.get("nextSequence"));
        assertEquals(Cli.expected(1, 6), Cli.recover(image));
    }

    @Test
    void refusedCorruptionNamesFileOffsetAndSequenceAndChangesNothing() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 8);
        Path damaged = Cli.flipPayloadBit(dir, 4);
        Map<String, byte[]> before = Cli.files(dir);
        Result r = Cli.run("repair", "--json", dir);
        assertEquals(2, r.exit(), r::toString);
        Map<String, Object> o = json(r);
        assertEquals("refused", o.get("result"));
        assertEquals(2L, o.get("exitCode"));
        assertEquals(Boolean.FALSE, o.get("changed"));
        assertEquals(damaged.getFileName().toString(), o.get("damagedFile"));
        assertEquals(4L, o.get("damagedSequence"), r::toString);
        assertTrue((Long) o.get("damagedOffset") > 0, r::toString);
        assertEquals(4L, o.get("lostFrom"), r::toString);
        assertEquals(8L, o.get("lostTo"), r::toString);
        assertTrue(String.valueOf(o.get("loss")).contains("4..8"), r::toString);
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void aCleanLogAndAMissingDirectoryAreJsonToo() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Map<String, Object> clean = json(Cli.run("repair", "--json", dir));
        assertEquals("nothing_to_repair", clean.get("result"));
        assertEquals(Boolean.FALSE, clean.get("changed"));

        Result missing = Cli.run("repair", "--json", tmp.resolve("missing"));
        assertEquals(4, missing.exit(), missing::toString);
        Map<String, Object> o = json(missing);
        assertEquals("error", o.get("result"));
        assertEquals(4L, o.get("exitCode"));
        assertTrue(String.valueOf(o.get("error")).contains("no such directory"), missing::toString);
        assertFalse(missing.err().isEmpty(), "the error is on stderr as well");
    }
}
