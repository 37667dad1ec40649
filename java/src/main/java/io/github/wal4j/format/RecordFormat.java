package io.github.wal4j.format;

import java.nio.ByteBuffer;

/**
 * The framing of one record inside a batch, as the specification asks:
 *
 * <pre>
 *  offset size  field
 *   0      4    payload length n (big-endian, 0 &lt;= n &lt;= the configured maximum record size)
 *   4      n    payload (in a protected segment: the payload sealed by its {@link RecordSealer})
 *   4+n    4    CRC32C of (segment salt, record sequence number, n, payload)
 * </pre>
 * The checksum covers the length field and is seeded with the segment's salt and the record's own
 * sequence number (which is not stored: it follows from the batch's first sequence), so a record
 * left over from another segment or moved to another place never validates.
 */
public final class RecordFormat {
    /** Framing bytes per record: the length and the checksum. */
    public static final int OVERHEAD = 8;

    private RecordFormat() {
    }

    /** Bytes one framed record of {@code payloadLength} occupies. */
    public static int framedSize(int payloadLength) {
        return payloadLength + OVERHEAD;
    }

    /** Appends the framed record, its payload sealed by {@code sealer}, at {@code dst}'s position. */
    public static void encode(ByteBuffer dst, long salt, long sequence, ByteBuffer payload, RecordSealer sealer,
            Checksums checksums) {
        int length = payload.remaining() + sealer.overhead();
        dst.putInt(length);
        int start = dst.position();
        sealer.seal(sequence, payload, dst);
        dst.putInt(checksums.ofRecord(salt, sequence, dst.slice(start, length)));
    }

    /** Whether {@code stored} is the checksum of {@code payload} at this place. Consumes nothing. */
    public static boolean verify(int stored, long salt, long sequence, ByteBuffer payload, Checksums checksums) {
        return stored == checksums.ofRecord(salt, sequence, payload.duplicate());
    }
}
