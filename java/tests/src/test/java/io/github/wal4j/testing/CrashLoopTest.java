package io.github.wal4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.spi.StorageFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The crash loop itself, on a plain file written through the simulated disk: it cuts at every
 * point of the workload and after it, a write that was not synced is lost at some cut (so a check
 * that expects it fails, and the failure names a seed that replays it), a synced one never is, and
 * the same seed gives the same tries.
 */
class CrashLoopTest {
    private static final Path FILE = Path.of("/crash-loop/data");

    /** Writes {@code blocks} 512-byte blocks, syncing after each if {@code sync}; recovery expects the acknowledged ones. */
    private static final class FileScenario implements CrashLoop.Scenario {
        private final boolean sync;
        private final List<Long> cuts;
        private int acknowledged;

        FileScenario(boolean sync, List<Long> cuts) {
            this.sync = sync;
            this.cuts = cuts;
        }

        @Override
        public void run(SimulatedDisk disk) throws Exception {
            try (StorageFile file = disk.create(FILE)) {
                disk.syncDirectory(FILE.getParent());
                for (int b = 0; b < 6; b++) {
                    byte[] block = new byte[512];
                    java.util.Arrays.fill(block, (byte) (b + 1));
                    file.write(ByteBuffer.wrap(block), b * 512L);
                    if (sync) {
                        file.sync();
                    }
                    acknowledged = b + 1;
                }
            }
        }

        @Override
        public void recover(SimulatedDisk rebooted) throws Exception {
            byte[] bytes = rebooted.exists(FILE) ? rebooted.contents(FILE) : new byte[0];
            if (cuts != null) {
                cuts.add((long) acknowledged);
            }
            for (int b = 0; b < acknowledged; b++) {
                assertTrue(bytes.length >= (b + 1) * 512 && bytes[b * 512] == b + 1 && bytes[b * 512 + 511] == b + 1,
                        "acknowledged block " + b + " is gone (" + bytes.length + " bytes left)");
            }
        }
    }

    @Test
    void writesThatWereNotSyncedAreLostAtSomeCutAndTheFailureReplays() {
        CrashLoopFailure failure = assertThrows(CrashLoopFailure.class,
                () -> CrashLoop.withSeed(7).tries(200).run(seed -> new FileScenario(false, null)));
        assertTrue(failure.getMessage().contains("seed " + failure.trySeed()), failure.getMessage());
        assertTrue(failure.cut() >= 1 && failure.cut() <= failure.operations() + 1, failure.getMessage());
        CrashLoopFailure again = assertThrows(CrashLoopFailure.class,
                () -> CrashLoop.replay(failure.trySeed(), 512, seed -> new FileScenario(false, null)));
        assertEquals(failure.cut(), again.cut());
        assertEquals(failure.getCause().getMessage(), again.getCause().getMessage());
    }

    @Test
    void syncedWritesSurviveEveryCutAndTheCutsCoverTheWholeWorkload() {
        List<Long> acknowledgedAtCut = new ArrayList<>();
        CrashLoop.Summary summary = CrashLoop.withSeed(11).tries(300)
                .run(seed -> new FileScenario(true, acknowledgedAtCut));
        assertEquals(300, summary.tries());
        // 2 ops to create the file, 2 per block: every number of acknowledged blocks, 0 to 6, comes up.
        for (long k = 0; k <= 6; k++) {
            assertTrue(acknowledgedAtCut.contains(k), "no cut left " + k + " blocks acknowledged: " + acknowledgedAtCut);
        }
        assertTrue(summary.cutsDuringTheWorkload() < 300, "some cuts come after the workload ended: " + summary);
    }

    @Test
    void theSameSeedGivesTheSameTriesAndAnotherSeedOthers() {
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        List<Long> other = new ArrayList<>();
        CrashLoop.withSeed(42).tries(50).run(seed -> new FileScenario(true, first));
        CrashLoop.withSeed(42).tries(50).run(seed -> new FileScenario(true, second));
        CrashLoop.withSeed(43).tries(50).run(seed -> new FileScenario(true, other));
        assertEquals(first, second);
        assertNotEquals(first, other);
        assertEquals(CrashLoop.withSeed(42).trySeed(3), CrashLoop.withSeed(42).trySeed(3));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CrashLoop.withSeed(1).tries(0));
        assertThrows(IllegalArgumentException.class, () -> CrashLoop.withSeed(1).blockSize(1024));
        assertThrows(NullPointerException.class, () -> CrashLoop.withSeed(1).run(null));
    }
}
