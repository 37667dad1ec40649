package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReadAhead} over a real file: every range it locates holds the file's bytes, each byte of a
 * file read front to back is read from the file once (not again when a batch runs past the end of
 * the window), and the window sits at a page-aligned address.
 */
class ReadAheadTest {
    private static final int HEADER = 36;

    @TempDir
    Path dir;

    /** Counts the bytes the reader asks the file for. */
    private static final class CountingFile extends ForwardingStorageFile {
        long bytesRead;

        CountingFile(StorageFile delegate) {
            super(delegate);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            int n = super.read(dst, position);
            bytesRead += Math.max(n, 0);
            return n;
        }
    }

    private byte[] content(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * Walks {@code file} as a segment reader does: a header, then the body it declares, batch after
     * batch; checks each located range against {@code expected}; returns the bytes read from the file.
     */
    private long walk(ReadAhead buffers, CountingFile file, byte[] expected, int[] bodies) throws IOException {
        long before = file.bytesRead;
        long offset = 0;
        int limit = expected.length;
        for (int i = 0; offset < limit; i++) {
            int header = (int) Math.min(HEADER, limit - offset);
            check(buffers, buffers.locate(file, limit, offset, header), expected, offset, header);
            offset += header;
            int body = (int) Math.min(bodies[i % bodies.length], limit - offset);
            check(buffers, buffers.locate(file, limit, offset, body), expected, offset, body);
            offset += body;
        }
        return file.bytesRead - before;
    }

    private static void check(ReadAhead buffers, int at, byte[] expected, long offset, int length) {
        ByteBuffer window = buffers.window();
        for (int k = 0; k < length; k++) {
            if (window.get(at + k) != expected[(int) offset + k]) {
                throw new AssertionError("byte " + (offset + k) + " of the file differs in the window");
            }
        }
    }

    private CountingFile write(String name, byte[] bytes) throws IOException {
        Path path = dir.resolve(name);
        Files.write(path, bytes);
        return new CountingFile(new JavaStorage().openRead(path));
    }

    @Test
    void batchesAboutAsLongAsTheWindowAreReadOnce() throws IOException {
        // Bodies just under and just over the window: each batch runs past the end of the window the
        // header was read into, the case that read every byte twice.
        byte[] bytes = content(24 << 20, 1);
        int[] bodies = {ReadAhead.CHUNK - HEADER - 100, ReadAhead.CHUNK - 7, ReadAhead.CHUNK + 4000, 333_333};
        try (CountingFile file = write("segment", bytes)) {
            long read = walk(new ReadAhead(), file, bytes, bodies);
            assertEquals(bytes.length, read, "bytes read from a " + bytes.length + "-byte file read front to back");
        }
    }

    @Test
    void smallBatchesAreReadOnceInWholeWindows() throws IOException {
        byte[] bytes = content(5 << 20, 2);
        try (CountingFile file = write("segment", bytes)) {
            assertEquals(bytes.length, walk(new ReadAhead(), file, bytes, new int[] {100, 4000, 17, 65_536}));
        }
    }

    @Test
    void aForgottenWindowKeepsNothingOfTheFileBefore() throws IOException {
        byte[] first = content(3 << 20, 3);
        byte[] second = content(3 << 20, 4);
        ReadAhead buffers = new ReadAhead();
        try (CountingFile a = write("a", first); CountingFile b = write("b", second)) {
            int[] bodies = {ReadAhead.CHUNK - HEADER - 10};
            walk(buffers, a, first, bodies);
            buffers.forget();
            // The same offsets in another file: nothing of the first may be kept.
            assertEquals(second.length, walk(buffers, b, second, bodies));
        }
    }

    @Test
    void theWindowStartsAtAPageBoundary() throws IOException {
        byte[] bytes = content(3 << 20, 5);
        ReadAhead buffers = new ReadAhead();
        try (CountingFile file = write("segment", bytes)) {
            walk(buffers, file, bytes, new int[] {2 << 20});
            ByteBuffer window = buffers.window();
            assertTrue(window.isDirect());
            assertEquals(0, window.alignmentOffset(0, 4096), "window address modulo 4096");
        }
    }
}
