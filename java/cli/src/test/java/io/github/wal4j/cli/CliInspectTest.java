package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wal4j inspect}: segments, checkpoint and snapshot, lock, I/O layer and file-system capabilities. */
class CliInspectTest {
    @TempDir
    Path tmp;

    @Test
    void describesSegmentsCheckpointSnapshotLockAndLayer() throws Exception {
        Path dir = tmp.resolve("wal");
        Path snapshot = tmp.resolve("state.snap");
        String layer;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.SMALL_SEGMENTS)) {
            layer = wal.ioLayer();
            Records.append(wal, 1, 30, Cli.SIZE);
            wal.checkpoint(snapshot, 12, out -> out.write(new byte[321]));
        }
        Map<String, byte[]> before = Cli.files(dir);
        List<Path> segments = LogDirs.segments(dir);

        Result r = Cli.run("inspect", dir);
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        assertTrue(out.contains("I/O layer    " + layer), r::toString);
        assertTrue(out.contains("lock         free (taken and released at once"), r::toString);
        assertTrue(out.contains("checkpoint   up to sequence 12; snapshot " + snapshot.toAbsolutePath()
                + " (321 bytes, crc32c 0x"), r::toString);
        assertTrue(out.contains("present, size matches, crc32c matches"), r::toString);
        assertTrue(out.contains("segments     " + segments.size() + " ("), r::toString);
        assertTrue(out.contains("sequences ") && out.contains("..30"), r::toString);
        for (Path s : segments) {
            assertTrue(shown(out, s), () -> s.getFileName() + " is neither a row nor in a summary line:\n" + r);
        }
        assertTrue(out.lines().anyMatch(l -> l.contains(segments.get(segments.size() - 1).getFileName().toString())
                && l.contains("30") && l.contains("sealed (closed cleanly)")), r::toString);
        assertTrue(out.contains("other files  CHECKPOINT, CLOSE_MARK, wal.lock"), r::toString);
        for (String s : List.of("file system", "O_DIRECT", "fallocate", "alignment")) {
            assertTrue(out.contains(s), () -> s + " missing:\n" + out);
        }
        if (layer.equals("java")) {
            assertTrue(out.contains("O_DIRECT   n/a (java layer)"), r::toString);
        } else {
            assertFalse(out.contains("n/a (java layer)"), r::toString);
            assertTrue(out.contains("fallocate  yes") || out.contains("fallocate  no"), r::toString);
        }
        LogDirs.assertUnchanged(before, dir);
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().startsWith(".wal4j-probe-")),
                    "the probe directory is removed");
        }
    }

    private static long idOf(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.indexOf('.')));
    }

    /** The segment has its own row, or falls in the id range of a summary line ("  2..5  ...: 4 segments, each valid"). */
    private static boolean shown(String out, Path segment) {
        long id = idOf(segment);
        return out.contains(segment.getFileName().toString()) || out.lines().map(String::strip)
                .filter(l -> l.contains(" segments, each valid to its end, ")).map(l -> l.substring(0, l.indexOf(' ')).split("\\.\\."))
                .anyMatch(range -> Long.parseLong(range[0]) <= id && id <= Long.parseLong(range[1]));
    }

    @Test
    void aRunOfValidSegmentsIsOneLineAndJsonListsEverySegment() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT)) {
            Records.append(wal, 1, 100, Cli.SIZE);
        }
        List<Path> segments = LogDirs.segments(dir);
        int n = segments.size();
        assertTrue(n >= InspectCommand.CLEAN_RUN + 1, "the log has several segments: " + segments);

        Result r = Cli.run("inspect", dir);
        assertEquals(0, r.exit(), r::toString);
        String summary = "1.." + (n - 1) + "  " + segments.get(0).getFileName() + ".." + segments.get(n - 2).getFileName()
                + ": " + (n - 1) + " segments, each valid to its end, ";
        assertEquals(1, r.out().lines().filter(l -> l.contains(summary)).count(), r::toString);
        for (int i = 0; i < n - 1; i++) {
            String ownRow = idOf(segments.get(i)) + "  " + segments.get(i).getFileName();
            assertFalse(r.out().lines().anyMatch(l -> l.strip().startsWith(ownRow)), () -> ownRow + " has a row:\n" + r);
        }
        assertTrue(r.out().lines().anyMatch(l -> l.contains(segments.get(n - 1).getFileName().toString())
                && l.contains("sealed (closed cleanly)")), "the newest segment keeps its own row:\n" + r);

        Result j = Cli.run("inspect", "--json", dir);
        assertEquals(0, j.exit(), j::toString);
        Map<String, Object> o = MiniJson.object(j.out().strip());
        assertEquals("inspected", o.get("result"));
        assertEquals(1L, o.get("firstSequence"));
        assertEquals(100L, o.get("lastSequence"));
        List<?> rows = (List<?>) o.get("segments");
        assertEquals(n, rows.size(), j::toString);
        for (int i = 0; i < n; i++) {
            Map<?, ?> row = (Map<?, ?>) rows.get(i);
            assertEquals(segments.get(i).getFileName().toString(), row.get("file"));
            assertEquals(false, row.get("damaged"));
        }
        assertEquals(100L, ((Map<?, ?>) rows.get(n - 1)).get("lastSequence"));
        assertEquals(true, ((Map<?, ?>) rows.get(n - 1)).get("sealed"));
    }

    @Test
    void jsonReportsAnErrorAsJson() {
        Result r = Cli.run("inspect", "--json", tmp.resolve("missing"));
        assertEquals(4, r.exit(), r::toString);
        Map<String, Object> o = MiniJson.object(r.out().strip());
        assertEquals("error", o.get("result"));
        assertEquals(4L, o.get("exitCode"));
        assertTrue(String.valueOf(o.get("error")).contains("no such directory"), r::toString);
    }

    @Test
    void showsDamageAndTheZeroTail() throws Exception {
        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.ONE_SEGMENT, 5);
        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));
        Result r = Cli.run("inspect", image);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("DAMAGED: ") && r.out().contains("(run verify)"), r::toString);
        assertTrue(r.out().contains("lock         free: no wal.lock file") || r.out().contains("lock         free ("),
                r::toString);
    }
}
