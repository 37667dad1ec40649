package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.fixtures.Tries;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * The power-loss property with segment recycling on: random logs of appends (one to four 4 KiB
 * blocks each, so batches of one use straddle those of another), checkpoints at random distances
 * behind the last append (which free segments to recycle), reopens, with segment preparation on or
 * off, lost writes tearing 512-byte or 4 KiB blocks, and each protection; the power is cut after a random number of
 * file operations, the disk rebooted from a random seed. After reopening: every acknowledged record
 * is there, the records are consecutive from the checkpoint on, each holds its own payload (a record
 * of an earlier use of a recycled file would hold another's), and the log goes on.
 *
 * <p>The seed is printed ({@code -Dwal4j.seed=N} replays a run); QuickTheories prints the failing
 * case.
 */
class RecyclingPowerLossPropertyTest {
    private static final long SEGMENT = 16 << 10;
    private static final AtomicInteger RUNS = new AtomicInteger();

    @TempDir
    Path tmp;

    /** One step: an append of {@code arg} bytes, a checkpoint {@code arg} records behind, or a reopen. */
    record Op(int kind, int arg) {
        @Override
        public String toString() {
            return switch (kind) {
                case 0 -> "append(" + arg + ")";
                case 1 -> "checkpoint(last - " + arg + ")";
                default -> "reopen";
            };
        }
    }

    private static Gen<Op> ops() {
        return integers().between(0, 19).zip(integers().between(0, 13_000), (k, a) -> k < 14 ? new Op(0, a)
                : k < 18 ? new Op(1, a % 8) : new Op(2, 0));
    }

    static byte[] payload(long sequence, int size) {
        byte[] b = new byte[size];
        new Random(sequence * 7919).nextBytes(b);
        return b;
    }

    @Test
    void acknowledgedRecordsSurviveAnyPowerCutWithRecycledSegments() {
        qt().withFixedSeed(Seeds.seed("RecyclingPowerLossPropertyTest")).withExamples(Tries.scaled(0.2, 100))
                .withShrinkCycles(100)
                // setup: bit 0 preparation, bit 1 4 KiB tears, the rest the protection (none, AES-GCM, HMAC chain)
                .forAll(lists().of(ops()).ofSizeBetween(10, 80), integers().between(0, 600), longs().all(),
                        integers().between(0, 11))
                .checkAssert((ops, cutAfter, crashSeed, setup) -> {
                    try {
                        run(ops, cutAfter, crashSeed, (setup & 1) != 0, (setup & 2) != 0 ? 4096 : 512,
                                Protection.values()[setup >> 2]);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    private void run(List<Op> ops, int cutAfter, long crashSeed, boolean prepare, int block, Protection protection)
            throws IOException {
        String label = ops + ", cut after " + cutAfter + ", crash seed " + crashSeed + ", preparation " + prepare
                + ", " + block + "-byte tears, " + protection;
        SimulatedDisk disk = new SimulatedDisk(block);
        Path dir = Files.createDirectories(tmp.resolve("run-" + RUNS.incrementAndGet())).toRealPath();
        WalOptions options = Protections.apply(WalOptions.defaults().withSegmentSize(SEGMENT).withMaxBatchBytes(1)
                .withSegmentPreparation(prepare).withSegmentRecycling(true), protection);
        Map<Long, Integer> sizes = new HashMap<>();
        long acked = 0;
        long checkpointed = 0;
        disk.powerOffAfter(cutAfter);
        WriteAheadLog wal = null;
        try {
            wal = WriteAheadLog.open(dir, options.withStorage(disk));
            for (Op op : ops) {
                if (op.kind() == 0) {
                    sizes.put(wal.lastSequence() + 1, op.arg());
                    acked = wal.append(payload(wal.lastSequence() + 1, op.arg()));
                } else if (op.kind() == 1) {
                    long upTo = Math.max(0, acked - op.arg());
                    wal.checkpoint(upTo);
                    checkpointed = Math.max(checkpointed, upTo);
                } else {
                    wal.close();
                    wal = WriteAheadLog.open(dir, options.withStorage(disk));
                }
            }
        } catch (IOException e) {
            if (!disk.isOff()) {
                throw new AssertionError(label, e);
            }
        } finally {
            PowerOff.abandon(wal);
        }
        SimulatedDisk after = disk.crash(new Random(crashSeed));
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options.withStorage(after))) {
            String summary = label + "; " + reopened.recoveryReport().summary();
            List<WalRecord> records = reopened.recover();
            long next = checkpointed + 1;
            if (!records.isEmpty()) {
                long first = records.get(0).sequence();
                assertTrue(first >= 1 && first <= Math.max(checkpointed, acked) + 1, summary + ": starts at " + first);
                next = first;
            }
            for (WalRecord r : records) {
                assertEquals(next, r.sequence(), summary);
                Integer size = sizes.get(next);
                assertTrue(size != null, summary + ": record " + next + " was never appended");
                assertArrayEquals(payload(next, size), r.payload(), summary + ": record " + next);
                next++;
            }
            // Without records the log ends at its checkpoint (one whose call the cut interrupted may be in force).
            long end = records.isEmpty() ? reopened.lastSequence() : next - 1;
            assertTrue(end >= acked, summary + ": acknowledged up to " + acked + ", recovered up to " + end);
            long last = Math.max(end, reopened.lastSequence());
            assertEquals(last + 1, reopened.append(new byte[] {7}), summary);
        }
    }
}
