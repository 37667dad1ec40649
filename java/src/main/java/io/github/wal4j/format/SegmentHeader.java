package io.github.wal4j.format;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The first block of every segment file. It says what the file is and carries the salt that every
 * checksum in the file is seeded with.
 *
 * <pre>
 *  offset size  field
 *   0      8    magic "WAL4JSEG"
 *   8      2    format version (1)
 *  10      2    flags (0; reserved)
 *  12      4    alignment A: batches start at multiples of A; the header occupies bytes [0, A)
 *  16      8    segment id (also the file name: %016d.wal)
 *  24      8    salt: random, new for every segment
 *  32      8    sequence number of the first record the segment may hold
 *  40      4    reserved (0)
 *  44      4    CRC32C of bytes [0, 44)
 *  48    A-48   zeros
 * </pre>
 * All integers are big-endian. The header is written and synced, under a temporary name, before the
 * file is renamed into place, so a {@code .wal} file with a bad header is damage, never a torn write.
 */
public record SegmentHeader(int alignment, long segmentId, long salt, long firstSequence) {

    /** The magic bytes, "WAL4JSEG". */
    public static final long MAGIC = 0x57414C344A534547L;
    /** The only format version this code writes and reads. */
    public static final short VERSION = 1;
    /** Bytes of the header that carry meaning; the rest of the first block is zero. */
    public static final int ENCODED_SIZE = 48;
    private static final int CRC_OFFSET = 44;

    public SegmentHeader {
        if (!Alignment.isValid(alignment)) {
            throw new IllegalArgumentException("alignment must be a power of two in [512, 65536]: " + alignment);
        }
    }

    /** Writes the whole first block ({@code alignment} bytes) into {@code dst}. */
    public void encode(ByteBuffer dst, Checksums checksums) {
        int start = dst.position();
        dst.putLong(MAGIC).putShort(VERSION).putShort((short) 0).putInt(alignment)
                .putLong(segmentId).putLong(salt).putLong(firstSequence).putInt(0);
        ByteBuffer covered = dst.duplicate().position(start).limit(start + CRC_OFFSET);
        dst.putInt(checksums.plain(covered));
        for (int i = ENCODED_SIZE; i < alignment; i++) {
            dst.put((byte) 0);
        }
    }

    /** Why a header did not decode; {@link #FOREIGN} and {@link #UNSUPPORTED_VERSION} are not damage. */
    public enum Problem {
        /** Fewer bytes than a header. */
        SHORT,
        /** Every byte zero: a file created but never written. */
        ZEROS,
        /** Not a wal4j segment at all. */
        FOREIGN,
        /** A wal4j segment of a format version this code does not know. */
        UNSUPPORTED_VERSION,
        /** The checksum or a field does not hold. */
        DAMAGED
    }

    /** A decoded header, or the problem that stopped it. */
    public record Decoded(Optional<SegmentHeader> header, Problem problem, String detail) {
    }

    /** Decodes the {@link #ENCODED_SIZE} bytes at {@code src}'s position; never throws on bad bytes. */
    public static Decoded decode(ByteBuffer src, Checksums checksums) {
        if (src.remaining() < ENCODED_SIZE) {
            return problem(Problem.SHORT, "file holds " + src.remaining() + " bytes, a header needs " + ENCODED_SIZE);
        }
        int start = src.position();
        ByteBuffer b = src.duplicate();
        if (isZero(b.duplicate().limit(start + ENCODED_SIZE))) {
            return problem(Problem.ZEROS, "header is all zeros");
        }
        long magic = b.getLong(start);
        if (magic != MAGIC) {
            return problem(Problem.FOREIGN, "bad magic 0x" + Long.toHexString(magic) + ", not a wal4j segment");
        }
        int stored = b.getInt(start + CRC_OFFSET);
        int actual = checksums.plain(b.duplicate().position(start).limit(start + CRC_OFFSET));
        if (stored != actual) {
            return problem(Problem.DAMAGED, "header checksum mismatch: stored 0x" + Integer.toHexString(stored)
                    + ", computed 0x" + Integer.toHexString(actual));
        }
        short version = b.getShort(start + 8);
        if (version != VERSION) {
            return problem(Problem.UNSUPPORTED_VERSION, "format version " + version + ", this wal4j reads " + VERSION);
        }
        int alignment = b.getInt(start + 12);
        if (!Alignment.isValid(alignment)) {
            return problem(Problem.DAMAGED, "alignment " + alignment + " is not a power of two in [512, 65536]");
        }
        long firstSequence = b.getLong(start + 32);
        if (firstSequence < 1) {
            return problem(Problem.DAMAGED, "first sequence " + firstSequence + " is below 1");
        }
        return new Decoded(Optional.of(new SegmentHeader(alignment, b.getLong(start + 16), b.getLong(start + 24),
                firstSequence)), null, "ok");
    }

    private static Decoded problem(Problem problem, String detail) {
        return new Decoded(Optional.empty(), problem, detail);
    }

    static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
