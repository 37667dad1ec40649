package io.github.wal4j.format;

/** Arithmetic on the block alignment that batches and segment headers follow. */
public final class Alignment {
    /** The smallest alignment a segment may declare: one disk sector (segments written before 4 KiB blocks). */
    public static final int MIN = 512;
    /**
     * The smallest alignment of new segments: a 4 KiB block. The page cache writes back whole pages
     * and a 512e drive rewrites whole 4 KiB physical sectors, so a batch that shared a block with an
     * acknowledged one could tear it; a batch that starts on a fresh block and pads to its end never
     * shares one.
     */
    public static final int BLOCK = 4096;
    /** The largest alignment a segment may declare. */
    public static final int MAX = 65536;

    private Alignment() {
    }

    /** Whether {@code alignment} is a power of two in [{@link #MIN}, {@link #MAX}]. */
    public static boolean isValid(int alignment) {
        return alignment >= MIN && alignment <= MAX && Integer.bitCount(alignment) == 1;
    }

    /**
     * The alignment for new segments on a device whose writes tear in units of {@code blockSize}:
     * at least {@link #BLOCK}, a power of two, at most {@link #MAX}.
     */
    public static int forBlockSize(long blockSize) {
        long size = Math.max(BLOCK, Math.min(blockSize, MAX));
        long power = Long.highestOneBit(size);
        return (int) (power == size ? size : Math.min(MAX, power << 1));
    }

    /** {@code offset} rounded up to a multiple of {@code alignment}. */
    public static long up(long offset, int alignment) {
        return (offset + alignment - 1) & -(long) alignment;
    }
}
