package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A clean close records, durably and outside the segment it describes, where the log ended; an
 * open that finds less is damage to acknowledged data, refused with nothing changed. Without this
 * mark a truncated or emptied newest segment after a clean close read as a torn tail: every record
 * in the cut part was lost with a WARNING (seen: 461 acknowledged records).
 */
class CleanCloseMarkTest {
    private static final WalOptions ONE_SEGMENT = WalOptions.defaults().withSegmentSize(8 << 20);

    @TempDir
    Path tmp;

    private Path newest(Path dir) throws IOException {
        List<Path> segments = LogDirs.segments(dir);
        return segments.get(segments.size() - 1);
    }

    @ParameterizedTest(name = "newest segment {0}")
    @ValueSource(strings = {"cut in the middle", "cut after its header", "emptied", "deleted"})
    void aLogThatEndsBeforeItsCleanCloseIsRefused(String damage) throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, ONE_SEGMENT, 500, 100);
        Path newest = newest(dir);
        SegmentLayout layout = SegmentLayout.read(newest);
        switch (damage) {
            case "cut in the middle" -> FileDamage.truncate(newest, layout.record(40).offset());
            case "cut after its header" -> FileDamage.truncate(newest, layout.alignment());
            case "emptied" -> FileDamage.truncate(newest, 0);
            default -> Files.delete(newest);
        }
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(dir, ONE_SEGMENT).close(),
                "acknowledged records after the cut were lost silently");
        assertTrue(e.getMessage().contains("500"), e.getMessage());
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void aCutSealLosesNothingAndOpens() throws IOException {
        Path dir = tmp.resolve("wal");
        List<WalRecord> all = LogDirs.closedLog(dir, ONE_SEGMENT, 50, 100);
        Path newest = newest(dir);
        SegmentLayout layout = SegmentLayout.read(newest);
        FileDamage.truncate(newest, layout.record(50).offset() + layout.alignment());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT)) {
            assertEquals(all, wal.recover());
            assertEquals(51, wal.append(Records.payload(51)));
        }
    }

    /** The mark of an earlier clean close still bounds a log that crashed later. */
    @Test
    void anEarlierCleanCloseStillBoundsALaterCrash() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, ONE_SEGMENT, 100, 100);
        Path image = tmp.resolve("image");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT)) {
            Records.append(wal, 101, 50, 100);
            LogDirs.copyLive(dir, image);
        }
        Path newest = newest(image);
        FileDamage.truncate(newest, SegmentLayout.read(newest).record(60).offset());
        assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(image, ONE_SEGMENT).close());
        // Cut above the mark: no byte can tell it from a torn tail of the crash, and it is cut.
        Path above = tmp.resolve("above");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT)) {
            Records.append(wal, 151, 10, 100);
            LogDirs.copyLive(dir, above);
        }
        Path last = newest(above);
        FileDamage.truncate(last, SegmentLayout.read(last).record(155).offset() + 10);
        try (WriteAheadLog wal = WriteAheadLog.open(above, ONE_SEGMENT)) {
            assertEquals(154, wal.lastSequence());
        }
    }

    /** The operator who accepts the loss opens in point-in-time mode: the report says what is gone. */
    @Test
    void pointInTimeRecoveryOpensAndReportsTheLoss() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, ONE_SEGMENT, 500, 100);
        Path newest = newest(dir);
        FileDamage.truncate(newest, SegmentLayout.read(newest).record(40).offset());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT.withRecoveryMode(RecoveryMode.POINT_IN_TIME))) {
            String summary = wal.recoveryReport().summary();
            assertTrue(summary.contains("CORRUPTION_CUT") && summary.contains("500"), summary);
            assertEquals(39, wal.recover().size());
        }
    }
}
