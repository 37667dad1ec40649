package io.github.wal4j.testing.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Damages files the way a disk, a filesystem or an operator can: flipped bits, overwritten fields,
 * truncation, appended bytes. Every method writes in place through a fresh channel (the page cache
 * is shared, so the library reads the damaged bytes; nothing needs to survive a power loss here).
 */
public final class FileDamage {

    private FileDamage() {
    }

    /** Flips bit {@code bit} (0 = least significant) of the byte at {@code offset}. */
    public static void flipBit(Path file, long offset, int bit) throws IOException {
        byte[] one = read(file, offset, 1);
        one[0] ^= (byte) (1 << bit);
        write(file, offset, one);
    }

    /** Overwrites the big-endian int at {@code offset}. */
    public static void putInt(Path file, long offset, int value) throws IOException {
        write(file, offset, ByteBuffer.allocate(4).putInt(value).array());
    }

    /** Overwrites the big-endian short at {@code offset}. */
    public static void putShort(Path file, long offset, short value) throws IOException {
        write(file, offset, ByteBuffer.allocate(2).putShort(value).array());
    }

    /** Overwrites {@code length} bytes at {@code offset} with zeros. */
    public static void zero(Path file, long offset, int length) throws IOException {
        write(file, offset, new byte[length]);
    }

    /** Cuts the file to {@code size} bytes. */
    public static void truncate(Path file, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (size > channel.size()) {
                throw new IllegalArgumentException("cannot truncate " + file + " of " + channel.size()
                        + " bytes to " + size);
            }
            channel.truncate(size);
        }
    }

    /** Appends {@code bytes} at the end of the file. */
    public static void append(Path file, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writeFully(channel, ByteBuffer.wrap(bytes), channel.size());
        }
    }

    /** Reads {@code length} bytes at {@code offset}. */
    public static byte[] read(Path file, long offset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining()) {
                if (channel.read(b, offset + b.position()) < 0) {
                    throw new IOException(file + " ends before offset " + (offset + length));
                }
            }
            return b.array();
        }
    }

    /** Overwrites bytes at {@code offset}. */
    public static void write(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writeFully(channel, ByteBuffer.wrap(bytes), offset);
        }
    }

    /** Writes a big-endian long at {@code offset}. */
    public static void putLong(Path file, long offset, long value) throws IOException {
        write(file, offset, ByteBuffer.allocate(8).putLong(value).array());
    }

    /**
     * Recomputes a record's checksum for its current length and payload, as an attacker without the
     * key can, by the rule of the segment's format version (read from its header, bytes 8-9): in
     * version 3, CRC32C of (length as big-endian, stored payload) XOR the record's place
     * ({@code fold(fmix64(salt)) ^ (int) sequence * 0x9E3779B1}, spelled out here apart from the
     * format classes); in versions 1 and 2, CRC32C of (salt, sequence, length, stored payload).
     * Stored after the payload.
     */
    public static void fixRecordCrc(Path file, SegmentLayout.Record record, long salt) throws IOException {
        byte[] version = read(file, 8, 2);
        CRC32C crc = new CRC32C();
        if (version[0] == 0 && version[1] == 3) {
            crc.update(ByteBuffer.allocate(4).putInt(record.length()).array());
            crc.update(read(file, record.payloadOffset(), record.length()));
            long z = salt;
            z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
            z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
            z ^= z >>> 33;
            int place = (int) (z ^ (z >>> 32)) ^ (int) record.sequence() * 0x9E3779B1;
            putInt(file, record.crcOffset(), (int) crc.getValue() ^ place);
            return;
        }
        crc.update(ByteBuffer.allocate(20).putLong(salt).putLong(record.sequence()).putInt(record.length()).array());
        crc.update(read(file, record.payloadOffset(), record.length()));
        putInt(file, record.crcOffset(), (int) crc.getValue());
    }

    /**
     * Recomputes the checksum of the batch header at {@code batchOffset} after a field was changed,
     * so only that field is wrong: CRC32C of (salt, offset as big-endian longs, header bytes
     * [0, 32)), stored big-endian at 32.
     */
    public static void fixBatchHeaderCrc(Path file, long batchOffset, long salt) throws IOException {
        byte[] covered = read(file, batchOffset, 32);
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(16).putLong(salt).putLong(batchOffset).array());
        crc.update(covered);
        putInt(file, batchOffset + 32, (int) crc.getValue());
    }

    /**
     * Recomputes the segment header's checksum after a field was changed, so only that field is
     * wrong: CRC32C of bytes [0, 44), stored big-endian at 44.
     */
    public static void fixSegmentHeaderCrc(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(read(file, 0, 44));
        putInt(file, 44, (int) crc.getValue());
    }

    private static void writeFully(FileChannel channel, ByteBuffer b, long offset) throws IOException {
        long at = offset;
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
    }
}
