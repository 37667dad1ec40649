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

    /** CRC32C over {@code salt, position (big-endian longs), bytes}. */
    public int of(long salt, long position, ByteBuffer bytes) {
        crc.reset();
        prefix.clear();
        prefix.putLong(salt).putLong(position).flip();
        crc.update(prefix);
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** CRC32C over {@code salt, sequence, length (big-endian)} and then {@code payload}. */
    public int ofRecord(long salt, long sequence, ByteBuffer payload) {
        crc.reset();
        prefix.clear();
        prefix.putLong(salt).putLong(sequence).putInt(payload.remaining()).flip();
        crc.update(prefix);
        crc.update(payload);
        return (int) crc.getValue();
    }

    /** CRC32C of the {@code bytes} alone. */
    public int plain(ByteBuffer bytes) {
        crc.reset();
        crc.update(bytes);
        return (int) crc.getValue();
    }
}
