package io.github.wal4j.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Deterministic record payloads: the child appends them, the parent derives the same bytes again to
 * check what recovery returned. A record that was never appended (or was torn, or mixed up with
 * another) does not match.
 */
public final class Payloads {
    private Payloads() {
    }

    /**
     * The payload of the record with index {@code index}: 0 to 3000 bytes (a tenth of them empty); if
     * at least 8 bytes long, it starts with the index.
     */
    public static byte[] indexed(long index) {
        return indexed(index, 3000);
    }

    /** As {@link #indexed(long)}, with sizes from 0 to {@code maxSize}. */
    public static byte[] indexed(long index, int maxSize) {
        SplittableRandom r = new SplittableRandom(index * 0x9E3779B97F4A7C15L + 0x5DEECE66DL + maxSize);
        int size = r.nextInt(10) == 0 ? 0 : r.nextInt(1, maxSize + 1);
        byte[] b = new byte[size];
        r.nextBytes(b);
        if (size >= 8) {
            ByteBuffer.wrap(b).putLong(0, index);
        }
        return b;
    }

    /** A short description for failure messages. */
    public static String describe(byte[] payload) {
        String head = Arrays.toString(Arrays.copyOf(payload, Math.min(12, payload.length)));
        return payload.length + " bytes " + head + (payload.length >= 8
                ? " (leading long " + ByteBuffer.wrap(payload).getLong(0) + ")" : "");
    }

    /**
     * A record that names its origin, {@code "c<cycle>:t<thread>:i<index>;"}, followed by 0 to
     * {@code maxFiller} bytes of filler derived from the origin.
     */
    public static byte[] tagged(int cycle, int thread, long index, int maxFiller) {
        byte[] tag = tag(cycle, thread, index).getBytes(StandardCharsets.US_ASCII);
        SplittableRandom r = new SplittableRandom((cycle * 1_000_003L + thread) * 0x9E3779B97F4A7C15L + index);
        int filler = maxFiller == 0 ? 0 : r.nextInt(maxFiller + 1);
        byte[] b = Arrays.copyOf(tag, tag.length + filler);
        for (int i = tag.length; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    public static String tag(int cycle, int thread, long index) {
        return "c" + cycle + ":t" + thread + ":i" + index + ";";
    }

    /** The origin of a {@link #tagged} payload: {cycle, thread, index}, or null if it has no valid tag. */
    public static long[] parseTag(byte[] payload) {
        int end = -1;
        for (int i = 0; i < Math.min(payload.length, 64); i++) {
            if (payload[i] == ';') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return null;
        }
        String tag = new String(payload, 0, end, StandardCharsets.US_ASCII);
        String[] parts = tag.split(":");
        if (parts.length != 3 || !parts[0].startsWith("c") || !parts[1].startsWith("t") || !parts[2].startsWith("i")) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(parts[0].substring(1)), Long.parseLong(parts[1].substring(1)),
                    Long.parseLong(parts[2].substring(1))};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
