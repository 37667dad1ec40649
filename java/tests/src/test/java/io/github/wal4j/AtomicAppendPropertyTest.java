package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.wal4j.log.Futures;
import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.fixtures.Tries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * Property: a workload mixing single appends, atomic groups ({@code appendAll}, and bursts of
 * {@code appendAllAsync}), fsync, checkpoints at group boundaries and clean reopens, cut by a power
 * failure after a drawn number of file operations and torn by the {@link SimulatedDisk} (lost,
 * zeroed, garbage and reordered blocks of 512 bytes or 4 KiB), in both durability modes and under
 * each protection: after the reboot every group is recovered whole or not at all (never a prefix,
 * a suffix or a torn record), sequences are contiguous, and every acknowledged group is there
 * (SYNC: its call returned; both modes: appended before a successful fsync, checkpoint or clean
 * close).
 *
 * <p>One request per batch ({@code withMaxBatchBytes(1)}: a group is still one batch) makes the
 * file operations independent of thread timing, so a failure prints QuickTheories' seed and
 * {@code -DQT_SEED=<seed>} reproduces it. Cases: a fifth of {@code wal4j.tries}, at least 100.
 */
class AtomicAppendPropertyTest {
    private static final long SEGMENT = 16 << 10;
    private static final int MAX_RECORD = 4096;

    @TempDir
    Path tmp;

    /** One step: 0 append, 1 appendAll, 2 appendAllAsync burst, 3 fsync, 4 checkpoint, 5 reopen. */
    record Op(int kind, int records, int size) {
        @Override
        public String toString() {
            return switch (kind) {
                case 0 -> "append(" + size + ")";
                case 1 -> "appendAll(" + records + " x ~" + size + ")";
                case 2 -> "appendAllAsync x" + (1 + records % 4) + "(" + records + " x ~" + size + ")";
                case 3 -> "fsync";
                case 4 -> "checkpoint(last)";
                default -> "reopen";
            };
        }
    }

    /** The disk, durability and protection of one case. */
    record Setup(int block, Durability durability, Protection protection) {
        @Override
        public String toString() {
            return block + " B blocks, " + durability + "/" + protection;
        }
    }

    static Gen<Op> ops() {
        Gen<Integer> kinds = integers().between(0, 99).map(p -> p < 25 ? 0 : p < 65 ? 1 : p < 80 ? 2 : p < 88 ? 3
                : p < 95 ? 4 : 5);
        return kinds.zip(integers().between(1, 8), integers().between(0, 3000), Op::new);
    }

    static Gen<Setup> setups() {
        return booleans().all().zip(booleans().all(), arbitrary().enumValues(Protection.class),
                (big, buffered, p) -> new Setup(big ? 4096 : 512, buffered ? Durability.BUFFERED : Durability.SYNC, p));
    }

