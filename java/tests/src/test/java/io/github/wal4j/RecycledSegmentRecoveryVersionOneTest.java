package io.github.wal4j;

import io.github.wal4j.format.SegmentHeader;

/**
 * {@link RecycledSegmentRecoveryTest}'s cases over segments of format version 1 (records checked by
 * a seeded CRC32C): recycled files written before version 3, which a log may still hold after the
 * upgrade, are judged as they were.
 */
class RecycledSegmentRecoveryVersionOneTest extends RecycledSegmentRecoveryTest {
    @Override
    int segmentVersion() {
        return SegmentHeader.VERSION;
    }
}
