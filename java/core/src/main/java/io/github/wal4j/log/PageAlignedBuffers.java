package io.github.wal4j.log;

import io.github.wal4j.format.Alignment;
import java.nio.ByteBuffer;

/**
 * Direct buffers at a 4 KiB-aligned address, for the buffers the log hands to {@code pwrite} and
 * {@code pread}. The kernel copies between the page cache and such a buffer several times faster
 * than to or from one at the arbitrary address {@link ByteBuffer#allocateDirect} gives (measured
 * on recovery's read window in {@code docs/benchmarks.md}), and direct I/O needs the alignment.
 */
final class PageAlignedBuffers {
    private static final int PAGE = 4096;

    private PageAlignedBuffers() {
    }

    /** A direct buffer of at least {@code size} bytes (whole pages), starting at a page boundary. */
    static ByteBuffer allocate(int size) {
        // alignedSlice rounds both ends inward, so ask for whole pages plus one page of slack.
        int pages = (int) Alignment.up(size, PAGE);
        ByteBuffer b = ByteBuffer.allocateDirect(pages + PAGE).alignedSlice(PAGE);
        if (b.capacity() < size) {
            throw new IllegalStateException("aligned buffer of " + b.capacity() + " bytes for " + size);
        }
        return b;
    }
}