    @Test
    void everyGroupSurvivesWholeOrNotAtAll() {
        qt().withExamples(Tries.scaled(0.2, 100)).withShrinkCycles(100)
                .forAll(lists().of(ops()).ofSizeBetween(1, 40), integers().between(0, 300), longs().all(), setups())
                .checkAssert((ops, cutAfter, crashSeed, setup) -> {
                    try {
                        run(ops, cutAfter, crashSeed, setup);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    /** Sizes of a group's records around {@code size}, from the op alone. */
    private static int[] sizes(Op op) {
        int[] sizes = new int[op.records()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = (op.size() + i * 211) % (MAX_RECORD + 1);
        }
        return sizes;
    }

    private void run(List<Op> ops, int cutAfter, long crashSeed, Setup setup) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "wal");
        SimulatedDisk disk = new SimulatedDisk(setup.block());
        disk.powerOffAfter(cutAfter);
        WalOptions options = Protections.apply(WalOptions.defaults().withSegmentSize(SEGMENT)
                .withMaxRecordSize(MAX_RECORD).withDurability(setup.durability()).withMaxBatchBytes(1),
                setup.protection());
        boolean sync = setup.durability() == Durability.SYNC;
        // Every group appended (its call returned or its future was handed out), by id: its last sequence.
        Map<Long, Long> lastOf = new HashMap<>();
        long acked = 0; // every record up to this sequence was acknowledged durable
        long ackedCheckpoint = 0;
        long nextId = 1;
        WriteAheadLog wal = null;
        try {
            wal = WriteAheadLog.open(dir, options.withStorage(disk));
            for (Op op : ops) {
                switch (op.kind()) {
                    case 0, 1 -> {
                        long id = nextId++;
                        int[] sizes = op.kind() == 0 ? new int[] {op.size()} : sizes(op);
                        long expected = wal.lastSequence() + sizes.length;
                        lastOf.put(id, expected);
                        long last = op.kind() == 0 ? wal.append(AtomicGroups.group(id, sizes).get(0))
                                : wal.appendAll(AtomicGroups.group(id, sizes));
                        assertEquals(expected, last, "the last sequence of group " + id);
                        if (sync) {
                            acked = last;
                        }
                    }
                    case 2 -> {
                        List<CompletableFuture<Long>> futures = new ArrayList<>();
                        List<Long> expected = new ArrayList<>();
                        for (int k = 0; k < 1 + op.records() % 4; k++) {
                            long id = nextId++;
                            int[] sizes = sizes(new Op(1, 1 + (op.records() + k) % 8, op.size() + k * 97));
                            long last = wal.lastSequence() + sizes.length;
                            lastOf.put(id, last);
                            expected.add(last);
                            futures.add(wal.appendAllAsync(AtomicGroups.group(id, sizes)));
                        }
                        for (int k = 0; k < futures.size(); k++) {
                            long last = Futures.await(futures.get(k));
                            assertEquals(expected.get(k), last, "groups keep their submission order");
                            if (sync) {
                                acked = last;
                            }
                        }
                    }
                    case 3 -> {
                        long last = wal.lastSequence();
                        wal.fsync();
                        acked = Math.max(acked, last);
                    }
                    case 4 -> {
                        // At a group boundary: a checkpoint inside a group would leave a suffix to replay.
                        long upTo = wal.lastSequence();
                        wal.checkpoint(upTo);
                        ackedCheckpoint = upTo;
                        acked = Math.max(acked, upTo);
                    }
                    default -> {
                        long last = wal.lastSequence();
                        wal.close();
                        acked = Math.max(acked, last);
                        wal = null;
                        wal = WriteAheadLog.open(dir, options.withStorage(disk));
                    }
                }
            }
        } catch (IOException e) {
            if (!disk.isOff()) {
                throw e;
            }
        }
        SimulatedDisk after = disk.crash(new Random(crashSeed));
        PowerOff.abandon(wal);
        Map<Long, Long> mustSurvive = new HashMap<>();
        for (Map.Entry<Long, Long> e : lastOf.entrySet()) {
            if (e.getValue() <= acked) {
                mustSurvive.put(e.getKey(), e.getValue());
            }
        }
        String context = setup + ", power off after " + cutAfter + " operations, crash seed " + crashSeed;
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options.withStorage(after))) {
            long checkpoint = reopened.checkpointSequence();
            assertTrue(checkpoint >= ackedCheckpoint, "checkpoint " + checkpoint + " older than the acknowledged "
                    + ackedCheckpoint + "; " + context);
            List<WalRecord> records = reopened.recover();
            AtomicGroups.assertWholeGroups(records, checkpoint, mustSurvive, context);
            long last = records.isEmpty() ? checkpoint : records.get(records.size() - 1).sequence();
            assertTrue(last >= acked, "acknowledged through " + acked + ", recovered through " + last + "; " + context);
            // The log goes on after the cut: a group appended now is the next sequences.
            assertEquals(reopened.lastSequence() + 2, reopened.appendAll(AtomicGroups.group(0, new int[] {20, 30})));
        }
    }
}
