package io.github.wal4j.testing.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One regular file's content: the durable content in its staging file in the backing directory
 * (a hard link of every durable name the file has), and what was written since its last fsync in
 * memory, page by page (sparse: a preallocated 64 MiB segment costs only the pages written).
 *
 * <p>The current content is: a dirty page where there is one; else the staging file's bytes below
 * {@code cleanLimit} (a truncation since the last sync cut the staging content off there); else
 * zeros; all up to {@code size}. Not thread-safe: the {@link Overlay} lock guards it.
 */
final class FileData {
    static final int PAGE = 4096;

    private final Path staging;
    private FileChannel channel;
    private final TreeMap<Long, byte[]> dirty = new TreeMap<>();
    private long size;
    private long cleanLimit = Long.MAX_VALUE;

    FileData(Path staging) throws IOException {
        this.staging = staging;
        this.size = channel().size();
    }

    Path staging() {
        return staging;
    }

    long size() {
        return size;
    }

    long durableSize() throws IOException {
        return channel().size();
    }

    boolean isDirty() throws IOException {
        return !dirty.isEmpty() || cleanLimit != Long.MAX_VALUE || size != durableSize();
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(staging, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }

    /** The current bytes of {@code [offset, offset + length)}, cut at the size. */
    byte[] read(long offset, int length) throws IOException {
        long end = Math.min(size, offset + length);
        if (offset >= end) {
            return new byte[0];
        }
        byte[] out = new byte[(int) (end - offset)];
        long position = offset;
        while (position < end) {
            long page = position / PAGE;
            int inPage = (int) (position % PAGE);
            int n = (int) Math.min(PAGE - inPage, end - position);
            byte[] dirtyPage = dirty.get(page);
            if (dirtyPage != null) {
                System.arraycopy(dirtyPage, inPage, out, (int) (position - offset), n);
            } else {
                readDurable(position, out, (int) (position - offset), n);
            }
            position += n;
        }
        return out;
    }

    /** Fills {@code out[at, at + n)} from the staging file's valid bytes at {@code position}, zeros beyond. */
    private void readDurable(long position, byte[] out, int at, int n) throws IOException {
        long valid = Math.min(cleanLimit, channel().size());
        int fromFile = (int) Math.max(0, Math.min(n, valid - position));
        ByteBuffer target = ByteBuffer.wrap(out, at, fromFile);
        long p = position;
        while (target.hasRemaining()) {
            int r = channel().read(target, p);
            if (r < 0) {
                break;
            }
            p += r;
        }
        for (int i = at + (int) (p - position); i < at + n; i++) {
            out[i] = 0;
        }
    }

    private byte[] dirtyPage(long page) throws IOException {
        byte[] bytes = dirty.get(page);
        if (bytes == null) {
            bytes = new byte[PAGE];
            readDurable(page * PAGE, bytes, 0, PAGE);
            long pageEnd = page * PAGE + PAGE;
            if (size < pageEnd) {
                // Bytes at and past the size read as zeros, whatever the staging file holds there.
                int from = (int) Math.max(0, size - page * PAGE);
                Arrays.fill(bytes, from, PAGE, (byte) 0);
            }
            dirty.put(page, bytes);
        }
        return bytes;
    }

    void write(long offset, ByteBuffer data) throws IOException {
        int length = data.remaining();
        long position = offset;
        long end = offset + length;
        while (position < end) {
            long page = position / PAGE;
            int inPage = (int) (position % PAGE);
            int n = (int) Math.min(PAGE - inPage, end - position);
            data.get(dirtyPage(page), inPage, n);
            position += n;
        }
        size = Math.max(size, end);
    }

    /** Zeros {@code [offset, offset + length)} (clipped to the size unless {@code extend}). */
    void zero(long offset, long length, boolean extend) throws IOException {
        long end = extend ? offset + length : Math.min(size, offset + length);
        long position = offset;
        while (position < end) {
            long page = position / PAGE;
            int inPage = (int) (position % PAGE);
            int n = (int) Math.min(PAGE - inPage, end - position);
            Arrays.fill(dirtyPage(page), inPage, inPage + n, (byte) 0);
            position += n;
        }
        size = Math.max(size, end);
    }

    /** Sets the size: a shorter file loses its tail for good (a later extension reads zeros). */
    void truncate(long newSize) throws IOException {
        if (newSize < size) {
            Iterator<Map.Entry<Long, byte[]>> tail = dirty.tailMap(newSize / PAGE, true).entrySet().iterator();
            while (tail.hasNext()) {
                Map.Entry<Long, byte[]> e = tail.next();
                long pageStart = e.getKey() * PAGE;
                if (pageStart >= newSize) {
                    tail.remove();
                }
            }
            if (newSize % PAGE != 0) {
                byte[] last = dirtyPage(newSize / PAGE);
                Arrays.fill(last, (int) (newSize % PAGE), PAGE, (byte) 0);
            }
            cleanLimit = Math.min(cleanLimit, newSize);
        }
        size = newSize;
    }

    /** fsync: the current content and size become the durable ones. */
    void sync() throws IOException {
        FileChannel ch = channel();
        if (cleanLimit < ch.size()) {
            ch.truncate(cleanLimit);
        }
        for (Map.Entry<Long, byte[]> e : dirty.entrySet()) {
            long start = e.getKey() * PAGE;
            int n = (int) Math.min(PAGE, size - start);
            if (n > 0) {
                writeFully(ch, ByteBuffer.wrap(e.getValue(), 0, n), start);
            }
        }
        if (ch.size() > size) {
            ch.truncate(size);
        } else if (ch.size() < size) {
            // The byte before the size lies in a hole here: zero is its content.
            writeFully(ch, ByteBuffer.wrap(new byte[1]), size - 1);
        }
        dirty.clear();
        cleanLimit = Long.MAX_VALUE;
    }

    /**
     * Writes bytes straight to the durable content, as a sector that reached the disk before the
     * power went does: extends the durable size if it lies beyond it.
     */
    void writeDurable(long offset, byte[] bytes) throws IOException {
        writeFully(channel(), ByteBuffer.wrap(bytes), offset);
    }

    /** Power cut: everything since the last sync is gone. */
    void dropUnsynced() throws IOException {
        dirty.clear();
        cleanLimit = Long.MAX_VALUE;
        size = channel().size();
    }

    void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer bytes, long position) throws IOException {
        long p = position;
        while (bytes.hasRemaining()) {
            p += ch.write(bytes, p);
        }
    }
}
