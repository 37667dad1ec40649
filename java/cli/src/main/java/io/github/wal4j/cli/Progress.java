package io.github.wal4j.cli;

import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress bar on stderr, redrawn in place with a carriage return at most every 100 ms:
 * {@code verify [##########..........]  50%   32.0 MiB / 64.0 MiB}. Disabled, it costs one atomic
 * add per read. It appears only once an operation has run for a while (quick scans print nothing)
 * unless forced with {@code --progress}, and erases itself when done.
 *
 * <p>Bytes are counted as the library reads them, through {@link #wrap(Storage)}: a scan that reads
 * some bytes twice (looking for evidence after damage) can pass the total, which the bar caps.
 */
final class Progress implements Closeable {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long DELAY_NANOS = 300_000_000L;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean enabled;
    private final boolean immediate;
    private final AtomicLong done = new AtomicLong();
    private final long started = System.nanoTime();
    private volatile String label;
    private volatile long total;
    private long lastDraw;
    private int drawnWidth;

    /**
     * @param err where the bar goes
     * @param enabled whether to draw at all
     * @param immediate draw from the start, not only after a delay (forced with --progress)
     */
    Progress(PrintWriter err, boolean enabled, boolean immediate) {
        this.err = err;
        this.enabled = enabled;
        this.immediate = immediate;
    }

    /** Starts a phase: a new label and total; the count restarts at zero. */
    void phase(String newLabel, long newTotal) {
        label = newLabel;
        total = Math.max(0, newTotal);
        done.set(0);
        draw(true);
    }

    /** Counts {@code n} more bytes done. */
    void add(long n) {
        done.addAndGet(n);
        if (enabled) {
            draw(false);
        }
    }

    private synchronized void draw(boolean force) {
        if (!enabled || label == null) {
            return;
        }
        long now = System.nanoTime();
        if (!immediate && now - started < DELAY_NANOS) {
            return;
        }
        if (!force && drawnWidth > 0 && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        long t = total;
        long d = Math.min(done.get(), t);
        int percent = t == 0 ? 100 : (int) (d * 100 / t);
        int filled = t == 0 ? WIDTH : (int) (d * WIDTH / t);
        String line = String.format(Locale.ROOT, "%s [%s%s] %3d%%  %s / %s", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), percent, size(d), size(t));
        StringBuilder b = new StringBuilder("\r").append(line);
        if (line.length() < drawnWidth) {
            b.append(" ".repeat(drawnWidth - line.length()));
        }
        drawnWidth = Math.max(drawnWidth, line.length());
        err.print(b);
        err.flush();
    }

    /** Ends the phase: erases the bar, if one was drawn. */
    @Override
    public void close() {
        done();
    }

    /** Ends the phase: erases the bar, if one was drawn. */
    synchronized void done() {
        if (drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            err.flush();
            drawnWidth = 0;
        }
        label = null;
    }

    /** A byte count for people: 512 B, 12.5 KiB, 3.0 MiB. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** {@code storage}, with every byte read through it counted here. Everything else is passed on untouched. */
    Storage wrap(Storage storage) {
        return new CountingStorage(storage);
    }

    private final class CountingStorage extends ForwardingStorage {
        CountingStorage(Storage delegate) {
            super(delegate);
        }

        @Override
        protected StorageFile wrap(Path path, StorageFile file) {
            return new CountingFile(file);
        }
    }

    private final class CountingFile extends ForwardingStorageFile {
        CountingFile(StorageFile delegate) {
            super(delegate);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            int n = super.read(dst, position);
            if (n > 0) {
                add(n);
            }
            return n;
        }
    }
}
