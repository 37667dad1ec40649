package io.github.wal4j.testing.internal;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Deterministic test payloads and appending helpers. */
public final class Records {

    /**
     * Payload sizes cycled through: empty, small, exactly filling one 512-byte block with its batch
     * header and framing (36 + 8 + 468 = 512), one byte more (two blocks), and several blocks.
     */
    private static final int[] SIZES = {0, 10, 200, 468, 469, 900};

    private Records() {
    }

    /** The payload of the {@code i}-th record appended by a test (1-based), of varied size. */
    public static byte[] payload(long i) {
        return payload(i, SIZES[(int) (i % SIZES.length)]);
    }

    /** A payload of {@code size} bytes whose content depends on {@code i}. */
    public static byte[] payload(long i, int size) {
        byte[] b = new byte[size];
        for (int j = 0; j < size; j++) {
            b[j] = (byte) (i * 31 + j * 7 + (j >> 8));
        }
        return b;
    }

    /**
     * Appends {@code count} records {@code payload(first) ..} one by one and returns them as the log
     * acknowledged them, checking each got the next sequence number.
     */
    public static List<WalRecord> append(WriteAheadLog wal, long first, int count) throws IOException {
        return append(wal, first, count, -1);
    }

    /** As {@link #append(WriteAheadLog, long, int)} with every payload of {@code size} bytes (-1: varied). */
    public static List<WalRecord> append(WriteAheadLog wal, long first, int count, int size) throws IOException {
        List<WalRecord> out = new ArrayList<>();
        for (long i = first; i < first + count; i++) {
            byte[] p = size < 0 ? payload(i) : payload(i, size);
            long expected = wal.lastSequence() + 1;
            long seq = wal.append(p);
            if (seq != expected) {
                throw new AssertionError("append returned sequence " + seq + ", expected " + expected);
            }
            out.add(new WalRecord(seq, p));
        }
        return out;
    }

    /** The records of {@code all} with sequence numbers below {@code nextSequence}. */
    public static List<WalRecord> before(List<WalRecord> all, long nextSequence) {
        return all.stream().filter(r -> r.sequence() < nextSequence).toList();
    }

    /** The concatenation of two lists. */
    public static List<WalRecord> concat(List<WalRecord> a, List<WalRecord> b) {
        List<WalRecord> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Asserts that {@code actual} holds exactly the sequence numbers and payloads of {@code expected}, in order. */
    public static void assertSame(List<WalRecord> expected, List<WalRecord> actual) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.size(), actual.size(), "record count");
        for (int i = 0; i < expected.size(); i++) {
            org.junit.jupiter.api.Assertions.assertEquals(expected.get(i).sequence(), actual.get(i).sequence(),
                    "sequence at " + i);
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(i).payload(), actual.get(i).payload(),
                    "payload of " + expected.get(i).sequence());
        }
    }
}
