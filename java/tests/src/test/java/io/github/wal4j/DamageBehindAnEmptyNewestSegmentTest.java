package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two faults, one verdict: when the newest segment holds no record (its header block zeroed, or cut
 * short) and is removed as a torn tail, the segment before it was still not the newest when the
 * crash happened. It was synced before the newer one was created, so damage in it is damage to
 * acknowledged data: refused, never cut as a torn tail. (Seen before the rule: acknowledged 1..7,
 * recovered 1..6, with only a warning.)
 */
class DamageBehindAnEmptyNewestSegmentTest {
    private static final WalOptions SMALL = WalOptions.defaults().withSegmentSize(64 << 10);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "newer segment {0}")
    @ValueSource(strings = {"zeroed", "cut inside its header block", "empty"})
    void damageInTheSegmentBeforeARemovedEmptyOneIsRefused(String newer) throws IOException {
        Path live = tmp.resolve("live");
        Path image = tmp.resolve("image");
        List<WalRecord> acknowledged = LogDirs.crashImage(live, image, SMALL, 7, 100);
        assertEquals(7, acknowledged.size());
        List<Path> segments = LogDirs.segments(image);
        Path last = segments.get(segments.size() - 1);
        SegmentLayout layout = SegmentLayout.read(last);
        SegmentLayout.Batch batch = layout.dataBatches().get(layout.dataBatches().size() - 1);
        // Damage to record 7 of 7, the last batch: no later batch vouches for it, but it was
        // acknowledged, as everything in a segment that a newer one follows.
        FileDamage.flipBit(last, batch.records().get(0).payloadOffset() + 10, 3);
        long id = Long.parseLong(last.getFileName().toString().substring(0, 16)) + 1;
        Path empty = image.resolve(LogDirs.segmentName(id));
        switch (newer) {
            case "zeroed" -> Files.write(empty, new byte[4096]);
            case "cut inside its header block" -> Files.write(empty, Arrays.copyOf(Files.readAllBytes(last), 30));
            default -> Files.write(empty, new byte[0]);
        }
        Map<String, byte[]> before = LogDirs.snapshot(image);
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(image, SMALL).close(),
                "damage to acknowledged record 7 behind an empty newer segment was cut as a torn tail");
        assertTrue(e.getMessage().contains(last.getFileName().toString()), e.getMessage());
        LogDirs.assertUnchanged(before, image);
    }

    /** Without damage the empty newer segment is a torn tail like any other: removed, nothing lost. */
    @ParameterizedTest(name = "newer segment {0}")
    @ValueSource(strings = {"zeroed", "empty"})
    void anEmptyNewestSegmentAloneIsRemovedAndNothingIsLost(String newer) throws IOException {
        Path live = tmp.resolve("live");
        Path image = tmp.resolve("image");
        List<WalRecord> acknowledged = LogDirs.crashImage(live, image, SMALL, 7, 100);
        List<Path> segments = LogDirs.segments(image);
        Path last = segments.get(segments.size() - 1);
        long id = Long.parseLong(last.getFileName().toString().substring(0, 16)) + 1;
        Files.write(image.resolve(LogDirs.segmentName(id)), newer.equals("zeroed") ? new byte[4096] : new byte[0]);
        try (WriteAheadLog wal = WriteAheadLog.open(image, SMALL)) {
            assertEquals(acknowledged, wal.recover());
            assertEquals(8, wal.append(new byte[] {8}));
        }
    }
}
