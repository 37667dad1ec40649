package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.log.CheckpointStore;
import io.github.wal4j.log.Futures;
import io.github.wal4j.log.SegmentKeys;
import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.fixtures.SegmentWriterAudit;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.fixtures.Tries;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * Property: after a power cut at any point (mid-append, mid-rotation, mid-checkpoint, mid-open),
 * with unsynced writes kept, lost, torn at sector granularity (or in whole 4 KiB blocks, earlier synced
 * bytes of the block included), zeroed or filled with garbage, and
 * unsynced directory operations undone, reopening recovers every acknowledged record in order and
 * replays nothing torn, nothing twice, nothing that was not appended.
 *
 * <p>A stateful, model-based property: the workload interleaves append, appendAsync bursts,
 * flush, fsync, checkpoints (with and without snapshot), clean reopen, and the power cut, in both
 * durability modes and under each protection (none, AES-256-GCM, the HMAC chain: drawn per case,
 * printed with it), against a model of what must survive. One record per batch
 * ({@code withMaxBatchBytes(1)}) makes the sequence of file operations independent of thread
 * timing, so a failure prints QuickTheories' seed and {@code -DQT_SEED=<seed>} reproduces it.
 * Cases: {@code wal4j.tries} (default 1000) with 512-byte tears, half as many with 4 KiB ones.
 */
class PowerLossTest {
    private static final int MAX_RECORD = 24000;
    private static final long SEGMENT = 16 << 10;

    @TempDir
    Path tmp;

    /** One step of the workload. */
    record Op(int kind, int size) {
        @Override
        public String toString() {
            return switch (kind) {
                case 0 -> "append(" + size + ")";
                case 1 -> "checkpoint(upTo)";
                case 2 -> "checkpoint(snapshot)";
                case 3 -> "reopen";
                case 4 -> "appendAsync x" + (1 + size % 6) + "(" + size + ")";
                case 5 -> "fsync";
                default -> "flush";
            };
        }
    }

    /** The durability and protection of one case. */
    record Setup(Durability durability, Protection protection) {
        @Override
        public String toString() {
            return durability + "/" + protection;
        }
    }

    static Gen<Setup> setups() {
        return booleans().all().zip(arbitrary().enumValues(Protection.class),
                (buffered, protection) -> new Setup(buffered ? Durability.BUFFERED : Durability.SYNC, protection));
    }

    static Gen<Op> ops() {
        Gen<Integer> sizes = integers().between(0, 700)
                .mix(integers().between(0, MAX_RECORD), 20)
                .mix(integers().between(0, 3).map(i -> new int[] {0, 1, (int) SEGMENT - 100, MAX_RECORD}[i]), 10);
        Gen<Integer> kinds = integers().between(0, 99).map(p -> p < 55 ? 0 : p < 70 ? 4 : p < 77 ? 5 : p < 80 ? 6
                : p < 88 ? 1 : p < 95 ? 2 : 3);
        return kinds.zip(sizes, Op::new);
    }

    @Test
    void acknowledgedRecordsSurviveAnyPowerCut() {
        property(512, Tries.count());
    }

    /**
     * The same on a disk whose lost writes tear whole 4 KiB blocks (a page writeback, or a 512e
     * drive's read-modify-write of its 4 KiB physical sector): a block shared by an acknowledged
     * batch and a later, unsynced one can lose both, which 512-byte batch alignment allowed.
     */
    @Test
    void acknowledgedRecordsSurviveAnyPowerCutThatTears4KiBBlocks() {
        property(4096, Tries.scaled(0.5, 100));
    }

