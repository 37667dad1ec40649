package io.github.wal4j.format;

import java.nio.ByteBuffer;

/**
 * Where the log ended at its last clean close, kept in a file of its own ({@code CLOSE_MARK}),
 * outside the segment it describes, so that a truncated, emptied or deleted newest segment cannot
 * take the evidence with it: an open that finds the log ending before {@link #lastSequence} knows
 * acknowledged records are gone. Written by every clean close after its seal is durable, replaced
 * atomically; it stays a true lower bound while the log goes on, until the next close raises it.
 *
 * <pre>
 *  offset size  field
 *   0      8    magic "WAL4JEND"
 *   8      2    version (1)
 *  10      2    flags (0)
 *  12      4    reserved (0)
 *  16      8    last sequence L: every record up to L was acknowledged when the log closed
 *  24      8    segment id S: the newest segment then
 *  32      8    end offset E: where S's data ended (after its seal)
 *  40      4    CRC32C of bytes [0, 40)
 * </pre>
 * All integers are big-endian.
 *
 * @param lastSequence L
 * @param segmentId S
 * @param endOffset E
 */
public record CloseMark(long lastSequence, long segmentId, long endOffset) {
    /** The magic, "WAL4JEND". */
    public static final long MAGIC = 0x57414C344A454E44L;
    /** The format version. */
    public static final short VERSION = 1;
    /** Encoded size in bytes. */
    public static final int SIZE = 44;
    private static final int CRC_OFFSET = 40;

    /** The encoded mark, ready to write. */
    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putLong(MAGIC).putShort(VERSION).putShort((short) 0).putInt(0).putLong(lastSequence).putLong(segmentId)
                .putLong(endOffset);
        b.putInt(new Checksums().plain(b.duplicate().flip()));
        return b.flip();
    }

    /**
     * Decodes a mark from all remaining bytes of {@code src}.
     *
     * @return the mark, or null with {@code problem[0]} saying what is wrong
     */
    public static CloseMark decode(ByteBuffer src, String[] problem) {
        if (src.remaining() != SIZE) {
            problem[0] = "clean-close mark holds " + src.remaining() + " bytes, " + SIZE + " expected";
            return null;
        }
        int at = src.position();
        if (src.getLong(at) != MAGIC) {
            problem[0] = "clean-close mark: bad magic 0x" + Long.toHexString(src.getLong(at));
            return null;
        }
        int stored = src.getInt(at + CRC_OFFSET);
        int actual = new Checksums().plain(src.duplicate().limit(at + CRC_OFFSET));
        if (stored != actual) {
            problem[0] = "clean-close mark: checksum mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                    + Integer.toHexString(actual) + ")";
            return null;
        }
        if (src.getShort(at + 8) != VERSION) {
            problem[0] = "clean-close mark: version " + src.getShort(at + 8) + ", this wal4j reads " + VERSION;
            return null;
        }
        long last = src.getLong(at + 16);
        long segment = src.getLong(at + 24);
        long end = src.getLong(at + 32);
        if (last < 0 || segment < 1 || end < 0) {
            problem[0] = "clean-close mark: last sequence " + last + ", segment " + segment + ", end " + end;
            return null;
        }
        return new CloseMark(last, segment, end);
    }
}
