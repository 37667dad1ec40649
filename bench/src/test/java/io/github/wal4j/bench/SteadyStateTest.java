package io.github.wal4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SteadyStateTest {
    private static final long SEGMENT = 4 << 20;

    @Test
    void rotatesIntoAPreparedSegmentAndLeavesNothingInFlight(@TempDir Path dir) throws Exception {
        WalOptions options = WalOptions.defaults().withIoLayer("native").withSegmentSize(SEGMENT);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertEquals("0000000000000002.wal", SteadyState.reach(wal, dir, SEGMENT));
            assertEquals(2, SteadyState.newestSegment(dir));
            assertFalse(Files.exists(dir.resolve("0000000000000002.wal.tmp")), "the prepared file was renamed into place");
            // Every fill record is acknowledged, so durable: nothing in flight.
            assertEquals(wal.lastSequence(), wal.durableSequence());
            assertTrue(wal.stats().bytes() > SEGMENT, "filled past the first segment: " + wal.stats().bytes());
        }
    }

    @Test
    void failsWhenNoRotationUsesAPreparedSegment(@TempDir Path dir) throws Exception {
        WalOptions options = WalOptions.defaults().withIoLayer("java").withSegmentSize(SEGMENT).withSegmentPreparation(false);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SteadyState.reach(wal, dir, SEGMENT));
            assertTrue(e.getMessage().startsWith("no rotation used a prepared segment in 3 tries"), e.getMessage());
        }
    }

    @Test
    void theSteadySubjectsOpenInTheirSecondSegment(@TempDir Path dir) throws Exception {
        for (String layer : new String[] {"native", "java"}) {
            Path logDir = Files.createDirectory(dir.resolve(layer));
            try (Subject subject = Subjects.get("wal4j-" + layer + "-steady").factory().open(logDir, 100)) {
                assertEquals(2, SteadyState.newestSegment(logDir), layer);
                subject.append(new byte[100]);
            }
        }
    }
}
