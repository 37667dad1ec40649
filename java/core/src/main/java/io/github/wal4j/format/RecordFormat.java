package io.github.wal4j.format;

import java.nio.ByteBuffer;

/**
 * The framing of one record inside a batch, as the specification asks, and how it is checked: the
 * one place that owns the record layout of every segment format version.
 *
 * <pre>
 *  offset size  field
 *   0      4    payload length n (big-endian, 0 &lt;= n &lt;= the configured maximum record size)
 *   4      n    payload (in a protected segment: the payload sealed by its {@link RecordSealer})
 *   4+n    4    the record's checksum C, as the segment's format version says:
 *                 versions 1, 2: CRC32C of (segment salt, record sequence number, n, payload)
 *                 version 3:     CRC32C of (n, payload) XOR place(salt, sequence)
 * </pre>
 * where {@code place(salt, s) = fold(fmix64(salt)) XOR (low 32 bits of s) * 0x9E3779B1} (mod
 * 2<sup>32</sup>), {@code fmix64} is MurmurHash3's 64-bit finalizer and {@code fold(x)} the XOR of
 * its two 32-bit halves (big-endian integers as everywhere; {@link #place}).
 *
 * <p>In every version the checksum covers the length field and binds the record to the segment's
 * salt and to its own sequence number (which is not stored: it follows from the batch's first
 * sequence), so a record left over from another segment or moved to another place never validates.
 * Version 1 seeds the CRC with 16 bytes of salt and sequence: two CRC32C passes per record.
 * Version 3 makes one pass over the bytes the record holds and then XORs a 32-bit value of where
 * it belongs, computed without touching memory (the salt's part once per segment). Why version 3
 * loses nothing:
 * <ul>
 * <li><b>Damage inside the record.</b> For a given place the XOR is a bijection of the 32-bit CRC,
 *     so altered length or payload bytes validate exactly when their CRC32C equals the original's:
 *     every error CRC32C detects (every burst of up to 32 bits, among others) is
 *     detected, as in version 1.
 * <li><b>Moved within a segment</b> (same salt). Moving a whole record from sequence s to t
 *     changes the expected value by {@code g(s) XOR g(t)}, {@code g(s) = s * 0x9E3779B1 mod 2^32}:
 *     multiplication by an odd constant is a bijection of the integers mod 2<sup>32</sup>, so that
 *     is never zero unless s and t are equal mod 2<sup>32</sup>, which takes 2<sup>32</sup> records
 *     between them (at least 32 GiB of framing in one segment). Such a record never validates.
 * <li><b>From another segment, or an earlier use of a recycled file</b> (another salt). It
 *     validates only if {@code place} of the two (salt, sequence) pairs agree; salts are random and
 *     {@code fmix64} spreads every bit of the salt over the folded value, so that happens with
 *     probability 2<sup>-32</sup>, as for version 1 (whose 16-byte seed reaches the check through
 *     the same 32 bits) and for any 32-bit checksum against unrelated bytes. The batch header in
 *     front of the record (checked first, seeded with salt and offset) already failed for such
 *     bytes; the record check is the second line.
 * <li><b>Zeros.</b> A length of 0 and a stored 0 validate only if {@code place} equals the CRC32C
 *     of four zero bytes: probability 2<sup>-32</sup> per segment, as in version 1; zeros at a
 *     batch boundary end the data before any record is read ({@link BatchHeader}).
 * </ul>
 * Protected segments seal the payload before it is framed; the checksum covers the sealed bytes
 * in every version, and the sealers authenticate sequence and key on their own ({@link AeadSealer},
 * {@link MacChainSealer}): the version changes only the CRC.
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
     * Appends the framed record of a segment of format version 1 or 2 (checksum seeded with salt
     * and sequence), its payload sealed by {@code sealer}, at {@code dst}'s position.
     */
    public static void encode(ByteBuffer dst, long salt, long sequence, byte[] payload, RecordSealer sealer,
            Checksums checksums) {
        encode(dst, false, salt, sequence, payload, sealer, checksums);
    }

    /**
     * Appends the framed record for {@code segment} (its salt, and the checksum its format version
     * asks for), its payload sealed by {@code sealer}, at {@code dst}'s position. An unsealed record
     * allocates nothing: the payload is copied straight from the array and the checksum is computed
     * in place, by the very function recovery validates it with ({@link #checksum}).
     */
    public static void encode(ByteBuffer dst, SegmentHeader segment, long sequence, byte[] payload, RecordSealer sealer,
            Checksums checksums) {
        encode(dst, segment.onePassRecords(), segment.salt(), sequence, payload, sealer, checksums);
    }

    private static void encode(ByteBuffer dst, boolean onePass, long salt, long sequence, byte[] payload,
            RecordSealer sealer, Checksums checksums) {
        int length = payload.length + sealer.overhead();
        int at = dst.position();
        dst.putInt(length);
        if (sealer == RecordSealer.PLAIN) {
            dst.put(payload);
        } else {
            sealer.seal(sequence, ByteBuffer.wrap(payload), dst);
        }
        dst.putInt(checksum(onePass, salt, sequence, dst, at, length, checksums));
    }

    /**
     * The checksum the framed record at absolute index {@code at} of {@code buffer} must carry, for
     * the writer and every reader alike: {@code length} is its payload length, which the caller has
     * checked (or written) is the length field there. {@code onePass} is
     * {@link SegmentHeader#onePassRecords()} of the record's segment (format version 3), else the
     * seeded checksum of versions 1 and 2. Allocates nothing and leaves {@code buffer}'s position
     * and limit alone.
     */
    public static int checksum(boolean onePass, long salt, long sequence, ByteBuffer buffer, int at, int length,
            Checksums checksums) {
        return onePass ? checksums.ofFramedRecordOnePass(salt, sequence, buffer, at, length)
                : checksums.ofFramedRecord(salt, sequence, buffer, at, length);
    }

    /** The salt's part of {@link #place}: once per segment. */
    public static int saltPlace(long salt) {
        long z = salt;
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        z ^= z >>> 33;
        return (int) (z ^ (z >>> 32));
    }

    /**
     * What a version-3 record's CRC32C of (length, payload) is XORed with: where it belongs, as the
     * class comment defines it, from {@code saltPlace = }{@link #saltPlace}{@code (salt)}.
     */
    public static int place(int saltPlace, long sequence) {
        return saltPlace ^ (int) sequence * 0x9E3779B1;
    }
}
