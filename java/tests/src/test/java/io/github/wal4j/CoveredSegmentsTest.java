package io.github.wal4j;

import static io.github.wal4j.fixtures.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments a checkpoint covers whole are garbage: a crash after the checkpoint committed but before
 * its unlinks were durable brings them back, and recovery finishes deleting them without judging
 * them, so damage in one never refuses an open (no live record is in it). A segment with a live
 * record is judged as always.
 */
class CoveredSegmentsTest {
    private static final WalOptions SMALL = WalOptions.defaults().withSegmentSize(32 << 10);

    @TempDir
    Path tmp;

    /** A log of 40 records over several segments, checkpointed at 30, with the covered segments put back. */
    private List<WalRecord> checkpointedWithSegmentsBack(Path dir, List<Path> putBack) throws IOException {
        Path saved = Files.createDirectories(tmp.resolve("saved"));
        List<WalRecord> all;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            all = Records.append(wal, 1, 40, 300);
            for (Path segment : LogDirs.segments(dir)) {
                Files.copy(segment, saved.resolve(segment.getFileName()));
            }
            wal.checkpoint(30);
        }
        for (Path segment : LogDirs.segments(saved)) {
            Path target = dir.resolve(segment.getFileName());
            if (!Files.exists(target)) {
                Files.copy(segment, target);
                putBack.add(target);
            }
        }
        assertTrue(putBack.size() >= 2, "the checkpoint deleted several segments: " + putBack);
        return all.subList(30, 40);
    }

    @Test
    void damageInASegmentTheCheckpointCoversNeverRefusesTheOpen() throws IOException {
        Path dir = tmp.resolve("wal");
        List<Path> putBack = new ArrayList<>();
        List<WalRecord> live = checkpointedWithSegmentsBack(dir, putBack);
        // Bit rot in the first covered segment's middle and a torn header in the second.
        Path first = putBack.get(0);
        SegmentLayout layout = SegmentLayout.read(first);
        FileDamage.flipBit(first, layout.dataBatches().get(1).records().get(0).payloadOffset() + 5, 1);
        FileDamage.zero(putBack.get(1), 0, 48);

        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            assertEquals(live, wal.recover());
            RecoveryReport report = wal.recoveryReport();
            for (Path covered : putBack) {
                assertTrue(report.findings().stream().anyMatch(f -> f.kind() == Kind.COVERED_REMOVED
                        && f.file().equals(covered.getFileName().toString())), report.summary());
                assertFalse(Files.exists(covered), covered + " is garbage and was deleted");
            }
            assertEquals(41, wal.append(Records.payload(41)));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
    }

    @Test
    void damageInTheFirstSegmentWithALiveRecordIsStillRefused() throws IOException {
        Path dir = tmp.resolve("wal");
        List<Path> putBack = new ArrayList<>();
        checkpointedWithSegmentsBack(dir, putBack);
        // The oldest segment the checkpoint kept holds record 31 (live): damage there is judged.
        List<Path> segments = LogDirs.segments(dir);
        Path kept = segments.get(putBack.size());
        SegmentLayout layout = SegmentLayout.read(kept);
        SegmentLayout.Batch liveBatch = layout.dataBatches().stream().filter(b -> b.firstSequence() == 31)
                .findFirst().orElseThrow();
        FileDamage.flipBit(kept, liveBatch.records().get(0).payloadOffset() + 5, 1);
        assertRefused(WalCorruptedException.class, dir, () -> WriteAheadLog.open(dir, SMALL).close());
    }
}
