package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The applier takes changes strictly in sequence order, without gaps, whatever order they arrive in. */
class ApplyQueueTest {
    private static PendingChange change(long sequence, int size) {
        return new PendingChange(sequence, new byte[size]);
    }

    private static List<Long> sequences(List<PendingChange> batch) {
        return batch.stream().map(PendingChange::sequence).toList();
    }

    @Test
    void outOfOrderArrivalsAreHandedOutInOrderAndAGapIsWaitedFor() throws Exception {
        ApplyQueue queue = new ApplyQueue(5);
        queue.submit(change(7, 1));
        queue.submit(change(6, 1));
        assertEquals(List.of(), queue.take(100, 1000, 5_000_000), "5 is missing: nothing to take");
        queue.submit(change(5, 1));
        queue.submit(change(9, 1));
        assertEquals(List.of(5L, 6L, 7L), sequences(queue.take(100, 1000, Long.MAX_VALUE)));
        queue.submit(change(8, 1));
        assertEquals(List.of(8L, 9L), sequences(queue.take(100, 1000, Long.MAX_VALUE)));
    }

    @Test
    void batchesAreBoundedByCountAndBytesAndAPutBackTailComesFirst() throws Exception {
        ApplyQueue queue = new ApplyQueue(1);
        for (long s = 1; s <= 6; s++) {
            queue.submit(change(s, 10));
        }
        assertEquals(List.of(1L, 2L), sequences(queue.take(2, 1000, Long.MAX_VALUE)));
        List<PendingChange> batch = queue.take(100, 25, Long.MAX_VALUE);
        assertEquals(List.of(3L, 4L), sequences(batch), "25 bytes hold two changes of 10");
        queue.putBack(batch.subList(1, 2));
        assertEquals(List.of(4L, 5L, 6L), sequences(queue.take(100, 1000, Long.MAX_VALUE)));
        queue.submit(change(7, 500));
        assertEquals(List.of(7L), sequences(queue.take(100, 10, Long.MAX_VALUE)), "a change larger than the bound goes alone");
    }

    @Test
    void aStoppedQueueHandsOutWhatIsConsecutiveThenEndsAndAKilledOneFailsEverything() throws Exception {
        ApplyQueue queue = new ApplyQueue(1);
        queue.submit(change(1, 1));
        PendingChange afterGap = change(3, 1);
        queue.submit(afterGap);
        queue.stop();
        assertEquals(List.of(1L), sequences(queue.take(100, 1000, Long.MAX_VALUE)));
        assertNull(queue.take(100, 1000, Long.MAX_VALUE), "2 will never come");
        queue.kill(c -> new ChangeNotAppliedException(c.sequence(), "stopped", null));
        assertTrue(afterGap.done());
        assertEquals(3, assertThrows(ChangeNotAppliedException.class, afterGap::await).sequence());
        PendingChange late = change(2, 1);
        queue.submit(late);
        assertEquals(2, assertThrows(ChangeNotAppliedException.class, late::await).sequence());
    }
}
