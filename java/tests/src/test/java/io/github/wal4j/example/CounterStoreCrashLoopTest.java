package io.github.wal4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.wal4j.testing.CrashLoop;
import io.github.wal4j.testing.CrashLoopFailure;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a user tests the recovery of their own application with the test kit's {@link CrashLoop}:
 * {@link CounterStore} under power cuts, its invariant "every acknowledged addition is there once,
 * the one in flight at the cut at most once". The planted bugs are found within a bounded number of
 * tries, with a seed that replays the failure; the correct store passes 1,000 tries.
 *
 * <p>The disk is the kit's, whichever I/O layer the run is for, so the 1,000 tries run in the java
 * layer's execution only.
 */
class CounterStoreCrashLoopTest {
    @TempDir
    Path tmp;

    private int directories;

    /** One try's application: a seeded workload of additions, snapshots and restarts, then the check. */
    private final class Scenario implements CrashLoop.Scenario {
        private final Random random;
        private final CounterStore.Bug bug;
        private final Path dir;
        private final long[] acknowledged = new long[CounterStore.KEYS];
        private int inFlightKey = -1;
        private long inFlightDelta;

        Scenario(long seed, CounterStore.Bug bug) {
            this.random = new Random(seed);
            this.bug = bug;
            try {
                // The log checks its directory on the real file system; its files live on the simulated disk.
                this.dir = Files.createDirectories(tmp.resolve("try-" + directories++).resolve("wal")).getParent();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void run(SimulatedDisk disk) throws Exception {
            CounterStore store = CounterStore.open(disk, dir, bug);
            for (int op = 0; op < 24; op++) {
                int kind = random.nextInt(10);
                if (kind == 0 && op > 0) {
                    store.snapshot();
                } else if (kind == 1) {
                    store.close();
                    store = CounterStore.open(disk, dir, bug);
                } else {
                    inFlightKey = random.nextInt(CounterStore.KEYS);
                    inFlightDelta = 1 + random.nextInt(1000);
                    store.add(inFlightKey, inFlightDelta);
                    acknowledged[inFlightKey] += inFlightDelta;
                    inFlightKey = -1;
                }
            }
            store.close();
        }

        @Override
        public void recover(SimulatedDisk rebooted) throws Exception {
            try (CounterStore store = CounterStore.open(rebooted, dir, bug)) {
                long[] recovered = store.values();
                long[] withInFlight = acknowledged.clone();
                if (inFlightKey >= 0) {
                    withInFlight[inFlightKey] += inFlightDelta;
                }
                assertTrue(Arrays.equals(recovered, acknowledged) || Arrays.equals(recovered, withInFlight),
                        "recovered " + Arrays.toString(recovered) + ", acknowledged " + Arrays.toString(acknowledged)
                                + (inFlightKey >= 0 ? " (+" + inFlightDelta + " on key " + inFlightKey + " in flight)" : ""));
            }
        }
    }

    private LongFunction<CrashLoop.Scenario> scenarios(CounterStore.Bug bug) {
        return seed -> new Scenario(seed, bug);
    }

    @Test
    void theCorrectStorePassesAThousandTries() {
        assumeFalse("native".equals(System.getProperty("wal4j.io")),
                "the crash loop runs on the kit's simulated disk, whatever the layer: run once, in the java execution");
        CrashLoop loop = CrashLoop.seeded().tries(1000);
        CrashLoop.Summary summary = loop.run(scenarios(CounterStore.Bug.NONE));
        assertEquals(1000, summary.tries());
        assertTrue(summary.cutsDuringTheWorkload() > 900, "most cuts fall inside the workload: " + summary);
    }

    @Test
    void aStoreThatAcknowledgesBeforeTheRecordIsDurableIsCaught() {
        CrashLoopFailure failure = assertThrows(CrashLoopFailure.class,
                () -> CrashLoop.seeded().tries(300).run(scenarios(CounterStore.Bug.ACKNOWLEDGED_BEFORE_DURABLE)));
        assertTrue(failure.getMessage().contains("recovery after the power cut failed its check"), failure.getMessage());
        assertTrue(failure.getMessage().contains("replay with CrashLoop.replay(" + failure.trySeed() + "L"),
                failure.getMessage());
    }

    @Test
    void aCheckpointOneRecordShortIsCaughtAndItsSeedReplaysTheFailure() {
        CrashLoopFailure failure = assertThrows(CrashLoopFailure.class,
                () -> CrashLoop.seeded().tries(300).run(scenarios(CounterStore.Bug.CHECKPOINT_ONE_SHORT)));
        CrashLoopFailure again = assertThrows(CrashLoopFailure.class,
                () -> CrashLoop.replay(failure.trySeed(), 512, scenarios(CounterStore.Bug.CHECKPOINT_ONE_SHORT)));
        assertEquals(failure.cut(), again.cut(), "the replay cuts the power at the same operation");
        assertEquals(failure.getCause().getMessage(), again.getCause().getMessage());
        // The same seed against the correct store: the failure was the bug's, not the seed's.
        CrashLoop.replay(failure.trySeed(), 512, scenarios(CounterStore.Bug.NONE));
    }
}