    private void property(int block, int examples) {
        qt().withExamples(examples).withShrinkCycles(200)
                .forAll(lists().of(ops()).ofSizeBetween(1, 40), integers().between(0, 400), longs().all(),
                        setups())
                .checkAssert((ops, cutAfter, crashSeed, setup) -> {
                    try {
                        runScenario(ops, cutAfter, crashSeed, setup.durability(), setup.protection(), block);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    private static byte[] payload(long sequence, int size) {
        byte[] b = new byte[size];
        new Random(sequence * 1_000_003L + size).nextBytes(b);
        return b;
    }

    private void runScenario(List<Op> ops, int cutAfter, long crashSeed, Durability durability, Protection protection,
            int block) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "wal");
        Path snapshots = Files.createTempDirectory(tmp, "snap");
        Path snapshot = snapshots.resolve("state.snap");
        SimulatedDisk disk = new SimulatedDisk(block);
        disk.powerOffAfter(cutAfter);
        WalOptions options = Protections.apply(WalOptions.defaults().withSegmentSize(SEGMENT)
                .withMaxRecordSize(MAX_RECORD).withDurability(durability).withMaxBatchBytes(1), protection);
        boolean sync = durability == Durability.SYNC;
        // In a protected log no open may write into a segment an earlier open created (nonce reuse).
        SegmentWriterAudit audit = protection == Protection.NONE ? null : new SegmentWriterAudit();
        Function<SimulatedDisk, WalOptions> session = d -> options.withStorage(
                audit == null ? d : audit.session(d));

        List<Integer> sizes = new ArrayList<>(); // sizes.get(seq - 1): what was appended at seq
        long acked = 0;
        long ackedCheckpoint = 0;
        WriteAheadLog wal = null;
        try {
            wal = WriteAheadLog.open(dir, session.apply(disk));
            for (Op op : ops) {
                switch (op.kind) {
                    case 0 -> {
                        long expected = wal.lastSequence() + 1;
                        while (sizes.size() < expected) {
                            sizes.add(-1);
                        }
                        sizes.set((int) expected - 1, op.size);
                        long seq = wal.append(payload(expected, op.size));
                        assertEquals(expected, seq, "sequence numbers are contiguous");
                        if (sync) {
                            acked = seq;
                        }
                    }
                    case 4 -> {
                        List<CompletableFuture<Long>> futures = new ArrayList<>();
                        long first = wal.lastSequence() + 1;
                        for (int k = 0; k < 1 + op.size % 6; k++) {
                            int size = (op.size + k * 97) % (MAX_RECORD + 1);
                            while (sizes.size() < first + k) {
                                sizes.add(-1);
                            }
                            sizes.set((int) (first + k) - 1, size);
                            futures.add(wal.appendAsync(payload(first + k, size)));
                        }
                        for (int k = 0; k < futures.size(); k++) {
                            long seq = Futures.await(futures.get(k));
                            assertEquals(first + k, seq, "sequence numbers follow submission order");
                            if (sync) {
                                acked = seq;
                            }
                        }
                    }
                    case 5 -> {
                        long last = wal.lastSequence();
                        wal.fsync();
                        acked = Math.max(acked, last);
                    }
                    case 6 -> wal.flush();
                    case 1 -> {
                        long upTo = wal.lastSequence() / 2 + wal.lastSequence() / 4;
                        wal.checkpoint(upTo);
                        ackedCheckpoint = Math.max(ackedCheckpoint, upTo);
                        acked = Math.max(acked, upTo);
                    }
                    case 2 -> {
                        long upTo = wal.lastSequence();
                        if (upTo >= wal.checkpointSequence()) {
                            wal.checkpoint(snapshot, upTo,
                                    out -> out.write(("covers " + upTo).getBytes(StandardCharsets.US_ASCII)));
                            ackedCheckpoint = Math.max(ackedCheckpoint, upTo);
                            acked = Math.max(acked, upTo);
                        }
                    }
                    default -> {
                        long last = wal.lastSequence();
                        wal.close();
                        acked = Math.max(acked, last);
                        wal = null;
                        wal = WriteAheadLog.open(dir, session.apply(disk));
                    }
                }
            }
        } catch (IOException e) {
            if (!disk.isOff()) {
                throw e;
            }
        }
        // Pull the plug now whether or not the cut came during the workload.
        SimulatedDisk after = disk.crash(new Random(crashSeed));
        PowerOff.abandon(wal);

        try (WriteAheadLog reopened = WriteAheadLog.open(dir, session.apply(after))) {
            long checkpoint = reopened.checkpointSequence();
            assertTrue(checkpoint >= ackedCheckpoint, "checkpoint in force " + checkpoint
                    + " is older than the acknowledged checkpoint " + ackedCheckpoint);
            List<WalRecord> records = reopened.recover();
            long expected = checkpoint + 1;
            for (WalRecord r : records) {
                assertEquals(expected, r.sequence(), "recovered sequences are contiguous after the checkpoint");
                assertTrue(r.sequence() <= sizes.size() && sizes.get((int) r.sequence() - 1) >= 0,
                        "recovered sequence " + r.sequence() + " was never appended");
                assertArrayEquals(payload(r.sequence(), sizes.get((int) r.sequence() - 1)), r.payload(),
                        "payload of sequence " + r.sequence());
                expected++;
            }
            long last = records.isEmpty() ? checkpoint : records.get(records.size() - 1).sequence();
            assertTrue(last >= acked, "acknowledged through " + acked + " but recovered only through " + last
                    + " (checkpoint " + checkpoint + "), report: " + reopened.recoveryReport().summary());
            Checkpoint inForce = new CheckpointStore(after, reopened.directory(), new SegmentKeys(protection,
                    protection == Protection.NONE ? null : Protections.keys())).read();
            if (inForce.snapshot() != null) {
                assertEquals("covers " + inForce.upToSequence(), readAll(after, inForce.snapshot()),
                        "the snapshot in force matches its checkpoint");
            }
            assertEquals(Optional.ofNullable(inForce.snapshot()), reopened.snapshot().map(WalSnapshot::path),
                    "snapshot() names the snapshot of the checkpoint in force");
            // The log goes on: one more append survives a clean reopen.
            long next = reopened.append(new byte[] {42});
            assertEquals(last + 1, next);
        }
        try (WriteAheadLog again = WriteAheadLog.open(dir, session.apply(after))) {
            List<WalRecord> records = again.recover();
            assertEquals(again.lastSequence(), records.isEmpty() ? again.checkpointSequence()
                    : records.get(records.size() - 1).sequence());
            assertTrue(again.recoveryReport().clean(), again.recoveryReport().summary());
        }
        if (audit != null) {
            audit.assertNoViolation();
        }
    }

    private static String readAll(SimulatedDisk disk, Path path) throws IOException {
        try (var file = disk.openRead(path)) {
            ByteBuffer b = ByteBuffer.allocate((int) file.size());
            while (b.hasRemaining() && file.read(b, b.position()) >= 0) {
                // fill
            }
            return new String(b.array(), StandardCharsets.US_ASCII);
        }
    }
}
