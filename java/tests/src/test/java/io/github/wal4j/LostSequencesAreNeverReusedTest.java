package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sequence number is never handed out twice. When point-in-time recovery (or {@code wal4j repair
 * --accept-data-loss}, which uses it) cuts acknowledged records, the next append continues after the
 * highest sequence the log shows was ever written (the cut part's batch headers, the clean-close
 * mark), so a consumer that saw record 514 before the loss never sees a different 514. Before this
 * rule the next append after a cut of 4..20 got 4.
 */
class LostSequencesAreNeverReusedTest {
    private static final WalOptions SMALL = WalOptions.defaults().withSegmentSize(32 << 10);
    private static final WalOptions PIT = SMALL.withRecoveryMode(RecoveryMode.POINT_IN_TIME);

    @TempDir
    Path tmp;

    private static Path flip(Path dir, long sequence) throws IOException {
        for (Path segment : LogDirs.segments(dir)) {
            SegmentLayout layout = SegmentLayout.read(segment);
            for (SegmentLayout.Batch batch : layout.dataBatches()) {
                for (SegmentLayout.Record r : batch.records()) {
                    if (r.sequence() == sequence) {
                        FileDamage.flipBit(segment, r.payloadOffset() + 1, 3);
                        return segment;
                    }
                }
            }
        }
        throw new IllegalArgumentException("no record " + sequence);
    }

    @ParameterizedTest(name = "closed cleanly: {0}")
    @ValueSource(booleans = {true, false})
    void appendsAfterAPointInTimeCutContinueAfterTheHighestSequenceEverWritten(boolean closed) throws IOException {
        Path dir = tmp.resolve("wal");
        List<WalRecord> written;
        if (closed) {
            written = LogDirs.closedLog(dir, SMALL, 20, 100);
        } else {
            written = LogDirs.crashImage(tmp.resolve("live"), dir, SMALL, 20, 100);
        }
        assertTrue(LogDirs.segments(dir).size() >= 3, "several segments");
        flip(dir, 4);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, PIT)) {
            assertEquals(written.subList(0, 3), wal.recover());
            assertEquals(21, wal.append(Records.payload(21, 100)), "sequences 4..20 were acknowledged before the cut: "
                    + wal.recoveryReport().summary());
            assertTrue(wal.recoveryReport().summary().contains("4..20"), wal.recoveryReport().summary());
            assertEquals(22, wal.append(Records.payload(22, 100)));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            List<Long> sequences = new ArrayList<>();
            wal.replay(0, (s, p) -> sequences.add(s));
            assertEquals(List.of(1L, 2L, 3L, 21L, 22L), sequences);
            List<Long> fromTheGap = new ArrayList<>();
            wal.replay(10, (s, p) -> fromTheGap.add(s));
            assertEquals(List.of(21L, 22L), fromTheGap, "a reader from inside the lost range starts after it");
            assertEquals(23, wal.append(Records.payload(23, 100)));
            wal.checkpoint(21);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            assertEquals(List.of(22L, 23L), wal.recover().stream().map(WalRecord::sequence).toList());
        }
    }

    /** A truncation after a clean close, accepted in point-in-time mode: the mark names the highest. */
    @Test
    void aTruncationAcceptedInPointInTimeModeContinuesAfterTheCloseMark() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, WalOptions.defaults(), 300, 100);
        List<Path> segments = LogDirs.segments(dir);
        Path newest = segments.get(segments.size() - 1);
        FileDamage.truncate(newest, SegmentLayout.read(newest).record(100).offset());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withRecoveryMode(RecoveryMode.POINT_IN_TIME))) {
            assertEquals(99, wal.recover().size());
            assertEquals(301, wal.append(new byte[] {1}));
        }
    }
}
