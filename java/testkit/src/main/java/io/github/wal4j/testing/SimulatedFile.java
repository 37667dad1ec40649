package io.github.wal4j.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One file (an inode) of a {@link SimulatedDisk}, seen twice: as the page cache holds it (what reads
 * return) and as the disk holds it (what survives a power cut for sure), with the writes and
 * truncates between the two in the order they were made.
 *
 * <p>A successful {@link #sync()} makes the cached content durable, except the pages an earlier
 * {@link #failSync() failed sync} marked clean: Linux drops their dirty state without writing them,
 * so they stay readable here and the disk keeps what it had under them, until a later write dirties
 * them again. What a power cut makes of the changes since the last sync is {@link PowerCut}'s
 * business; this class only keeps them.
 *
 * <p>Not thread-safe: the disk's lock guards every call.
 */
final class SimulatedFile {
    /** The page cache's unit: a write dirties whole pages, a writeback writes them whole. */
    static final int PAGE = 4096;

    /** A change since the last sync, kept for the power cut to replay. */
    sealed interface Change permits Write, Truncate {
    }

    /** Bytes written at an offset. */
    record Write(long offset, byte[] bytes) implements Change {
    }

    /** A cut of the file to a smaller size. */
    record Truncate(long size) implements Change {
    }

    private byte[] data = new byte[0];
    private int size;
    private byte[] durable = new byte[0];
    private int durableSize;
    private final List<Change> pending = new ArrayList<>();
    /** Page indexes a failed sync marked clean: readable here, never written to the disk. */
    private final Set<Long> stalePages = new HashSet<>();

    /** A file whose whole content is {@code bytes}, all of it durable. */
    static SimulatedFile durable(byte[] bytes) {
        SimulatedFile file = new SimulatedFile();
        file.replace(bytes);
        return file;
    }

    /** The size as the page cache has it. */
    int size() {
        return size;
    }

    /** A read through the page cache: up to {@code dst.remaining()} bytes, {@code -1} at the end. */
    int read(ByteBuffer dst, long position) {
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), size - position);
        dst.put(data, (int) position, n);
        return n;
    }

    /**
     * A read of what the disk holds, as an O_DIRECT read sees it: the kernel writes dirty pages back
     * first, so this makes the file durable as {@link #sync()} does (stale pages keep the disk's
     * bytes), then reads the durable content.
     */
    int readDevice(ByteBuffer dst, long position) {
        writeBack();
        if (position >= durableSize) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), durableSize - position);
        dst.put(durable, (int) position, n);
        return n;
    }

    /** Writes every remaining byte of {@code src} at {@code position} into the page cache. */
    void write(ByteBuffer src, long position) throws IOException {
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        long end = position + bytes.length;
        if (end > Integer.MAX_VALUE - 16) {
            throw new IOException("simulated disk files are limited to 2 GiB");
        }
        if (end > data.length) {
            data = Arrays.copyOf(data, (int) Math.max(end, data.length * 2L));
        }
        System.arraycopy(bytes, 0, data, (int) position, bytes.length);
        size = (int) Math.max(size, end);
        pending.add(new Write(position, bytes));
        // A write dirties whole pages: a stale page it touches is written back whole again.
        for (long page = position / PAGE; page <= (end - 1) / PAGE && bytes.length > 0; page++) {
            stalePages.remove(page);
        }
    }

    /** Cuts the cached content to {@code newSize} bytes; a size at or past the end changes nothing. */
    void truncate(long newSize) {
        if (newSize < size) {
            Arrays.fill(data, (int) newSize, size, (byte) 0);
            size = (int) newSize;
            pending.add(new Truncate(newSize));
            // Truncation drops the cached pages past the new end, stale ones included.
            stalePages.removeIf(page -> page * PAGE >= newSize);
        }
    }

    /** A successful fdatasync: the cached content becomes durable, but for stale pages. */
    void sync() {
        writeBack();
    }

    /**
     * A failed fdatasync (EIO) as Linux handles it: the dirty pages are marked clean, their bytes
     * never reach the disk, and nothing is left to sync.
     */
    void failSync() {
        for (Change change : pending) {
            if (change instanceof Write w && w.bytes.length > 0) {
                long end = w.offset + w.bytes.length;
                for (long page = w.offset / PAGE; page <= (end - 1) / PAGE; page++) {
                    stalePages.add(page);
                }
            }
        }
        pending.clear();
    }

    /** The cached content (a copy). */
    byte[] contents() {
        return Arrays.copyOf(data, size);
    }

    /** Replaces the content, durably, and forgets every change since the last sync. */
    void replace(byte[] bytes) {
        data = bytes.clone();
        size = bytes.length;
        durable = bytes.clone();
        durableSize = bytes.length;
        pending.clear();
    }

    /** The durable content (a copy). */
    byte[] durableContents() {
        return Arrays.copyOf(durable, durableSize);
    }

    /** The changes since the last sync, oldest first (a view: do not change it). */
    List<Change> pending() {
        return pending;
    }

    private void writeBack() {
        byte[] old = durable;
        int oldSize = durableSize;
        durable = Arrays.copyOf(data, size);
        durableSize = size;
        for (long page : stalePages) {
            long from = page * PAGE;
            for (long i = from; i < Math.min(from + PAGE, durableSize); i++) {
                durable[(int) i] = i < oldSize ? old[(int) i] : 0;
            }
        }
        pending.clear();
    }
}
