package io.github.wal4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Wal4jSubjectTest {
    private static final long SEGMENT = 4 << 20;

    @Test
    void theRecycledSubjectsRecycleWhateverTheDefault() {
        for (String layer : new String[] {"native", "java"}) {
            assertTrue(Subjects.recycledOptions(layer).segmentRecycling(), layer);
            assertEquals(layer, Subjects.recycledOptions(layer).ioLayer());
            assertTrue(Subjects.get("wal4j-" + layer + "-recycled").description().contains("withSegmentRecycling(true)"), layer);
        }
        assertTrue(Options.parse(new String[] {"--full"}).subjects.containsAll(Report.RECYCLED), "in --full");
        assertTrue(!Options.parse(new String[] {"--quick"}).subjects.contains("wal4j-native-recycled"), "not in --quick");
    }

    @Test
    void aRecycledFactoryRefusesOptionsWithoutRecycling() {
        assertThrows(IllegalArgumentException.class,
                () -> Wal4jSubject.recycled(WalOptions.defaults().withSegmentRecycling(false), 50));
    }

    /**
     * The subject opens in a recycled segment; while it is open the checkpointer frees segments, so
     * the rotations of a later window recycle too, and the window's counters and note say so.
     */
    @Test
    void theRecycledSubjectCountsItsWindowsRotationsAndCheckpoints(@TempDir Path dir) throws Exception {
        SubjectFactory factory = Wal4jSubject.recycledCounted(Subjects.recycledOptions("native").withSegmentSize(SEGMENT), 5);
        try (Subject subject = factory.open(dir, 65536)) {
            assertEquals(3, SteadyState.newestSegment(dir));
            assertTrue(SteadyStateTest.recycledFlag(dir.resolve("0000000000000003.wal")), "opens in a recycled segment");
            Map<String, Long> before = subject.counters();
            byte[] record = Harness.record(65536, 1);
            // One thread, one fdatasync per record: the half of a 4 MiB segment takes a few ms at the
            // very least, so the 5 ms checkpoints have freed the segment before it by then.
            while (SteadyState.newestSegment(dir) < 6) {
                subject.append(record);
            }
            Map<String, Long> after = subject.counters();
            Map<String, Long> window = new HashMap<>();
            after.forEach((k, v) -> window.put(k, v - before.getOrDefault(k, 0L)));
            String note = subject.windowNote(window);
            System.out.println("recycled subject, 3 rotations: " + note + " " + window);
            assertEquals(3, window.get("rotations"), note);
            assertTrue(window.get("rotations recycled") >= 1, note);
            assertTrue(window.get("checkpoints") >= 1, note);
            assertTrue(note.startsWith("window: 3 rotations (") && note.endsWith(" checkpoints"), note);
        }
    }

    @Test
    void theRecycledSubjectRunsNoJfrRecordingInItsWindow(@TempDir Path dir) throws Exception {
        SubjectFactory factory = Wal4jSubject.recycled(Subjects.recycledOptions("native").withSegmentSize(SEGMENT), 5);
        try (Subject subject = factory.open(dir, 65536)) {
            assertTrue(SteadyStateTest.recycledFlag(dir.resolve("0000000000000003.wal")), "opens in a recycled segment");
            List<String> running = FlightRecorder.getFlightRecorder().getRecordings().stream()
                    .filter(r -> r.getState() == RecordingState.RUNNING).map(Recording::getName).toList();
            assertEquals(List.of(), running, "JFR recordings running in the window");
            Map<String, Long> counters = subject.counters();
            assertFalse(counters.containsKey("rotations"), counters::toString);
            assertTrue(counters.containsKey("checkpoints"), counters::toString);
        }
    }

    @Test
    void theSteadySubjectsNoteTheirRotationsButDoNotCheckpoint() {
        Map<String, Long> window = Map.of("appends", 10L, "rotations", 2L, "rotations prepared", 2L, "rotations recycled", 1L);
        String note = Wal4jSubject.noteOf(window);
        assertEquals("window: 2 rotations (0 created at rotation, 1 zero-filled ahead, 1 recycled)", note);
    }

    @Test
    void aFailedCheckpointIsThrownWhenTheCheckpointerCloses(@TempDir Path dir) throws Exception {
        WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withIoLayer("java"));
        wal.append(new byte[10]);
        Checkpointer checkpointer = Checkpointer.start(wal, 5);
        wal.close();
        Thread.sleep(50);
        IllegalStateException e = assertThrows(IllegalStateException.class, checkpointer::close);
        assertEquals("a checkpoint failed", e.getMessage());
    }
}
