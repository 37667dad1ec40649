package io.github.wal4j.bench;

import java.util.Locale;

/**
 * One cell of the append matrix: {@code threads} threads each calling {@code append} in a loop with
 * records of {@code size} bytes, or (window &gt; 0) one thread calling {@code appendAsync} with at most
 * {@code window} appends in flight.
 */
public record Cell(int threads, int size, int window) {

    static Cell sync(int threads, int size) {
        return new Cell(threads, size, 0);
    }

    static Cell async(int window, int size) {
        return new Cell(1, size, window);
    }

    boolean isAsync() {
        return window > 0;
    }

    /** Records per fdatasync the C ceiling uses for this cell: the thread count, or the async window. */
    int ceilingBatch() {
        return isAsync() ? window : threads;
    }

    static String size(int bytes) {
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return (bytes / 1024) + " KiB";
        }
        return bytes + " B";
    }

    String label() {
        return isAsync() ? String.format(Locale.ROOT, "%s async w=%d", size(size), window)
                : String.format(Locale.ROOT, "%s t=%d", size(size), threads);
    }
}
