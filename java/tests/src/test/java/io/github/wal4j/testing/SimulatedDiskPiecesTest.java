package io.github.wal4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The pieces of {@link SimulatedDisk} on their own: a file's cached and durable bytes after a
 * failed sync, what a power cut leaves of unsynced writes block by block, and the prefix rule of
 * unsynced directory operations.
 */
class SimulatedDiskPiecesTest {
    private static final int BLOCK = 512;

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[] deviceBytes(SimulatedFile file) {
        ByteBuffer dst = ByteBuffer.allocate(file.size());
        file.readDevice(dst, 0);
        return Arrays.copyOf(dst.array(), dst.position());
    }

    @Test
    void pagesAFailedSyncMarkedCleanNeverReachTheDiskUntilWrittenAgain() throws IOException {
        SimulatedFile file = SimulatedFile.durable(filled(SimulatedFile.PAGE, 1));
        file.write(ByteBuffer.wrap(filled(10, 2)), 100);
        file.failSync();
        assertEquals(2, file.contents()[100], "the page cache still has the write");
        file.sync();
        assertEquals(1, file.durableContents()[100], "a later sync does not write the clean-marked page");
        assertEquals(1, deviceBytes(file)[100], "a device read sees what the disk holds");

        file.write(ByteBuffer.wrap(filled(1, 3)), 4000);
        file.sync();
        assertEquals(2, file.durableContents()[100], "a write to the page dirtied it again: written whole");
        assertEquals(3, file.durableContents()[4000]);
    }

    @Test
    void aCutLeavesEachBlockOfAnUnsyncedWriteOldNewZeroOrGarbage() throws IOException {
        boolean[] seen = new boolean[4]; // old, new, zero, garbage
        for (int seed = 0; seed < 200; seed++) {
            SimulatedFile file = SimulatedFile.durable(filled(4 * BLOCK, 1));
            file.write(ByteBuffer.wrap(filled(4 * BLOCK, 2)), 0);
            byte[] after = new PowerCut(BLOCK, new Random(seed)).survivor(file).durableContents();
            assertEquals(4 * BLOCK, after.length);
            for (int b = 0; b < 4; b++) {
                byte[] block = Arrays.copyOfRange(after, b * BLOCK, (b + 1) * BLOCK);
                if (Arrays.equals(block, filled(BLOCK, 1))) {
                    seen[0] = true;
                } else if (Arrays.equals(block, filled(BLOCK, 2))) {
                    seen[1] = true;
                } else if (Arrays.equals(block, filled(BLOCK, 0))) {
                    seen[2] = true;
                } else {
                    seen[3] = true;
                }
            }
        }
        assertArrayEquals(new boolean[] {true, true, true, true}, seen, "old, new, zero, garbage");
    }

    @Test
    void aCutOfSyncedDataChangesNothingAndASeedReplaysACut() throws IOException {
        SimulatedFile synced = SimulatedFile.durable(filled(3 * BLOCK, 7));
        assertArrayEquals(filled(3 * BLOCK, 7),
                new PowerCut(BLOCK, new Random(1)).survivor(synced).durableContents());

        SimulatedFile file = SimulatedFile.durable(new byte[0]);
        file.write(ByteBuffer.wrap(filled(8 * BLOCK, 5)), 0);
        assertArrayEquals(new PowerCut(BLOCK, new Random(42)).survivor(file).durableContents(),
                new PowerCut(BLOCK, new Random(42)).survivor(file).durableContents());
    }

    @Test
    void aCutKeepsAPrefixOfTheUnsyncedDirectoryOperations() {
        // create b, rename a to c, delete b: each prefix gives one of these, nothing else may survive
        Set<Set<String>> prefixes = Set.of(Set.of("a"), Set.of("a", "b"), Set.of("b", "c"), Set.of("c"));
        Set<Set<String>> seen = new HashSet<>();
        Random random = new Random(3); // one source: the first draws of nearby seeds are alike
        for (int cut = 0; cut < 100; cut++) {
            DirectoryJournal journal = new DirectoryJournal();
            journal.create("/d", "a", new SimulatedFile());
            journal.sync("/d");
            journal.create("/d", "b", new SimulatedFile());
            journal.rename("/d", "a", "c");
            journal.delete("/d", "b");
            Set<String> names = new HashSet<>(journal.afterCut(new PowerCut(BLOCK, random)).names("/d"));
            assertTrue(prefixes.contains(names), "cut " + cut + ": " + names + " is no prefix of the operations");
            seen.add(names);
        }
        assertEquals(prefixes, seen, "every prefix, from none to all of the operations");
    }
}
