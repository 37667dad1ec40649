package io.github.wal4j.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The first block of every segment file. It says what the file is and carries the salt that every
 * checksum in the file is seeded with.
 *
 * <pre>
 *  offset size  field
 *   0      8    magic "WAL4JSEG"
 *   8      2    format version: 1 or 3 (2 and 3 when protected, see below)
 *  10      2    flags: bits 0-7 the protection (0 in version 1), bit 8 FOLLOWS_LOSS, bit 9 RECYCLED;
 *               the rest 0
 *  12      4    alignment A: batches start at multiples of A; the header occupies bytes [0, A)
 *  16      8    segment id (also the file name: %016d.wal)
 *  24      8    salt: random, new for every segment
 *  32      8    sequence number of the first record the segment may hold
 *  40      4    maximum record size M the writer used (0: not recorded, see below)
 *  44      4    CRC32C of bytes [0, 44)
 *  48    A-48   zeros
 * </pre>
 * M bounds the length fields of this segment's records for a reader, as the larger of M and the
 * reader's own configured limit: a record written under a larger limit than a later open uses is
 * still valid data, and that open is refused as a configuration error instead of damage. A header
 * with 0 at offset 40 was written before the limit was recorded (the field was reserved and zero),
 * or with a limit of 0: its records are bounded by the reader's limit alone. M is at most 1 GiB,
 * the largest limit {@code WalOptions} accepts; a larger value is damage.
 * A protected segment (see {@link RecordSealer}) is format version 2: the same 48 bytes with version 2
 * and the protection in the flags field, followed by
 * <pre>
 *  48      1    k: length of the key id (1..255)
 *  49      k    key id, UTF-8 (which key the segment was written with; not secret)
 *  49+k   32    HMAC-SHA256 of bytes [0, 49+k) under the header key derived from that key
 *  81+k    4    CRC32C of bytes [48, 81+k)
 * </pre>
 * The HMAC proves, to a reader holding the key, that the salt, segment id, first sequence and
 * protection are as written: a wrong key or an altered header is told apart from damage (which the
 * CRCs catch first).
 *
 * <p>The version says how the segment's records are checked ({@link RecordFormat}): versions 1
 * (plain) and 2 (protected) with a CRC32C seeded with salt and sequence, version 3 (plain or
 * protected, the protection in the flags as in version 2, the extension when protected) with one
 * CRC32C pass combined with the record's place. Everything else, the header included, is the same
 * in all three. New segments are written as version 3; segments of versions 1 and 2 are read and
 * checked as they were written, so a log written before version 3 opens, and appends go on into a
 * new version-3 segment (a log then mixes versions, segment by segment). A wal4j that predates
 * version 3 refuses a version-3 segment ({@link Problem#UNSUPPORTED_VERSION}: "unknown magic or
 * format version", {@code WalFormatException}) instead of misreading its records as damage.
 *
 * <p>FOLLOWS_LOSS marks a segment that a point-in-time cut of acknowledged records started: its first
 * sequence lies past the end of the segment before it, and the sequences between were handed out
 * before the loss and are never handed out again (a consumer that saw one never sees a different
 * record under it). A reader accepts that gap, and only in a segment so marked.
 *
 * <p>RECYCLED marks a segment written over the file of an earlier segment that a checkpoint freed
 * (see {@code WalOptions.withSegmentRecycling}): behind its last batch lie the bytes of the earlier
 * use (its batches, under its own salt, which therefore fail this header's checksums; see
 * {@link BatchHeader}). In such a segment a reader takes bytes that are not a batch of this use as
 * the end of its data where that is provably so: in a segment a newer one follows, once its records
 * reach the newer segment's first sequence (every record it held is accounted for); in the newest,
 * when no batch header of this use lies at or after them. Anywhere else they are damage, as in a
 * segment without the flag, whose bytes after the last batch were never written by anyone else.
 * A wal4j without the flag refuses such a segment ("unknown header flags"): it cannot tell.
 *
 * <p>All integers are big-endian. The header is written and synced, under a temporary name, before the
 * file is renamed into place, so a {@code .wal} file with a bad header is damage, never a torn write.
 *
 * @param maxRecordSize the maximum record size (payload bytes) the writer of this segment used; 0 if
 *     not recorded
 * @param protection {@link #PLAIN}, {@link #AES_GCM} or {@link #HMAC_CHAIN}
 * @param keyId the key id of a protected segment, else {@code null}
 * @param tag the header's HMAC for a protected segment (32 bytes), else {@code null}
 * @param followsLoss the FOLLOWS_LOSS flag
 * @param recycled the RECYCLED flag
 * @param version the format version: {@link #VERSION} or {@link #VERSION_PROTECTED} (records
 *     checked by a seeded CRC32C), or {@link #VERSION_ONE_PASS} (records checked in one pass)
 */
public record SegmentHeader(int alignment, long segmentId, long salt, long firstSequence, int maxRecordSize,
        int protection, String keyId, byte[] tag, boolean followsLoss, boolean recycled, int version) {

    /** Protection code of a segment with checksums only. */
    public static final int PLAIN = 0;
    /** Protection code: AES-256-GCM per record. */
    public static final int AES_GCM = 1;
    /** Protection code: HMAC-SHA256 chain. */
    public static final int HMAC_CHAIN = 2;
    /** The FOLLOWS_LOSS bit of the flags field. */
    public static final int FLAG_FOLLOWS_LOSS = 0x100;
    /** The RECYCLED bit of the flags field. */
    public static final int FLAG_RECYCLED = 0x200;
    private static final int PROTECTION_MASK = 0xFF;
    /** The most bytes any header occupies: read this many (or the file, if shorter) to decode one. */
    public static final int MAX_ENCODED_SIZE = 48 + 1 + 255 + KeyDerivation.MAC_BYTES + 4;

    /** The magic bytes, "WAL4JSEG". */
    public static final long MAGIC = 0x57414C344A534547L;
    /** The format version of unprotected segments whose records carry a seeded CRC32C. */
    public static final short VERSION = 1;
    /** The format version of protected segments whose records carry a seeded CRC32C. */
    public static final short VERSION_PROTECTED = 2;
    /** The format version of segments (plain or protected) whose records are checked in one CRC32C pass: what new segments are. */
    public static final short VERSION_ONE_PASS = 3;
    /** Bytes of the header that carry meaning; the rest of the first block is zero. */
    public static final int ENCODED_SIZE = 48;
    private static final int CRC_OFFSET = 44;
    private static final int MAX_RECORD_SIZE_OFFSET = 40;
    private static final int ALIGNMENT_OFFSET = 12;
    private static final int SEGMENT_ID_OFFSET = 16;
    private static final int SALT_OFFSET = 24;
    /** The largest {@link #maxRecordSize} a header records: the largest limit {@code WalOptions} accepts. */
    public static final int MAX_RECORD_SIZE_BOUND = 1 << 30;

    public SegmentHeader {
        if (version == VERSION ? protection != PLAIN : version == VERSION_PROTECTED ? protection == PLAIN
                : version != VERSION_ONE_PASS) {
            throw new IllegalArgumentException("format version " + version + " with protection " + protection);
        }
        if (!Alignment.isValid(alignment)) {
            throw new IllegalArgumentException("alignment must be a power of two in [512, 65536]: " + alignment);
        }
        if (maxRecordSize < 0 || maxRecordSize > MAX_RECORD_SIZE_BOUND) {
            throw new IllegalArgumentException("max record size must be in [0, " + MAX_RECORD_SIZE_BOUND + "]: "
                    + maxRecordSize);
        }
        if (protection != PLAIN) {
            if (protection != AES_GCM && protection != HMAC_CHAIN) {
                throw new IllegalArgumentException("unknown protection " + protection);
            }
            int k = keyId == null ? 0 : keyId.getBytes(StandardCharsets.UTF_8).length;
            if (k < 1 || k > 255) {
                throw new IllegalArgumentException("a key id must be 1 to 255 bytes of UTF-8, not " + k);
            }
            if (tag != null && tag.length != KeyDerivation.MAC_BYTES) {
                throw new IllegalArgumentException("header tag must be " + KeyDerivation.MAC_BYTES + " bytes");
            }
        }
    }

    /**
     * A header of format version 1 (unprotected) or 2 (protected): records checked by a seeded
     * CRC32C, as segments were written before version 3.
     */
    public SegmentHeader(int alignment, long segmentId, long salt, long firstSequence, int maxRecordSize,
            int protection, String keyId, byte[] tag, boolean followsLoss, boolean recycled) {
        this(alignment, segmentId, salt, firstSequence, maxRecordSize, protection, keyId, tag, followsLoss, recycled,
                protection == PLAIN ? VERSION : VERSION_PROTECTED);
    }

    /** A header of a segment written over fresh blocks (not recycled), of format version 1 or 2. */
    public SegmentHeader(int alignment, long segmentId, long salt, long firstSequence, int maxRecordSize,
            int protection, String keyId, byte[] tag, boolean followsLoss) {
        this(alignment, segmentId, salt, firstSequence, maxRecordSize, protection, keyId, tag, followsLoss, false);
    }

    /** A header that follows no loss. */
    public SegmentHeader(int alignment, long segmentId, long salt, long firstSequence, int maxRecordSize,
            int protection, String keyId, byte[] tag) {
        this(alignment, segmentId, salt, firstSequence, maxRecordSize, protection, keyId, tag, false);
    }

    /** This header with the FOLLOWS_LOSS flag (before its tag is computed: the tag covers the flag). */
    public SegmentHeader followingLoss() {
        return new SegmentHeader(alignment, segmentId, salt, firstSequence, maxRecordSize, protection, keyId, tag, true,
                recycled, version);
    }

    /** This header with the RECYCLED flag (before its tag is computed: the tag covers the flag). */
    public SegmentHeader asRecycled() {
        return new SegmentHeader(alignment, segmentId, salt, firstSequence, maxRecordSize, protection, keyId, tag,
                followsLoss, true, version);
    }

    /** This header in format version {@code value} (before its tag is computed: the tag covers the version). */
    public SegmentHeader withVersion(int value) {
        return new SegmentHeader(alignment, segmentId, salt, firstSequence, maxRecordSize, protection, keyId, tag,
                followsLoss, recycled, value);
    }

    /** Whether this segment's records are checked in one CRC32C pass (format version 3, {@link RecordFormat}). */
    public boolean onePassRecords() {
        return version == VERSION_ONE_PASS;
    }

    /** An unprotected header that records no maximum record size. */
    public SegmentHeader(int alignment, long segmentId, long salt, long firstSequence) {
        this(alignment, segmentId, salt, firstSequence, 0);
    }

    /** An unprotected header. */
    public SegmentHeader(int alignment, long segmentId, long salt, long firstSequence, int maxRecordSize) {
        this(alignment, segmentId, salt, firstSequence, maxRecordSize, PLAIN, null, null);
    }

    /** Whether records in this segment are sealed ({@link #AES_GCM} or {@link #HMAC_CHAIN}). */
    public boolean isProtected() {
        return protection != PLAIN;
    }

    /** This header with its HMAC set. */
    public SegmentHeader withTag(byte[] value) {
        return new SegmentHeader(alignment, segmentId, salt, firstSequence, maxRecordSize, protection, keyId,
                value.clone(), followsLoss, recycled, version);
    }

    /** The bytes the header HMAC covers: [0, 49+k) of the encoded header. */
    public byte[] authenticatedBytes() {
        ByteBuffer b = ByteBuffer.allocate(MAX_ENCODED_SIZE);
        encodeFixed(b, new Checksums());
        byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
        b.put((byte) id.length).put(id);
        return Arrays.copyOf(b.array(), b.position());
    }

    /** Writes the whole first block ({@code alignment} bytes) into {@code dst}. */
    public void encode(ByteBuffer dst, Checksums checksums) {
        int start = dst.position();
        encodeFixed(dst, checksums);
        if (isProtected()) {
            if (tag == null) {
                throw new IllegalStateException("a protected header is encoded with its tag");
            }
            int extension = dst.position();
            byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
            dst.put((byte) id.length).put(id).put(tag);
            dst.putInt(checksums.plain(dst.duplicate().limit(dst.position()).position(extension)));
        }
        while (dst.position() < start + alignment) {
            dst.put((byte) 0);
        }
    }

    private void encodeFixed(ByteBuffer dst, Checksums checksums) {
        int start = dst.position();
        dst.putLong(MAGIC).putShort((short) version).putShort((short) (protection | (followsLoss ? FLAG_FOLLOWS_LOSS : 0) | (recycled ? FLAG_RECYCLED : 0)))
                .putInt(alignment).putLong(segmentId).putLong(salt).putLong(firstSequence).putInt(maxRecordSize);
        ByteBuffer covered = dst.duplicate().position(start).limit(start + CRC_OFFSET);
        dst.putInt(checksums.plain(covered));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentHeader h && h.alignment == alignment && h.segmentId == segmentId && h.salt == salt
                && h.firstSequence == firstSequence && h.maxRecordSize == maxRecordSize && h.protection == protection
                && java.util.Objects.equals(h.keyId, keyId) && Arrays.equals(h.tag, tag) && h.followsLoss == followsLoss
                && h.recycled == recycled && h.version == version;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(segmentId) * 31 + Long.hashCode(salt);
    }

    @Override
    public String toString() {
        return "SegmentHeader[id=" + segmentId + ", version=" + version + ", firstSequence=" + firstSequence + ", alignment=" + alignment
                + ", maxRecordSize=" + maxRecordSize + (followsLoss ? ", followsLoss" : "") + (recycled ? ", recycled" : "") + (isProtected() ? ", protection=" + protection + ", keyId=" + keyId : "") + "]";
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

    /**
     * Decodes the header at {@code src}'s position from the bytes remaining (pass up to
     * {@link #MAX_ENCODED_SIZE}); never throws on bad bytes. The HMAC of a protected header is
     * returned, not checked: that needs the key.
     */
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
        if (version != VERSION && version != VERSION_PROTECTED && version != VERSION_ONE_PASS) {
            return problem(Problem.UNSUPPORTED_VERSION, "format version " + version + ", this wal4j reads "
                    + VERSION + ", " + VERSION_PROTECTED + " and " + VERSION_ONE_PASS);
        }
        int flags = b.getShort(start + 10) & 0xFFFF;
        if ((flags & ~(PROTECTION_MASK | FLAG_FOLLOWS_LOSS | FLAG_RECYCLED)) != 0) {
            return problem(Problem.DAMAGED, "unknown header flags 0x" + Integer.toHexString(flags));
        }
        boolean followsLoss = (flags & FLAG_FOLLOWS_LOSS) != 0;
        boolean recycled = (flags & FLAG_RECYCLED) != 0;
        int protection = flags & PROTECTION_MASK;
        if (version == VERSION ? protection != PLAIN
                : protection != AES_GCM && protection != HMAC_CHAIN && (version == VERSION_PROTECTED || protection != PLAIN)) {
            return problem(Problem.DAMAGED, "format version " + version + " with protection " + protection);
        }
        int alignment = alignmentAt(b, start);
        if (!Alignment.isValid(alignment)) {
            return problem(Problem.DAMAGED, "alignment " + alignment + " is not a power of two in [512, 65536]");
        }
        long firstSequence = b.getLong(start + 32);
        if (firstSequence < 1) {
            return problem(Problem.DAMAGED, "first sequence " + firstSequence + " is below 1");
        }
        int maxRecordSize = b.getInt(start + MAX_RECORD_SIZE_OFFSET);
        if (maxRecordSize < 0 || maxRecordSize > MAX_RECORD_SIZE_BOUND) {
            return problem(Problem.DAMAGED, "maximum record size " + Integer.toUnsignedString(maxRecordSize)
                    + " is above " + MAX_RECORD_SIZE_BOUND);
        }
        String keyId = null;
        byte[] tag = null;
        if (protection != PLAIN) {
            int extension = start + ENCODED_SIZE;
            if (src.remaining() < ENCODED_SIZE + 1) {
                return problem(Problem.SHORT, "protected header ends before its key id");
            }
            int k = b.get(extension) & 0xFF;
            int end = extension + 1 + k + KeyDerivation.MAC_BYTES;
            if (k == 0 || end + 4 > src.limit()) {
                return problem(k == 0 ? Problem.DAMAGED : Problem.SHORT, "protected header: key id of " + k
                        + " bytes and its tag do not fit in " + src.remaining() + " bytes");
            }
            int storedExt = b.getInt(end);
            int actualExt = checksums.plain(b.duplicate().position(extension).limit(end));
            if (storedExt != actualExt) {
                return problem(Problem.DAMAGED, "protected header extension checksum mismatch: stored 0x"
                        + Integer.toHexString(storedExt) + ", computed 0x" + Integer.toHexString(actualExt));
            }
            byte[] id = new byte[k];
            b.get(extension + 1, id);
            keyId = new String(id, StandardCharsets.UTF_8);
            tag = new byte[KeyDerivation.MAC_BYTES];
            b.get(extension + 1 + k, tag);
            if (end + 4 - start > alignment) {
                return problem(Problem.DAMAGED, "protected header of " + (end + 4 - start) + " bytes exceeds its "
                        + alignment + "-byte block");
            }
        }
        return new Decoded(Optional.of(new SegmentHeader(alignment, segmentIdAt(b, start), b.getLong(start + SALT_OFFSET),
                firstSequence, maxRecordSize, protection, keyId, tag, followsLoss, recycled, version)), null, "ok");
    }

    /**
     * A header standing in for one that did not decode (a checksum mismatch, a bad field), made of
     * the salt and alignment fields at {@code src}'s position as they are: only to look for batch
     * headers behind it, which carry a checksum of their own seeded with the salt and their offset,
     * so a wrong salt finds nothing. An invalid alignment is taken as {@link Alignment#MIN}, every
     * other field as zero, the version as 3 if the field says 3 (so that records, were they
     * checked, are checked as written), else 1. {@code null} if fewer than {@link #ENCODED_SIZE}
     * bytes remain.
     */
    public static SegmentHeader salvage(ByteBuffer src, long segmentId) {
        if (src.remaining() < ENCODED_SIZE) {
            return null;
        }
        int alignment = alignmentAt(src, src.position());
        long salt = src.getLong(src.position() + SALT_OFFSET);
        SegmentHeader salvaged = new SegmentHeader(Alignment.isValid(alignment) ? alignment : Alignment.MIN, segmentId,
                salt, 0);
        return src.getShort(src.position() + 8) == VERSION_ONE_PASS ? salvaged.withVersion(VERSION_ONE_PASS) : salvaged;
    }

    /**
     * The alignment field of the {@link #ENCODED_SIZE} bytes at absolute index {@code at} of
     * {@code src}, unchecked: for a header whose fixed part is whole but which did not decode (a
     * protected header whose extension a cut took, {@link Problem#SHORT}).
     */
    public static int alignmentAt(ByteBuffer src, int at) {
        return src.getInt(at + ALIGNMENT_OFFSET);
    }

    /** The segment id field at absolute index {@code at} of {@code src}, unchecked, as {@link #alignmentAt}. */
    public static long segmentIdAt(ByteBuffer src, int at) {
        return src.getLong(at + SEGMENT_ID_OFFSET);
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
