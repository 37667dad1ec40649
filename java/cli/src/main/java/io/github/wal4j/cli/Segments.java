package io.github.wal4j.cli;

import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.log.SegmentCursor;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Reading helpers over segment files, on top of the format classes. */
final class Segments {
    private static final int CHUNK = 1 << 20;

    private Segments() {
    }

    /** Decodes the segment header at the start of {@code file}. */
    static SegmentHeader.Decoded header(StorageFile file) throws IOException {
        return SegmentCursor.readHeader(file);
    }

    /**
     * The salt and alignment of a segment, even from a header that fails its checksum: only to look
     * for batch headers, which carry a checksum of their own seeded with the salt (so a wrong salt
     * finds nothing). {@code null} if the file is too short to say.
     */
    static long[] saltAndAlignment(StorageFile file, SegmentHeader.Decoded decoded) throws IOException {
        if (decoded.header().isPresent()) {
            SegmentHeader h = decoded.header().get();
            return new long[] {h.salt(), h.alignment()};
        }
        if (file.size() < SegmentHeader.ENCODED_SIZE) {
            return null;
        }
        ByteBuffer b = file.readFully(ByteBuffer.allocate(SegmentHeader.ENCODED_SIZE), 0);
        int alignment = b.getInt(12);
        return new long[] {b.getLong(24), Alignment.isValid(alignment) ? alignment : Alignment.MIN};
    }

    /** What a scan for batch headers found. */
    static final class Evidence {
        /** The largest sequence a valid batch header names (its last record, or its durable-through mark), or 0. */
        long lastSequence;
        /** Whether the last valid batch header found (in file order) is a clean-close seal. */
        boolean endsWithSeal;
        /** Valid batch headers found. */
        int batches;
    }

    /**
     * Scans {@code file} from {@code fromOffset} to its end for valid batch headers (magic and a
     * checksum seeded with {@code salt} and the offset) at multiples of {@code alignment}, and adds what
     * they say about sequences at or after {@code atLeast} to {@code evidence}.
     */
    static void scanBatchHeaders(StorageFile file, long salt, int alignment, long fromOffset, long atLeast,
            Evidence evidence) throws IOException {
        long size = file.size();
        long offset = Alignment.up(Math.max(fromOffset, alignment), alignment);
        Checksums checksums = new Checksums();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        while (offset + BatchHeader.SIZE <= size) {
            int length = (int) Math.min(CHUNK, size - offset);
            chunk.clear().limit(length);
            while (chunk.hasRemaining()) {
                if (file.read(chunk, offset + chunk.position()) < 0) {
                    break;
                }
            }
            chunk.flip();
            for (int at = 0; at + BatchHeader.SIZE <= chunk.limit(); at += alignment) {
                if (chunk.getInt(at) != BatchHeader.MAGIC) {
                    continue;
                }
                BatchHeader h = BatchHeader.decode(chunk.duplicate().position(at), salt, offset + at, checksums);
                if (h == null) {
                    continue;
                }
                evidence.batches++;
                evidence.endsWithSeal = h.isSeal();
                long last = h.recordCount() > 0 ? h.nextSequence() - 1 : 0;
                if (last >= atLeast && last > evidence.lastSequence) {
                    evidence.lastSequence = last;
                }
                if (h.durableThrough() >= atLeast && h.durableThrough() > evidence.lastSequence) {
                    evidence.lastSequence = h.durableThrough();
                }
            }
            long step = chunk.limit() - chunk.limit() % alignment;
            if (step <= 0) {
                break;
            }
            offset += step;
        }
    }
}
