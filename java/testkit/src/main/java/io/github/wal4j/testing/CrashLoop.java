package io.github.wal4j.testing;

import java.util.Objects;
import java.util.Random;
import java.util.function.LongFunction;

/**
 * Runs an application's workload on a {@link SimulatedDisk}, cuts the power at a random point,
 * runs the application's recovery on the disk as a reboot finds it, and lets the application check
 * its invariant; again and again, each try from a seed, so that a failure can be replayed exactly.
 * This is where crash bugs of applications live (ALICE, OSDI '14: the applications' update
 * protocols, not the file systems, lose data): a snapshot loaded in the wrong order, a change
 * acknowledged before its record was durable, records applied twice.
 *
 * <p>One try, from its seed: a fresh {@link Scenario} runs on a fresh disk with the power on, to
 * count the disk operations the workload makes (N); a second fresh scenario runs on a second disk
 * whose power goes off at operation k, chosen from the seed in {@code [1, N + 1]} (N + 1: after the
 * workload ended, with whatever was still unsynced); the disk is then
 * {@linkplain SimulatedDisk#crash(Random) crashed} (unsynced writes kept, lost or torn, unsynced
 * creates, renames and deletes undone, all from the seed) and the scenario recovers on it. A try
 * fails when the recovery throws, or when the workload throws while the power was still on.
 *
 * <p>Reproducible: a try is a function of its seed when the workload is (one thread, no clock, no
 * randomness but the {@link Random} the scenario was given). A log's writer thread makes the order
 * of its own syncs depend on timing only when several threads append at once.
 *
 * <p>On failure {@link #run} throws {@link CrashLoopFailure}, which names the loop's seed, the try,
 * its seed, the operation the power was cut at and how many there were, and how to replay it:
 * {@code CrashLoop.replay(trySeed, scenarios)}. Not thread-safe; the scenarios run on the calling
 * thread.
 */
public final class CrashLoop {

    /**
     * One try of the application: its workload and its recovery, with the state the check needs
     * (what the workload saw acknowledged) kept in the instance between the two.
     */
    public interface Scenario {
        /**
         * Runs the workload on {@code disk} (open the log with {@code WalOptions.withStorage(disk)},
         * and put the application's own files through it too) until it ends or the power goes off,
         * which makes every disk operation throw an {@link java.io.IOException}. Record what was
         * acknowledged as it happens: the loop discards what this throws once the power is off.
         */
        void run(SimulatedDisk disk) throws Exception;

        /**
         * Recovers on {@code rebooted}, the disk as the reboot after the cut finds it, and checks the
         * invariant against what {@link #run} saw acknowledged; throws (an {@link AssertionError},
         * or any exception) if it does not hold.
         */
        void recover(SimulatedDisk rebooted) throws Exception;
    }

    /** What a finished {@link #run} did. */
    public record Summary(long seed, int tries, long operations, int cutsDuringTheWorkload) {
    }

    private final long seed;
    private int tries = 100;
    private int blockSize = 512;

    private CrashLoop(long seed) {
        this.seed = seed;
    }

    /** A loop whose tries all follow from {@code seed}. */
    public static CrashLoop withSeed(long seed) {
        return new CrashLoop(seed);
    }

    /** A loop seeded from {@code -Dwal4j.seed} if set, or from the clock (printed by a failure). */
    public static CrashLoop seeded() {
        String property = System.getProperty("wal4j.seed");
        return new CrashLoop(property != null ? Long.parseLong(property.strip()) : System.nanoTime());
    }

    /** How many tries {@link #run} makes (100 unless set). */
    public CrashLoop tries(int tries) {
        if (tries < 1) {
            throw new IllegalArgumentException("tries must be at least 1: " + tries);
        }
        this.tries = tries;
        return this;
    }

    /** The unit a lost write tears: 512 (a sector, the default) or 4096 (a page, or a 4 KiB physical sector). */
    public CrashLoop blockSize(int blockSize) {
        if (blockSize != 512 && blockSize != 4096) {
            throw new IllegalArgumentException("block size must be 512 or 4096: " + blockSize);
        }
        this.blockSize = blockSize;
        return this;
    }

    /** The seed the tries follow from. */
    public long seed() {
        return seed;
    }

    /** The seed of try {@code index} (0-based) of this loop. */
    public long trySeed(int index) {
        return mix(seed + 0x9E3779B97F4A7C15L * (index + 1));
    }

    /**
     * Runs the tries; {@code scenarios} makes a fresh scenario for a try's seed (twice per try: the
     * counting run and the cut run).
     *
     * @throws CrashLoopFailure at the first try that fails
     */
    public Summary run(LongFunction<? extends Scenario> scenarios) {
        Objects.requireNonNull(scenarios, "scenarios");
        long operations = 0;
        int during = 0;
        for (int i = 0; i < tries; i++) {
            Try t = runTry(trySeed(i), blockSize, scenarios, i);
            operations += t.operations;
            if (t.cut <= t.operations) {
                during++;
            }
        }
        return new Summary(seed, tries, operations, during);
    }

    /**
     * Runs the one try of seed {@code trySeed} again, as {@link #run} ran it, to debug a
     * {@link CrashLoopFailure} (its message gives the seed and block size).
     *
     * @throws CrashLoopFailure if it fails again
     */
    public static void replay(long trySeed, int blockSize, LongFunction<? extends Scenario> scenarios) {
        runTry(trySeed, blockSize, scenarios, -1);
    }

    private record Try(long operations, long cut) {
    }

    private static Try runTry(long trySeed, int blockSize, LongFunction<? extends Scenario> scenarios, int index) {
        SimulatedDisk counting = new SimulatedDisk(blockSize);
        try {
            scenarios.apply(trySeed).run(counting);
        } catch (Exception | AssertionError e) {
            throw new CrashLoopFailure(index, trySeed, blockSize, 0, counting.mutations(),
                    "the workload failed with the power on, before any cut", e);
        }
        long operations = counting.mutations();
        Random random = new Random(trySeed);
        long cut = 1 + (long) (random.nextDouble() * (operations + 1));
        SimulatedDisk disk = new SimulatedDisk(blockSize);
        disk.powerOffAfter(cut);
        Scenario scenario = scenarios.apply(trySeed);
        try {
            scenario.run(disk);
        } catch (Exception | AssertionError e) {
            if (!disk.isOff()) {
                throw new CrashLoopFailure(index, trySeed, blockSize, cut, operations,
                        "the workload failed with the power still on", e);
            }
        }
        SimulatedDisk rebooted = disk.crash(random);
        try {
            scenario.recover(rebooted);
        } catch (Exception | AssertionError e) {
            throw new CrashLoopFailure(index, trySeed, blockSize, cut, operations,
                    "recovery after the power cut failed its check", e);
        }
        return new Try(operations, cut);
    }

    /** SplitMix64's finalizer: neighbouring tries get unrelated seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
