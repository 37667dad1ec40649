package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.LogDirs;
import io.github.wal4j.testing.Records;
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
            assertTrue(out.contains(s.getFileName().toString()), r::toString);
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
