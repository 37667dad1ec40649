package io.github.wal4j.spi;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One open file of a {@link Storage}: positional reads and writes, sync, size.
 *
 * <p>Writes are positional ({@code pwrite}); nothing here keeps a file position, so a reader and a
 * writer may share the file. {@link #write} writes all remaining bytes of the buffer or throws.
 * Not every implementation is safe for concurrent writers; the log has one writer per file.
 */
public interface StorageFile extends Closeable {

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code position}.
     *
     * @return the number of bytes read, {@code -1} at end of file
     */
    int read(ByteBuffer dst, long position) throws IOException;

    /**
     * Reads at {@code position} until {@code dst} is full or the file ends: a short read is the end
     * of the file, which the caller sees as bytes still remaining in {@code dst}.
     *
     * @return {@code dst}, its position advanced past the bytes read
     */
    default ByteBuffer readFully(ByteBuffer dst, long position) throws IOException {
        int start = dst.position();
        while (dst.hasRemaining() && read(dst, position + dst.position() - start) >= 0) {
            // read returns 0 only for an empty dst, so each turn advances or ends the loop
        }
        return dst;
    }

    /** Writes every remaining byte of {@code src} at {@code position}, or throws. */
    void write(ByteBuffer src, long position) throws IOException;

    /**
     * Makes the data written so far durable (fdatasync: data and the metadata needed to read it back,
     * such as the size). A failure is final: the caller must not retry and treat the data as durable.
     */
    void sync() throws IOException;

    /** The file's current size in bytes. */
    long size() throws IOException;

    /** Sets the file's size: cuts the bytes past {@code size}. Needs {@link #sync()} to be durable. */
    void truncate(long size) throws IOException;

    /**
     * Reserves disk space for the file up to {@code size} bytes without changing what reads return
     * for written bytes (fallocate). An optimisation only: where the file system cannot give the
     * space (full, or no support), a layer returns {@code false} and leaves the file as it was, and
     * the file grows as it is written. The default does nothing: layers that cannot preallocate do
     * not pretend to.
     *
     * @return whether space was reserved
     * @throws IOException if the call failed for another reason (a bad descriptor, an I/O error)
     */
    default boolean preallocate(long size) throws IOException {
        return false;
    }

    /**
     * What direct I/O on this file needs, for a file opened with direct I/O
     * ({@link Storage#openDirectRead}, {@link Storage#openDirectWrite}, {@link Storage#createDirect});
     * {@code null} for any other file (the default).
     */
    default DirectIoAlignment directIoAlignment() {
        return null;
    }
}
