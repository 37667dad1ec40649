package io.github.wal4j.testing;

import java.util.Arrays;
import java.util.Random;

/**
 * What a power cut leaves of a file's changes since its last sync, block by block.
 *
 * <p>Each write is replayed over the durable content one block at a time, and each block draws its
 * own outcome, so blocks land out of order and partly:
 * <ul>
 *   <li>3 in 10: the write never reached the block, which keeps its old content;</li>
 *   <li>4 in 10: the write's bytes in the block landed;</li>
 *   <li>2 in 10: the <b>whole</b> block reads as zeros;</li>
 *   <li>1 in 10: the <b>whole</b> block reads as random garbage.</li>
 * </ul>
 * Zeros and garbage cover the whole block, bytes beside the write included, synced ones too: there
 * is no powersafe-overwrite assumption. A truncate since the sync happened or not, even odds. The
 * outcomes come from the given {@link Random} in a fixed order, so a seed replays a cut exactly.
 */
final class PowerCut {
    private final int block;
    private final Random random;

    /**
     * @param block the unit a lost write tears (a power of two, 512 to 4096)
     * @param random the source of every outcome of this cut
     */
    PowerCut(int block, Random random) {
        this.block = block;
        this.random = random;
    }

    /** The random source of this cut, for the other choices made at it (which directory operations survive). */
    Random random() {
        return random;
    }

    /** The file as the reboot finds it: all of its content durable, nothing pending. */
    SimulatedFile survivor(SimulatedFile file) {
        byte[] data = file.durableContents();
        int size = data.length;
        for (SimulatedFile.Change change : file.pending()) {
            if (change instanceof SimulatedFile.Truncate t) {
                if (random.nextBoolean()) {
                    size = (int) Math.min(size, t.size());
                    data = Arrays.copyOf(data, size);
                }
                continue;
            }
            SimulatedFile.Write w = (SimulatedFile.Write) change;
            long end = w.offset() + w.bytes().length;
            for (long sector = w.offset() / block * block; sector < end; sector += block) {
                int outcome = random.nextInt(10);
                long from = Math.max(sector, w.offset());
                long to = Math.min(sector + block, end);
                if (outcome < 3) {
                    continue; // the write never reached this block: old content
                }
                long extent = outcome < 7 ? to : sector + block; // zeros/garbage hit the whole block
                if (extent > size) {
                    data = Arrays.copyOf(data, (int) extent);
                    size = (int) extent;
                }
                if (outcome < 7) {
                    System.arraycopy(w.bytes(), (int) (from - w.offset()), data, (int) from, (int) (to - from));
                } else if (outcome < 9) {
                    Arrays.fill(data, (int) sector, (int) (sector + block), (byte) 0);
                } else {
                    for (long i = sector; i < sector + block; i++) {
                        data[(int) i] = (byte) random.nextInt(256);
                    }
                }
            }
        }
        return SimulatedFile.durable(Arrays.copyOf(data, size));
    }
}
