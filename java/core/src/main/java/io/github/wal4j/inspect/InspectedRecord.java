package io.github.wal4j.inspect;

import java.nio.ByteBuffer;

/**
 * One record, validated as recovery validates it, with where it lies on disk.
 *
 * @param sequence its sequence number
 * @param payload its payload (opened, in a protected segment), read-only, valid only during the
 *     visit that received it
 * @param storedCrc the CRC32C stored after it on disk
 * @param segment the file name of its segment
 * @param offset where its framing starts in the segment
 */
public record InspectedRecord(long sequence, ByteBuffer payload, int storedCrc, String segment, long offset) {
}
