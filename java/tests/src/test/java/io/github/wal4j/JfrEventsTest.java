package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK Flight Recorder events, recorded in-process and read back from the dumped file as
 * {@code jfr print} would: io.github.wal4j.Fsync, SegmentRotation, Checkpoint and Recovery, each with
 * fields that match what the test did.
 */
class JfrEventsTest {
    private static final List<String> EVENTS = List.of("io.github.wal4j.Fsync", "io.github.wal4j.SegmentRotation",
            "io.github.wal4j.Checkpoint", "io.github.wal4j.Recovery");

    @TempDir
    Path tmp;

    @Test
    void everyEventTypeIsRecordedWithSensibleFields() throws Exception {
        Path dir = tmp.resolve("wal").toAbsolutePath();
        Path snapshot = tmp.resolve("state.snap");
        Path file = tmp.resolve("rec.jfr");
        WalOptions options = WalOptions.defaults().withSegmentSize(32 << 10);
        try (Recording recording = new Recording()) {
            for (String name : EVENTS) {
                recording.enable(name).withThreshold(Duration.ZERO);
            }
            recording.start();
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                Records.append(wal, 1, 40, 100); // 7 batches per 4 KiB segment: several rotations
                wal.checkpoint(snapshot, 30, out -> out.write(new byte[1234]));
            }
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                assertEquals(10, wal.recover().size());
            }
            recording.stop();
            recording.dump(file);
        }

        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Map<String, List<RecordedEvent>> byType = events.stream()
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        for (String name : EVENTS) {
            assertFalse(byType.getOrDefault(name, List.of()).isEmpty(), name + " was not recorded: " + byType.keySet());
        }

        long syncedRecords = 0;
        for (RecordedEvent e : byType.get("io.github.wal4j.Fsync")) {
            assertTrue(e.getString("segment").matches("\\d{16}\\.wal"), e::toString);
            assertTrue(e.getInt("records") >= 0 && e.getLong("bytes") >= 0, e::toString);
            assertFalse(e.getDuration().isNegative(), e::toString);
            syncedRecords += e.getInt("records");
        }
        assertTrue(syncedRecords >= 40, "every appended record was made durable by some fsync: " + syncedRecords);

        List<RecordedEvent> rotations = byType.get("io.github.wal4j.SegmentRotation");
        assertTrue(rotations.size() >= 4, "40 records of 100 bytes fill several 4 KiB segments: " + rotations.size());
        long previous = 1;
        for (RecordedEvent e : rotations) {
            assertTrue(e.getString("segment").matches("\\d{16}\\.wal"), e::toString);
            long first = e.getLong("firstSequence");
            assertTrue(first > previous && first <= 41, "rotations start at increasing sequences: " + e);
            previous = first;
        }

        List<RecordedEvent> checkpoints = byType.get("io.github.wal4j.Checkpoint");
        assertEquals(1, checkpoints.size());
        RecordedEvent checkpoint = checkpoints.get(0);
        assertEquals(30, checkpoint.getLong("upToSequence"));
        assertEquals(1234, checkpoint.getLong("snapshotBytes"));
        assertTrue(checkpoint.getInt("segmentsDeleted") >= 3, checkpoint::toString);
        assertEquals(Files.size(snapshot), checkpoint.getLong("snapshotBytes"));

        List<RecordedEvent> recoveries = byType.get("io.github.wal4j.Recovery").stream()
                .filter(e -> dir.toString().equals(e.getString("directory"))).toList();
        assertEquals(2, recoveries.size(), "one per open");
        assertEquals(1, recoveries.get(0).getLong("nextSequence"), "the first open finds an empty log");
        RecordedEvent reopen = recoveries.get(1);
        assertEquals(41, reopen.getLong("nextSequence"));
        assertEquals(0, reopen.getLong("bytesCut"));
        assertTrue(reopen.getString("summary").startsWith("wal4j recovery: ")
                && reopen.getString("summary").contains("checkpoint 30"), reopen::toString);
    }
}
