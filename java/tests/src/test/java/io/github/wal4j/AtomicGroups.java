package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The payloads of the atomic-append crash tests and the check of what a recovery returned: every
 * record names its group, its place in it and the group's size, and its filler follows from those,
 * so a recovered record that is torn, out of place, or part of a group recovered without the rest
 * of it is caught without a model of the timing.
 */
final class AtomicGroups {
    /** Bytes of the name: group id (8), index in the group (4), the group's size (4). */
    static final int HEADER = 16;

    private AtomicGroups() {
    }

    /** The records of group {@code id}: {@code sizes.length} records, each of at least {@link #HEADER} bytes. */
    static List<byte[]> group(long id, int[] sizes) {
        List<byte[]> records = new ArrayList<>(sizes.length);
        for (int i = 0; i < sizes.length; i++) {
            records.add(record(id, i, sizes.length, Math.max(HEADER, sizes[i])));
        }
        return records;
    }

    private static byte[] record(long id, int index, int count, int size) {
        byte[] b = new byte[size];
        new Random(id * 1_000_003L + index).nextBytes(b);
        ByteBuffer.wrap(b).putLong(id).putInt(index).putInt(count);
        return b;
    }

    /**
     * Checks what a reopened log returned: contiguous sequences after {@code checkpoint}, each record
     * intact and at its place in its group, each group whole (all of its records at consecutive
     * sequences) or absent, and every group in {@code mustSurvive} (ids of groups acknowledged
     * durable, whose last sequence is above the checkpoint) present.
     *
     * @param lastOf the last sequence of every group that must survive, by id
     * @return the number of groups recovered
     */
    static int assertWholeGroups(List<WalRecord> records, long checkpoint, Map<Long, Long> lastOf, String context) {
        long expected = checkpoint + 1;
        Map<Long, Integer> seen = new HashMap<>();
        long openGroup = -1;
        int openIndex = 0;
        int openCount = 0;
        for (WalRecord r : records) {
            assertEquals(expected++, r.sequence(), "recovered sequences are contiguous after the checkpoint; " + context);
            ByteBuffer b = ByteBuffer.wrap(r.payload());
            assertTrue(r.payload().length >= HEADER, "record " + r.sequence() + " too short; " + context);
            long id = b.getLong();
            int index = b.getInt();
            int count = b.getInt();
            assertArrayEquals(record(id, index, count, r.payload().length), r.payload(),
                    "payload of sequence " + r.sequence() + "; " + context);
            if (openGroup >= 0) {
                assertEquals(openGroup, id, "sequence " + r.sequence() + " interrupts group " + openGroup + " after "
                        + openIndex + " of its " + openCount + " records; " + context);
                assertEquals(openIndex, index, "group " + id + " out of order at " + r.sequence() + "; " + context);
            } else {
                assertEquals(0, index, "sequence " + r.sequence() + " starts group " + id + " at its record " + index
                        + " (a suffix); " + context);
                openGroup = id;
                openCount = count;
            }
            openIndex = index + 1;
            if (openIndex == openCount) {
                assertTrue(seen.put(id, count) == null, "group " + id + " recovered twice; " + context);
                openGroup = -1;
                openIndex = 0;
            }
        }
        assertEquals(-1, openGroup, "the log ends inside group " + openGroup + ": " + openIndex + " of its "
                + openCount + " records recovered (a prefix); " + context);
        for (Map.Entry<Long, Long> e : lastOf.entrySet()) {
            if (e.getValue() > checkpoint) {
                assertTrue(seen.containsKey(e.getKey()), "acknowledged group " + e.getKey() + " (last sequence "
                        + e.getValue() + ") lost; " + context);
            }
        }
        return seen.size();
    }
}
