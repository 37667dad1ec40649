package io.github.wal4j.bookkeeper.internal;

import java.nio.ByteBuffer;

/**
 * The layout of one BookKeeper entry: one record of the log.
 * <pre>
 * 0        8                     n
 * +--------+---------------------+
 * | seq    | payload             |   seq: the record's global sequence number, big-endian
 * +--------+---------------------+
 * </pre>
 * BookKeeper's digest covers the whole entry. The sequence lets a reader check that the ledger list
 * maps the entry where it was written ({@code seq == ledger.first + entryId}), so a damaged list is
 * found rather than read as a shifted log.
 */
public final class EntryFormat {
    public static final int HEADER = 8;

    private EntryFormat() {}

    public static byte[] encode(long sequence, byte[] payload) {
        byte[] entry = new byte[HEADER + payload.length];
        ByteBuffer.wrap(entry).putLong(sequence);
        System.arraycopy(payload, 0, entry, HEADER, payload.length);
        return entry;
    }

    /** The sequence the entry claims; the caller checked {@code entry.length >= HEADER}. */
    public static long sequence(byte[] entry) {
        return ByteBuffer.wrap(entry).getLong(0);
    }
}
