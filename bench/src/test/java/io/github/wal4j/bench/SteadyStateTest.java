package io.github.wal4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.format.SegmentHeader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void rotatesIntoARecycledSegmentAfterACheckpoint(@TempDir Path dir) throws Exception {
        for (String layer : new String[] {"native", "java"}) {
            Path logDir = Files.createDirectory(dir.resolve(layer));
            WalOptions options = Subjects.recycledOptions(layer).withSegmentSize(SEGMENT);
            try (WriteAheadLog wal = WriteAheadLog.open(logDir, options); Rotations rotations = Rotations.start()) {
                // The first rotation of a new log finds nothing freed; the second uses segment 1's file.
                assertEquals("0000000000000003.wal", SteadyState.reach(wal, logDir, SEGMENT, SteadyState.Goal.RECYCLED,
                        rotations), layer);
                assertTrue(recycledFlag(logDir.resolve("0000000000000003.wal")), layer + ": the header's RECYCLED flag");
                List<Rotations.Rotation> all = rotations.sofar();
                assertEquals(2, all.size(), layer + ": " + all);
                assertFalse(all.get(0).recycled(), layer + ": " + all);
                assertTrue(all.get(1).prepared() && all.get(1).recycled(), layer + ": " + all);
                assertEquals(wal.lastSequence(), wal.durableSequence(), layer + ": nothing in flight");
                assertTrue(wal.checkpointSequence() > 0, layer + ": the fill checkpointed");
            }
        }
    }

    @Test
    void failsWhenNoRotationUsesARecycledSegment(@TempDir Path dir) throws Exception {
        // Recycling off, preparation on: every rotation is prepared with zeros, none recycled.
        WalOptions options = WalOptions.defaults().withIoLayer("native").withSegmentSize(SEGMENT).withSegmentRecycling(false);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options); Rotations rotations = Rotations.start()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SteadyState.reach(wal, dir, SEGMENT, SteadyState.Goal.RECYCLED, rotations));
            assertTrue(e.getMessage().startsWith("no rotation used a recycled segment in 4 tries"), e.getMessage());
            System.out.println("recycling off: " + e.getMessage());
            assertEquals(4, rotations.sofar().stream().filter(Rotations.Rotation::prepared).count(), "4 prepared rotations");
        }
    }

    /** The RECYCLED bit of the segment file's header (flags: a big-endian short at offset 10). */
    static boolean recycledFlag(Path segment) throws Exception {
        ByteBuffer header = ByteBuffer.allocate(SegmentHeader.ENCODED_SIZE);
        try (FileChannel ch = FileChannel.open(segment)) {
            ch.read(header, 0);
        }
        return (header.getShort(10) & SegmentHeader.FLAG_RECYCLED) != 0;
    }
}
