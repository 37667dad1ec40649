package io.github.wal4j.format;

import java.nio.ByteBuffer;

/**
 * What a protected segment does to each record's payload before it is framed (and checksummed)
 * by {@link RecordFormat}: the stored payload is the sealed form, {@link #overhead()} bytes longer.
 * The frame's CRC covers the sealed bytes, so a torn write is still a checksum failure; a record
 * whose checksum holds but whose seal does not was changed deliberately, or written under another
 * key or at another place.
 *
 * <p>One sealer serves one segment and one thread. A sealer may carry state from one record to the
 * next (the MAC chain): {@link #mark()} and {@link #reset()} let a reader validate a batch
 * tentatively and forget it if the batch is rejected.
 */
public interface RecordSealer {

    /** The sealer of unprotected segments: stores the payload as it is. */
    RecordSealer PLAIN = new RecordSealer() {
        @Override
        public int overhead() {
            return 0;
        }

        @Override
        public void seal(long sequence, ByteBuffer payload, ByteBuffer dst) {
            dst.put(payload);
        }

        @Override
        public boolean open(long sequence, ByteBuffer stored, ByteBuffer dst) {
            dst.put(stored);
            return true;
        }
    };

    /** Bytes a sealed payload adds to the plain one. */
    int overhead();

    /** Writes the sealed form of {@code payload} (consumed) for record {@code sequence} at {@code dst}'s position. */
    void seal(long sequence, ByteBuffer payload, ByteBuffer dst);

    /**
     * Authenticates {@code stored} (consumed) as record {@code sequence} and writes its payload at
     * {@code dst}'s position; returns false, writing nothing, if it does not authenticate.
     */
    boolean open(long sequence, ByteBuffer stored, ByteBuffer dst);

    /** Remembers the state between records (before a tentative batch). */
    default void mark() {
    }

    /** Returns to the state of the last {@link #mark()}. */
    default void reset() {
    }
}
