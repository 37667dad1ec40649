package io.github.wal4j.testing.fuse;

import java.util.Objects;

/**
 * How a power cut treats the last writes that were not yet fsynced: by default ({@link #none()})
 * every unsynced write is lost whole. With {@link #lastWrites(int)}, the last {@code n} unsynced
 * writes (over all files, in the order the file system received them) are torn: each of their
 * sectors ({@link #sectorBytes(int)}: 512 or 4096 bytes, aligned in the file) reaches the disk or
 * not, by a coin of a {@link java.util.Random} seeded with {@link #seed(long)}, so that the same seed
 * over the same writes keeps the same sectors. A sector that reaches the disk holds its whole
 * content at the cut (the bytes beside the write within the sector too) and extends the durable
 * size to its end (clipped to the file's size); a lost one keeps, zeros or fills with garbage
 * ({@link #lostAs(LostSectors)}) its durable bytes, below the durable size that results. Every
 * other unsynced write is lost whole. Immutable.
 */
public final class Tear {
    private final int lastWrites;
    private final int sectorBytes;
    private final LostSectors lost;
    private final long seed;

    private Tear(int lastWrites, int sectorBytes, LostSectors lost, long seed) {
        this.lastWrites = lastWrites;
        this.sectorBytes = sectorBytes;
        this.lost = lost;
        this.seed = seed;
    }

    /** Every unsynced write is lost whole. */
    public static Tear none() {
        return new Tear(0, 512, LostSectors.OLD, 0);
    }

    /** The last {@code count} unsynced writes are torn sector by sector (512-byte sectors, lost ones old, seed 0, unless set). */
    public static Tear lastWrites(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("tear at least one write: " + count);
        }
        return new Tear(count, 512, LostSectors.OLD, 0);
    }

    /** The sector a write is torn into: 512 (a disk sector) or 4096 (a page, a 4Kn or 512e drive's physical sector). */
    public Tear sectorBytes(int bytes) {
        if (bytes != 512 && bytes != 4096) {
            throw new IllegalArgumentException("sectors are 512 or 4096 bytes: " + bytes);
        }
        return new Tear(lastWrites, bytes, lost, seed);
    }

    /** What a lost sector holds. */
    public Tear lostAs(LostSectors what) {
        return new Tear(lastWrites, sectorBytes, Objects.requireNonNull(what, "what"), seed);
    }

    /** The seed of the coins (and of the garbage). */
    public Tear seed(long seed) {
        return new Tear(lastWrites, sectorBytes, lost, seed);
    }

    /** How many of the last unsynced writes are torn; 0 for {@link #none()}. */
    public int lastWrites() {
        return lastWrites;
    }

    /** The sector size of the tear: 512 or 4096. */
    public int sectorBytes() {
        return sectorBytes;
    }

    /** What a lost sector holds. */
    public LostSectors lost() {
        return lost;
    }

    /** The seed of the coins and of the garbage. */
    public long seed() {
        return seed;
    }

    @Override
    public String toString() {
        return lastWrites == 0 ? "Tear.none()" : "Tear.lastWrites(" + lastWrites + ").sectorBytes(" + sectorBytes
                + ").lostAs(" + lost + ").seed(" + seed + ")";
    }
}
