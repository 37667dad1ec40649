package io.github.wal4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.internal.LogDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A log written before format version 3 keeps working after the upgrade: its segments (versions 1
 * and 2, records checked by a seeded CRC32C) are read as written, new segments are version 3, and
 * the mixed log recovers every record: after a clean close, from a crash image taken while it was
 * open (no seal, recovery's full scan), and after a checkpoint. (A segment of a version the reader
 * does not know, which is what a version-3 segment is to a wal4j from before it, is refused with
 * {@code WalFormatException}: {@code BadInputTest.segmentOfAnUnknownVersionIsRefused}.)
 */
class MixedVersionLogTest {
    private static final Path V1 = Path.of(System.getProperty("wal4j.projectRoot", "../.."),
            "java/tests/src/test/resources/golden/v1");

    @TempDir
    Path tmp;

    static Stream<GoldenLogs.Golden> logs() {
        return GoldenLogs.ALL.stream();
    }

    private Path copy(Path source) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(source.getFileName().toString()));
        try (Stream<Path> s = Files.list(source)) {
            for (Path f : s.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static int versionOf(Path segment) throws IOException {
        byte[] head = Files.readAllBytes(segment);
        return ((head[8] & 0xff) << 8) | (head[9] & 0xff);
    }

    private static byte[] later(long s) {
        return ("after the upgrade " + s).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("logs")
    void aLogOfVersionsOneAndTwoGoesOnInVersionThreeSegmentsAndRecoversWhole(GoldenLogs.Golden golden)
            throws IOException {
        Path dir = copy(V1.resolve(golden.name()));
        int old = golden.options().protection() == io.github.wal4j.Protection.NONE ? SegmentHeader.VERSION
                : SegmentHeader.VERSION_PROTECTED;
        List<Path> before = LogDirs.segments(dir);
        for (Path segment : before) {
            assertEquals(old, versionOf(segment), segment + ": a golden segment of the old version");
        }
        long last = golden.lastSequence();
        Path image = tmp.resolve("image");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, golden.options())) {
            // 400 records of about 22 bytes, one batch (a 4 KiB block) each: more than two 16 KiB segments.
            for (int i = 0; i < 400; i++) {
                assertEquals(last + 1, wal.append(later(last + 1)));
                last++;
            }
            LogDirs.copyLive(dir, image);
        }
        List<Path> after = LogDirs.segments(dir);
        List<Integer> versions = new ArrayList<>();
        for (Path segment : after) {
            versions.add(versionOf(segment));
        }
        assertTrue(after.size() >= before.size() + 2, "new segments were written: " + LogDirs.names(dir));
        for (int i = 0; i < after.size(); i++) {
            boolean isOld = before.contains(after.get(i));
            assertEquals(isOld ? old : SegmentHeader.VERSION_ONE_PASS, versions.get(i),
                    after.get(i).getFileName() + " in " + versions);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(image, golden.options())) {
            assertAll(wal.recover(), golden.checkpoint(), golden.lastSequence(), last);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, golden.options())) {
            assertTrue(wal.recoveryReport().clean(), () -> "not clean: " + wal.recoveryReport());
            assertAll(wal.recover(), golden.checkpoint(), golden.lastSequence(), last);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, golden.options())) {
            assertAll(wal.recover(), golden.checkpoint(), golden.lastSequence(), last);
            wal.checkpoint(golden.lastSequence() + 5);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, golden.options())) {
            assertEquals(golden.lastSequence() + 5, wal.checkpointSequence());
            List<WalRecord> records = wal.recover();
            assertEquals(last - golden.lastSequence() - 5, records.size());
            assertArrayEquals(later(last), records.get(records.size() - 1).payload());
        }
    }

    private static void assertAll(List<WalRecord> records, long checkpoint, long goldenLast, long last) {
        assertEquals(last - checkpoint, records.size(), "records recovered");
        long s = checkpoint;
        for (WalRecord r : records) {
            s++;
            assertEquals(s, r.sequence());
            assertArrayEquals(s <= goldenLast ? GoldenLogs.payload(s) : later(s), r.payload(), "payload of " + s);
        }
    }
}
