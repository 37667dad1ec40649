package io.github.wal4j.format;

/** Arithmetic on the block alignment that batches and segment headers follow. */
public final class Alignment {
    /** The smallest alignment: one disk sector. */
    public static final int MIN = 512;
    /** The largest alignment a segment may declare. */
    public static final int MAX = 65536;

    private Alignment() {
    }

    /** Whether {@code alignment} is a power of two in [{@link #MIN}, {@link #MAX}]. */
    public static boolean isValid(int alignment) {
        return alignment >= MIN && alignment <= MAX && Integer.bitCount(alignment) == 1;
    }

    /** {@code offset} rounded up to a multiple of {@code alignment}. */
    public static long up(long offset, int alignment) {
        return (offset + alignment - 1) & -(long) alignment;
    }
}
