package io.github.wal4j;

import java.util.Arrays;
import java.util.Objects;

/**
 * One validated record: its sequence number and its payload.
 *
 * @param sequence the record's sequence number (1 for the first record ever appended)
 * @param payload the bytes that were appended (the array is the caller's to keep)
 */
public record WalRecord(long sequence, byte[] payload) {

    /**
     * A record as the log hands it out.
     *
     * @throws NullPointerException if {@code payload} is null (an empty record has an empty array)
     */
    public WalRecord {
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WalRecord r && r.sequence == sequence && Arrays.equals(r.payload, payload);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(sequence) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "WalRecord[sequence=" + sequence + ", " + payload.length + " bytes]";
    }
}
