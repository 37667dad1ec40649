package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Power cuts inside atomic groups on the {@link SimulatedDisk}: after the reboot every group is
 * recovered whole or not at all, never a prefix (nor a suffix, nor with a record torn), and every
 * acknowledged group is there.
 *
 * <p>Two sweeps, each on a disk that tears in 512-byte sectors and on one that tears whole 4 KiB
 * blocks:
 * <ul>
 *   <li>{@link #everyTornOrReorderedBlockOfAGroupWriteLeavesAllOrNothing}: one multi-block group's
 *       write, cut at every block: the first j blocks landed and the rest kept their old bytes, were
 *       zeroed, were garbage, or the file ends there; every single block lost (old, zero, garbage)
 *       while all others landed, and every single block landed alone (reordered writes); and 40
 *       patterns drawn per block from those four outcomes. Each pattern is laid over the segment
 *       exactly, so every one of them is checked, not a sample of the disk's own random tears.</li>
 *   <li>{@link #aCutAtEveryFileOperationLeavesWholeGroups}: a fixed workload of single appends and
 *       groups of 2 to 8 records (up to 3000 bytes each, so groups span several blocks and many
 *       rotate to a new 16 KiB segment, or fill one of their own), checkpoints at group boundaries
 *       and a clean reopen, cut after every one of its file operations in turn, each cut torn by
 *       the disk's own model ({@code SimulatedDisk.crash}) under several seeds.</li>
 * </ul>
 * Deterministic: one thread, blocking calls, fixed seeds; a failure names the pattern or the cut
 * point and the seed.
 */
class AtomicAppendPowerCutTest {
    private static final int PATTERN_DRAWS = 40;
    private static final int CRASH_SEEDS = 3;

    @TempDir
    Path tmp;

    /** What a block of the written range holds after the cut. */
    enum Block { NEW, OLD, ZERO, GARBAGE }

    /** A cut of one write: each block's outcome, and whether the file ends after the first {@code end} blocks (-1: no). */
    record Pattern(String name, Block[] blocks, int end) {
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void everyTornOrReorderedBlockOfAGroupWriteLeavesAllOrNothing(int block) throws Exception {
        int blocks = groupWrite(block, null).blocks;
        assertTrue(blocks >= 3, "the group spans " + blocks + " blocks of " + block + " bytes");
        List<Pattern> patterns = patterns(blocks, new Random(block));
        int whole = 0;
        for (Pattern p : patterns) {
            if (groupWrite(block, p).groupRecovered) {
                whole++;
            }
        }
        // Only the patterns whose blocks hold every byte of the write may keep the group.
        assertTrue(whole >= 1 && whole < patterns.size(), whole + " of " + patterns.size() + " patterns kept the group");
    }

    private static List<Pattern> patterns(int k, Random random) {
        List<Pattern> all = new ArrayList<>();
        for (int j = 0; j <= k; j++) {
            all.add(new Pattern("first " + j + " landed, rest old", prefix(k, j, Block.OLD), -1));
            all.add(new Pattern("first " + j + " landed, file ends there", prefix(k, j, Block.OLD), j));
            if (j < k) {
                all.add(new Pattern("first " + j + " landed, rest zero", prefix(k, j, Block.ZERO), -1));
                Block[] g = prefix(k, j, Block.OLD);
                g[j] = Block.GARBAGE;
                all.add(new Pattern("first " + j + " landed, then garbage, rest old", g, -1));
            }
        }
        for (int i = 0; i < k; i++) {
            for (Block lost : new Block[] {Block.OLD, Block.ZERO, Block.GARBAGE}) {
                Block[] b = filled(k, Block.NEW);
                b[i] = lost;
                all.add(new Pattern("all landed but block " + i + " (" + lost + ")", b, -1));
            }
            Block[] alone = filled(k, Block.OLD);
            alone[i] = Block.NEW;
            all.add(new Pattern("only block " + i + " landed", alone, -1));
        }
        for (int n = 0; n < PATTERN_DRAWS; n++) {
            Block[] b = new Block[k];
            for (int i = 0; i < k; i++) {
                b[i] = Block.values()[random.nextInt(4)];
            }
            all.add(new Pattern("drawn " + Arrays.toString(b), b, -1));
        }
        return all;
    }

    private static Block[] prefix(int k, int j, Block rest) {
        Block[] b = filled(k, rest);
        Arrays.fill(b, 0, j, Block.NEW);
        return b;
    }

    private static Block[] filled(int k, Block outcome) {
        Block[] b = new Block[k];
        Arrays.fill(b, outcome);
        return b;
    }

    /** What one run found: the blocks the group's write covered, and whether the group came back. */
    record Run(int blocks, boolean groupRecovered) {
    }

    /**
     * Acknowledged groups, then one group of 7 records (about 10 KiB: 20 sectors, 3 pages) written
     * and synced; then the power is cut and the group's write laid over the segment as
     * {@code pattern} says (null: only measure the write), as if the cut came before its sync.
     */
    private Run groupWrite(int block, Pattern pattern) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "wal");
        SimulatedDisk disk = new SimulatedDisk(block);
        WalOptions options = WalOptions.defaults().withSegmentSize(256 << 10);
        Map<Long, Long> lastOf = new HashMap<>();
        Path segment;
        byte[] before;
        byte[] after;
        SimulatedDisk rebooted;
        WriteAheadLog wal = WriteAheadLog.open(dir, options.withStorage(disk));
        try {
            lastOf.put(1L, wal.appendAll(AtomicGroups.group(1, new int[] {300, 20, 4000})));
            lastOf.put(2L, wal.appendAll(AtomicGroups.group(2, new int[] {100})));
            segment = newestSegment(disk, dir);
            before = disk.contents(segment);
            wal.appendAll(AtomicGroups.group(3, new int[] {1500, 1500, 1500, 1500, 1500, 1500, 1200}));
            after = disk.contents(segment);
        } finally {
            // The power goes off before close could seal the segment or write a clean-close mark.
            rebooted = disk.crash(new Random(0));
            PowerOff.abandon(wal);
        }
        int from = 0;
        while (from < before.length && from < after.length && before[from] == after[from]) {
            from++;
        }
        from = from / block * block;
        int to = after.length;
        while (to > from && (to <= before.length ? before[to - 1] : 0) == after[to - 1]) {
            to--;
        }
        to = (to + block - 1) / block * block;
        int k = (to - from) / block;
        if (pattern == null) {
            return new Run(k, true);
        }
        assertEquals(k, pattern.blocks().length, "the same workload writes the same blocks");
        Random garbage = new Random(pattern.name().hashCode());
        int size = pattern.end() >= 0 ? from + pattern.end() * block : Math.max(to, after.length);
        byte[] image = Arrays.copyOf(before, Math.max(size, before.length));
        if (pattern.end() >= 0) {
            image = Arrays.copyOf(image, size);
        }
        for (int i = 0; i < k; i++) {
            int at = from + i * block;
            if (at >= image.length) {
                break;
            }
            int n = Math.min(block, image.length - at);
            switch (pattern.blocks()[i]) {
                case NEW -> System.arraycopy(after, at, image, at, Math.min(n, after.length - at));
                case OLD -> {
                    for (int x = at; x < at + n; x++) {
                        image[x] = x < before.length ? before[x] : 0;
                    }
                }
                case ZERO -> Arrays.fill(image, at, at + n, (byte) 0);
                case GARBAGE -> {
                    for (int x = at; x < at + n; x++) {
                        image[x] = (byte) garbage.nextInt(256);
                    }
                }
            }
        }
        // As if the power went off before the group's sync: the disk holds the image, nothing after it.
        rebooted.replace(segment, image);
        boolean intact = Arrays.equals(image, 0, Math.min(image.length, after.length), after, 0,
                Math.min(image.length, after.length)) && image.length >= to;
        String context = block + "-byte blocks, pattern " + pattern.name() + " over blocks " + from + ".." + to;
        boolean recovered;
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options.withStorage(rebooted))) {
            int groups = AtomicGroups.assertWholeGroups(reopened.recover(), 0, lastOf, context);
            recovered = groups == 3;
            if (intact) {
                assertTrue(recovered, "every byte of the group landed, yet it was not recovered; " + context);
            }
            long next = reopened.append(new byte[] {42});
            assertEquals(recovered ? 12 : 5, next, context);
        }
        try (WriteAheadLog again = WriteAheadLog.open(dir, options.withStorage(rebooted))) {
            assertTrue(again.recoveryReport().clean(), again.recoveryReport().summary() + "; " + context);
            List<WalRecord> records = again.recover();
            assertArrayEquals(new byte[] {42}, records.get(records.size() - 1).payload(), context);
        }
        return new Run(k, recovered);
    }

    private static Path newestSegment(SimulatedDisk disk, Path dir) throws IOException {
        List<String> names = new ArrayList<>(disk.list(dir.toAbsolutePath()));
        names.removeIf(n -> !n.endsWith(".wal"));
        names.sort(null);
        return dir.toAbsolutePath().resolve(names.get(names.size() - 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void aCutAtEveryFileOperationLeavesWholeGroups(int block) throws Exception {
        long operations = workload(block, Long.MAX_VALUE, 0).mutations;
        assertTrue(operations > 100, operations + " file operations");
        long recoveredGroups = 0;
        for (long cut = 0; cut <= operations; cut++) {
            for (int seed = 0; seed < CRASH_SEEDS; seed++) {
                recoveredGroups += workload(block, cut, seed).recovered;
            }
        }
        assertTrue(recoveredGroups > 0);
    }

    /** What one run of the workload did. */
    record Outcome(long mutations, int recovered) {
    }

    /**
     * The workload, with the power cut after {@code cutAfter} mutating calls, torn by
     * {@code crashSeed}; then reopens and checks. Group ids follow the workload's order.
     */
    private Outcome workload(int block, long cutAfter, int crashSeed) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "wal");
        SimulatedDisk disk = new SimulatedDisk(block);
        disk.powerOffAfter(cutAfter);
        WalOptions options = WalOptions.defaults().withSegmentSize(16 << 10).withMaxRecordSize(4096);
        Random random = new Random(7);
        Map<Long, Long> acknowledged = new HashMap<>();
        long ackedCheckpoint = 0;
        WriteAheadLog wal = null;
        try {
            wal = WriteAheadLog.open(dir, options.withStorage(disk));
            for (long id = 1; id <= 24; id++) {
                int n = id % 3 == 0 ? 1 : 2 + random.nextInt(7);
                int[] sizes = new int[n];
                for (int i = 0; i < n; i++) {
                    sizes[i] = 16 + random.nextInt(3000);
                }
                acknowledged.put(id, wal.appendAll(AtomicGroups.group(id, sizes)));
                if (id % 7 == 0) {
                    long upTo = wal.lastSequence();
                    wal.checkpoint(upTo);
                    ackedCheckpoint = upTo;
                }
                if (id == 12) {
                    wal.close();
                    wal = null;
                    wal = WriteAheadLog.open(dir, options.withStorage(disk));
                }
            }
        } catch (IOException e) {
            if (!disk.isOff()) {
                throw e;
            }
        }
        long mutations = disk.mutations();
        SimulatedDisk after = disk.crash(new Random(crashSeed));
        PowerOff.abandon(wal);
        String context = block + "-byte blocks, power off after " + cutAfter + " operations, crash seed " + crashSeed;
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options.withStorage(after))) {
            long checkpoint = reopened.checkpointSequence();
            assertTrue(checkpoint >= ackedCheckpoint, "checkpoint " + checkpoint + " older than the acknowledged "
                    + ackedCheckpoint + "; " + context);
            int groups = AtomicGroups.assertWholeGroups(reopened.recover(), checkpoint, acknowledged, context);
            return new Outcome(mutations, groups);
        }
    }
}
