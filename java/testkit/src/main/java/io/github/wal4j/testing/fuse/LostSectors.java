package io.github.wal4j.testing.fuse;

/** What a torn write leaves in a sector that did not reach the disk before the power went. */
public enum LostSectors {
    /** The sector keeps its durable content, as if the write never touched it. */
    OLD,
    /** The sector reads as zeros (beside the write too, within the sector). */
    ZEROS,
    /** The sector holds seeded random bytes. */
    GARBAGE
}
