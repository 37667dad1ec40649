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

    /** The payload length field of the framed record at absolute index {@code at} of {@code src}, unchecked. */
    public static int lengthAt(ByteBuffer src, int at) {
        return src.getInt(at);
    }

    /** The index of the payload of the framed record at index {@code at}. */
    public static int payloadAt(int at) {
        return at + 4;
    }

    /** The stored checksum of the framed record at index {@code at} whose length field is {@code length}. */
    public static int checksumAt(ByteBuffer src, int at, int length) {
        return src.getInt(at + 4 + length);
    }

    /** Bytes one framed record of {@code payloadLength} occupies. */
    public static int framedSize(int payloadLength) {
        return payloadLength + OVERHEAD;
    }

    /**
     * Appends the framed record, its payload sealed by {@code sealer}, at {@code dst}'s position.
     * An unsealed record allocates nothing: the payload is copied straight from the array and the
     * checksum is computed in place, by the very function recovery validates it with
     * ({@link Checksums#ofFramedRecord}).
     */
    public static void encode(ByteBuffer dst, long salt, long sequence, byte[] payload, RecordSealer sealer,
            Checksums checksums) {
        int length = payload.length + sealer.overhead();
        int at = dst.position();
        dst.putInt(length);
        if (sealer == RecordSealer.PLAIN) {
            dst.put(payload);
        } else {
            sealer.seal(sequence, ByteBuffer.wrap(payload), dst);
        }
        dst.putInt(checksums.ofFramedRecord(salt, sequence, dst, at, length));
    }
}
