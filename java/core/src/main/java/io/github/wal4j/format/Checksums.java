package io.github.wal4j.format;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli, hardware-accelerated by the JDK) seeded with the values that say where a
 * structure belongs, so bytes copied from another segment or another position never validate.
 *
 * <p>Not thread-safe: each thread or writer keeps its own instance.
 */
public final class Checksums {
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer prefix = ByteBuffer.allocate(24);
    private final byte[] seed = new byte[16];
    private final ByteBuffer seedView = ByteBuffer.wrap(seed);
    private ByteBuffer source;
    private ByteBuffer range;
    /** The salt {@link #saltPlace} was computed for. */
    private long placeSalt;
    private int saltPlace = RecordFormat.saltPlace(0);

    /** CRC32C over {@code salt, position (big-endian longs), bytes}. */
    public int of(long salt, long position, ByteBuffer bytes) {
        crc.reset();
        prefix.clear();
        prefix.putLong(salt).putLong(position).flip();
        crc.update(prefix);
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** CRC32C of the {@code bytes} alone. */
    public int plain(ByteBuffer bytes) {
        crc.reset();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /**
     * Starts a CRC32C of bytes alone fed in pieces: {@link #plain} over a stream too long for one
     * buffer (a snapshot, written and checked in 64 KiB pieces). Feed the pieces in order to
     * {@link #plainUpdate}, then read {@link #plainValue}. Any other method of this instance ends
     * the stream.
     */
    public void plainStart() {
        crc.reset();
    }

    /** Adds the remaining bytes of {@code bytes} (consuming them) to the stream {@link #plainStart} began. */
    public void plainUpdate(ByteBuffer bytes) {
        crc.update(bytes);
    }

    /** The CRC32C of the bytes fed since {@link #plainStart}: {@link #plain} of them all at once. */
    public int plainValue() {
        return (int) crc.getValue();
    }

    /**
     * As {@link #of(long, long, ByteBuffer)} over {@code length} bytes of {@code buffer} at absolute
     * index {@code at}, without allocating and without touching {@code buffer}'s position or limit.
     */
    public int of(long salt, long position, ByteBuffer buffer, int at, int length) {
        seed(salt, position);
        update(buffer, at, length);
        return (int) crc.getValue();
    }

    /**
     * The record checksum of format versions 1 and 2 ({@link RecordFormat}: CRC32C over salt,
     * sequence, length and payload) of
     * a framed record in place, for the writer and every reader alike: {@code at} is the absolute
     * index in {@code buffer} of its 4-byte big-endian length field, which is followed by the
     * {@code length} payload bytes; the caller must have checked (or written) that
     * {@code buffer.getInt(at) == length}. Allocates nothing and leaves {@code buffer}'s position
     * and limit alone.
     */
    public int ofFramedRecord(long salt, long sequence, ByteBuffer buffer, int at, int length) {
        seed(salt, sequence);
        update(buffer, at, 4 + length);
        return (int) crc.getValue();
    }

    /**
     * The record checksum of format version 3 ({@link RecordFormat}: one CRC32C pass over length and
     * payload, XOR the record's place) of a framed record in place, under the same terms as
     * {@link #ofFramedRecord}. The salt's part of the place is kept for the last salt seen, so a
     * segment's records compute it once.
     */
    public int ofFramedRecordOnePass(long salt, long sequence, ByteBuffer buffer, int at, int length) {
        if (salt != placeSalt) {
            placeSalt = salt;
            saltPlace = RecordFormat.saltPlace(salt);
        }
        crc.reset();
        update(buffer, at, 4 + length);
        return (int) crc.getValue() ^ RecordFormat.place(saltPlace, sequence);
    }

    private void seed(long salt, long value) {
        crc.reset();
        seedView.putLong(0, salt).putLong(8, value);
        crc.update(seed, 0, 16);
    }

    /** Feeds {@code buffer[at, at + length)} through a view of it kept for the last buffer seen. */
    private void update(ByteBuffer buffer, int at, int length) {
        if (buffer != source) {
            source = buffer;
            range = buffer.duplicate();
        }
        range.limit(at + length).position(at);
        crc.update(range);
    }
}
