package io.github.wal4j.log;

import io.github.wal4j.spi.StorageFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The read buffers of a segment reader: a read-ahead window over the file, and the side buffer a
 * protected segment's records are opened into. A log is read whole at every open and every replay,
 * so the window is filled in reads of up to {@link #CHUNK} bytes (one system call per window, not
 * two per batch), into a page-aligned direct buffer ({@link PageAlignedBuffers}) that the I/O layers
 * fill with one {@code pread} and no copy through a temporary buffer. Each byte of the file is read
 * once: the start of a batch that runs past the window's end is kept when the window moves on.
 * Successive readers of one log hand the buffers on, so that they are allocated once.
 *
 * <p>Not thread-safe; an index returned by {@link #locate} is valid until its next call.
 */
final class ReadAhead {
    /** The most bytes one read-ahead asks for. */
    static final int CHUNK = 1 << 20;

    /** The window: a direct buffer, allocated on first use and grown on demand. */
    private ByteBuffer window;
    /** A read-only view of {@link #window}, for lending. */
    private ByteBuffer windowView;
    private long windowStart;
    private int windowLength;
    private ByteBuffer opened;
    private ByteBuffer openedView;

    /** The window's buffer; the indexes {@link #locate} returns are into it. */
    ByteBuffer window() {
        return window;
    }

    /** The side buffer for opened records, at least {@code length} bytes long. */
    ByteBuffer opened(int length) {
        if (opened == null || opened.capacity() < length) {
            opened = ByteBuffer.allocate(Math.max(length, 64 << 10));
            openedView = opened.asReadOnlyBuffer();
        }
        return opened;
    }

    /**
     * A read-only view of {@code buffer} (one of these buffers; same indexes), made once per buffer
     * allocation, for lending one payload at a time.
     */
    ByteBuffer viewOf(ByteBuffer buffer) {
        return buffer == window ? windowView : buffer == opened ? openedView : null;
    }

    /** Forgets what the window holds: the next {@link #locate} reads, from whatever file it is given. */
    void forget() {
        windowLength = 0;
    }

    /**
     * Makes sure the {@code length} bytes at {@code offset} of {@code file} are in the window and
     * returns the index of the first. Reads ahead up to {@link #CHUNK} bytes, but not past
     * {@code limit} (the end of the data to read).
     *
     * @throws EOFException if the file ends before those bytes (it shrank while being read)
     */
    int locate(StorageFile file, long limit, long offset, int length) throws IOException {
        long windowEnd = windowStart + windowLength;
        if (window != null && offset >= windowStart && offset + length <= windowEnd) {
            return (int) (offset - windowStart);
        }
        int want = (int) Math.max(length, Math.min(CHUNK, limit - offset));
        // A batch that runs past the end of the window was partly read with the batches before it:
        // those bytes move to the front instead of being read again, so that a log of batches about
        // as long as the window is not read twice.
        int kept = window != null && offset >= windowStart && offset < windowEnd ? (int) (windowEnd - offset) : 0;
        int keptAt = (int) (offset - windowStart);
        if (window == null || window.capacity() < want) {
            // A small segment gets a small window; the window grows to the largest batch met.
            int capacity = window == null ? Math.max(want, 4096)
                    : (int) Math.min(Integer.MAX_VALUE - 8, Math.max(want, Math.min(CHUNK, 2L * window.capacity())));
            ByteBuffer grown = PageAlignedBuffers.allocate(capacity);
            if (kept > 0) {
                grown.put(0, window, keptAt, kept);
            }
            window = grown;
            windowView = window.asReadOnlyBuffer();
        } else if (kept > 0) {
            window.put(0, window, keptAt, kept);
        }
        ByteBuffer dst = window.clear().limit(want).position(kept);
        windowLength = 0;
        while (dst.hasRemaining()) {
            int n = file.read(dst, offset + dst.position());
            if (n < 0) {
                // Reading ahead may run into the end of the file (a limit past a padding block that
                // was never written); only the bytes actually asked for must be there.
                if (dst.position() >= length) {
                    break;
                }
                throw new EOFException("segment ended at " + (offset + dst.position()) + " while reading "
                        + length + " bytes at " + offset + " (it shrank while being read)");
            }
        }
        windowStart = offset;
        windowLength = dst.position();
        return 0;
    }

    /** The offset of the first non-zero byte in {@code [from, to)} of {@code file}, or -1. */
    long firstNonZero(StorageFile file, long from, long to) throws IOException {
        long offset = from;
        while (offset < to) {
            int length = (int) Math.min(CHUNK, to - offset);
            int base = locate(file, to, offset, length);
            int at = BatchValidator.firstNonZero(window, base, base + length);
            if (at >= 0) {
                return offset + (at - base);
            }
            offset += length;
        }
        return -1;
    }
}
