package io.github.wal4j.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The state machine of the checkpoint crash test: 64 keys, each record {@code s} updates one key with
 * {@code value = value * 31 + delta}, an order-sensitive fold, so a record applied twice, skipped or
 * reordered gives another state. It knows the last sequence applied and refuses any record but the
 * next one, so replaying a record a snapshot already covers fails at once.
 */
public final class KeyValueState {
    public static final int KEYS = 64;
    private static final int MAGIC = 0x4B565331; // "KVS1"

    private final long[] values = new long[KEYS];
    private long applied;

    /** The empty state: every key 0, nothing applied. */
    public KeyValueState() {
    }

    /** The payload of record {@code sequence}: key, sequence, delta, then 0 to 1500 filler bytes. */
    public static byte[] record(long sequence) {
        SplittableRandom r = new SplittableRandom(sequence * 0xBF58476D1CE4E5B9L + 17);
        int key = r.nextInt(KEYS);
        long delta = r.nextLong();
        int filler = r.nextInt(4) == 0 ? 0 : r.nextInt(1501);
        ByteBuffer b = ByteBuffer.allocate(17 + filler);
        b.put((byte) key).putLong(sequence).putLong(delta);
        byte[] rest = new byte[filler];
        r.nextBytes(rest);
        b.put(rest);
        return b.array();
    }

    /** The state after records 1..{@code upTo}. */
    public static KeyValueState reference(long upTo) {
        KeyValueState s = new KeyValueState();
        for (long seq = 1; seq <= upTo; seq++) {
            s.apply(seq, record(seq));
        }
        return s;
    }

    /**
     * Applies record {@code sequence}.
     *
     * @throws IllegalStateException if it is not the record after the last one applied, or its payload
     *     is not the one appended as that record
     */
    public void apply(long sequence, byte[] payload) {
        if (sequence != applied + 1) {
            throw new IllegalStateException("record " + sequence + " applied after record " + applied
                    + (sequence <= applied ? ": applied twice (it is covered already)" : ": records skipped"));
        }
        byte[] expected = record(sequence);
        if (!Arrays.equals(expected, payload)) {
            throw new IllegalStateException("record " + sequence + " holds " + Payloads.describe(payload)
                    + ", but " + Payloads.describe(expected) + " was appended");
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        int key = b.get(0);
        values[key] = values[key] * 31 + b.getLong(9);
        applied = sequence;
    }

    /** The last sequence applied: what a snapshot of this state covers. */
    public long applied() {
        return applied;
    }

    /** Writes the snapshot: magic, covered sequence, the values, a checksum. Does not close {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(MAGIC);
        d.writeLong(applied);
        for (long v : values) {
            d.writeLong(v);
        }
        d.writeLong(checksum());
        d.flush();
    }

    /** Reads a snapshot written by {@link #writeTo}; throws if it is not exactly one whole snapshot. */
    public static KeyValueState read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * As {@link #read(Path)} from a stream (a file of a {@code SimulatedDisk}, say), which it reads to
     * its end and does not close; {@code file} names it in the exceptions.
     */
    public static KeyValueState read(InputStream in, String file) throws IOException {
        try {
            DataInputStream d = new DataInputStream(in);
            if (d.readInt() != MAGIC) {
                throw new IOException(file + ": not a snapshot (bad magic)");
            }
            KeyValueState s = new KeyValueState();
            s.applied = d.readLong();
            for (int i = 0; i < KEYS; i++) {
                s.values[i] = d.readLong();
            }
            long stored = d.readLong();
            if (stored != s.checksum()) {
                throw new IOException(file + ": snapshot checksum mismatch");
            }
            if (d.read() != -1) {
                throw new IOException(file + ": bytes after the snapshot");
            }
            return s;
        } catch (EOFException e) {
            throw new IOException(file + ": snapshot is truncated", e);
        }
    }

    private long checksum() {
        long h = applied * 0x9E3779B97F4A7C15L;
        for (long v : values) {
            h = (h ^ v) * 0x100000001B3L;
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValueState s && s.applied == applied && Arrays.equals(s.values, values);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(applied) * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "KeyValueState[applied=" + applied + ", checksum=" + Long.toHexString(checksum()) + "]";
    }
}
