package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.Durability;
import io.github.wal4j.InFlightLimit;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.RecordFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link CommitQueue} without a log: sequence numbers in queue order, batches bounded in bytes,
 * back-pressure, who may commit their own record, gathering, closing, and the failure fan-out.
 */
class CommitQueueTest {
    private static final Path DIR = Path.of("/wal");
    private static final int SEAL = 16;
    private static final long TIMEOUT_SECONDS = 10;

    private final AtomicInteger lastBatch = new AtomicInteger();

    private CommitQueue queue(Durability durability, long maxQueuedBytes, int batchLimit) {
        return new CommitQueue(DIR, durability, InFlightLimit.blocking(Integer.MAX_VALUE, maxQueuedBytes,
                Duration.ofMinutes(1)), batchLimit, SEAL, lastBatch::get, 7);
    }

    private CommitQueue queue() {
        return queue(Durability.SYNC, 1 << 20, 1 << 20);
    }

    /** Queues {@code payload} with a future of its own, as {@code appendAsync} does; true if the caller leads. */
    private static boolean add(CommitQueue q, byte[] payload, boolean mayWait, boolean mayLead) throws IOException {
        return add(q, new CompletableFuture<>(), payload, mayWait, mayLead);
    }

    private static boolean add(CommitQueue q, CompletableFuture<Long> future, byte[] payload, boolean mayWait,
            boolean mayLead) throws IOException {
        return q.add(new CommitRequest.FutureAppend(future), payload, mayWait, mayLead);
    }

    private static long framed(int payloadLength) {
        return RecordFormat.framedSize(payloadLength) + SEAL;
    }

    @Test
    void appendsGetConsecutiveSequenceNumbersInQueueOrderAndBarriersKeepTheirPlace() throws IOException {
        CommitQueue q = queue();
        assertEquals(6, q.lastSequence());
        add(q, new byte[3], true, false);
        CompletableFuture<Void> barrier = q.barrier(true);
        add(q, new byte[5], true, false);
        assertEquals(8, q.lastSequence());

        List<CommitRequest> batch = new ArrayList<>();
        q.takeBatch(batch, 0, 0);
        assertEquals(3, batch.size());
        CommitRequest.Append first = assertInstanceOf(CommitRequest.Append.class, batch.get(0));
        assertEquals(7, first.sequence());
        assertEquals(framed(3), first.framedSize());
        CommitRequest.Barrier middle = assertInstanceOf(CommitRequest.Barrier.class, batch.get(1));
        assertTrue(middle.sync());
        assertSame(barrier, middle.future());
        assertEquals(8, assertInstanceOf(CommitRequest.Append.class, batch.get(2)).sequence());
    }

    @Test
    void aBatchClosesOnceItReachesItsByteLimitWithTheAppendThatCrossesIt() throws IOException {
        int limit = (int) (2 * framed(100));
        CommitQueue q = queue(Durability.SYNC, 1 << 20, limit);
        add(q, new byte[1000], true, false);
        for (int i = 0; i < 3; i++) {
            add(q, new byte[100], true, false);
        }
        add(q, new byte[150], true, false);
        add(q, new byte[100], true, false);
        List<CommitRequest> batch = new ArrayList<>();
        q.takeBatch(batch, 0, 0);
        assertEquals(1, batch.size(), "a record over the limit goes alone");
        batch.clear();
        q.takeBatch(batch, 0, 0);
        assertEquals(2, batch.size(), "two records reach the limit exactly");
        batch.clear();
        q.takeBatch(batch, 0, 0);
        assertEquals(2, batch.size(), "a record below the limit and the 150-byte one that crosses it");
        assertEquals(10, ((CommitRequest.Append) batch.get(0)).sequence());
        assertEquals(150, ((CommitRequest.Append) batch.get(1)).payload().length);
        batch.clear();
        q.takeBatch(batch, 0, 0);
        assertEquals(1, batch.size());
        assertEquals(12, ((CommitRequest.Append) batch.get(0)).sequence());
    }

    @Test
    void sixteenRecordsOf64KiBMakeOneBatchOfTheDefaultLimit() throws IOException {
        CommitQueue q = queue(Durability.SYNC, 64 << 20, 1 << 20);
        for (int i = 0; i < 17; i++) {
            add(q, new byte[64 << 10], true, false);
        }
        List<CommitRequest> batch = new ArrayList<>();
        q.takeBatch(batch, 0, 0);
        assertEquals(16, batch.size(), "the 16th record crosses 1 MiB and closes the batch");
        long recordsLength = 16 * framed(64 << 10);
        assertTrue(recordsLength <= BatchHeader.maxRecordsLength((64 << 10) + SEAL),
                "within what a reader accepts even of a log whose records are at most 64 KiB");
        batch.clear();
        q.takeBatch(batch, 0, 0);
        assertEquals(1, batch.size());
    }

    @Test
    void aGroupIsTakenWholeIntoOneBatchOrLeftForTheNext() throws IOException {
        int limit = (int) (3 * framed(100));
        CommitQueue q = queue(Durability.SYNC, 1 << 20, limit);
        add(q, new byte[100], true, false);
        add(q, new byte[100], true, false);
        CompletableFuture<Long> group = new CompletableFuture<>();
        q.addGroup(List.of(new byte[100], new byte[100]), 2 * framed(100), group, true);
        q.addGroup(List.of(new byte[100], new byte[100], new byte[100], new byte[100]), 4 * framed(100),
                new CompletableFuture<>(), true);
        assertEquals(14, q.lastSequence(), "sequences 7, 8, then 9..10 and 11..14");
        List<CommitRequest> batch = new ArrayList<>();
        q.takeBatch(batch, 0, 0);
        assertEquals(2, batch.size(), "the group does not fit beside the two records: it waits, whole");
        batch.clear();
        q.takeBatch(batch, 0, 0);
        CommitRequest.Group g = assertInstanceOf(CommitRequest.Group.class, batch.get(0));
        assertEquals(1, batch.size(), "the next group does not fit beside it");
        assertEquals(9, g.first());
        assertEquals(10, g.last());
        batch.clear();
        q.takeBatch(batch, 0, 0);
        assertEquals(1, batch.size(), "a group larger than the batch limit goes alone, whole");
        assertEquals(4, ((CommitRequest.Group) batch.get(0)).size());
        g.complete();
        assertEquals(10, group.getNow(-1L), "a group's future names its last sequence");
    }

    @Test
    void anAppendWaitsForRoomUnlessItsCallerMayNot() throws Exception {
        CommitQueue q = queue(Durability.SYNC, 2 * framed(10), 1 << 20);
        add(q, new byte[10], true, false);
        add(q, new byte[10], true, false); // at the bound now
        add(q, new byte[10], false, false); // the writer thread passes

        CompletableFuture<Long> waiting = new CompletableFuture<>();
        Thread appender = new Thread(() -> {
            try {
                add(q, waiting, new byte[10], true, false);
            } catch (IOException e) {
                waiting.completeExceptionally(e);
            }
        });
        appender.start();
        appender.join(200);
        assertTrue(appender.isAlive(), "an appender over the bound waits");
        assertEquals(9, q.lastSequence());

        q.takeBatch(new ArrayList<>(), 0, 0);
        appender.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        assertFalse(appender.isAlive(), "taking a batch makes room");
        assertEquals(10, q.lastSequence());
        assertFalse(waiting.isDone(), "queued, not acknowledged");
    }

    @Test
    void aCallerLeadsOnlyWhenTheQueueIsEmptyAndTheLastBatchWasSingle() throws IOException {
        CommitQueue q = queue();
        lastBatch.set(1);
        CommitRequest.Append own = new CommitRequest.FutureAppend(new CompletableFuture<>());
        assertTrue(q.add(own, new byte[1], true, true), "alone: it leads");
        assertFalse(add(q, new byte[1], true, true), "queued behind another");
        assertTrue(q.takeIfFirst(own));
        assertFalse(q.takeIfFirst(own), "taken once");

        List<CommitRequest> drain = new ArrayList<>();
        q.takeBatch(drain, 0, 0);
        lastBatch.set(2);
        assertFalse(add(q, new byte[1], true, true), "the last batch was shared");
        q.takeBatch(drain, 0, 0);
        lastBatch.set(0);
        assertFalse(add(q, new byte[1], true, false), "a caller that may not lead");
    }

    @Test
    void aLeaderWhoseRecordTheWriterTookFindsItGone() throws IOException {
        CommitQueue q = queue();
        CommitRequest.Append own = new CommitRequest.FutureAppend(new CompletableFuture<>());
        assertTrue(q.add(own, new byte[1], true, true));
        List<CommitRequest> batch = new ArrayList<>();
        q.takeBatch(batch, 0, 0);
        assertSame(own, batch.get(0));
        assertFalse(q.takeIfFirst(own));
    }

    @Test
    void bufferedAppendsAreAcknowledgedWhenQueuedWithACopyOfThePayload() throws Exception {
        CommitQueue q = queue(Durability.BUFFERED, 1 << 20, 1 << 20);
        byte[] payload = {1, 2, 3};
        CompletableFuture<Long> future = new CompletableFuture<>();
        add(q, future, payload, true, false);
        assertEquals(7, future.getNow(-1L));
        payload[0] = 9;
        List<CommitRequest> batch = new ArrayList<>();
        q.takeBatch(batch, 0, 0);
        CommitRequest.Append queued = (CommitRequest.Append) batch.get(0);
        assertNotSame(payload, queued.payload());
        assertEquals(1, queued.payload()[0]);
    }

    @Test
    void gatheringWaitsForTheWantedRecordsAndNoLongerThanItsLimit() throws Exception {
        CommitQueue q = queue();
        add(q, new byte[1], true, false);
        List<CommitRequest> batch = new ArrayList<>();
        long started = System.nanoTime();
        q.takeBatch(batch, 3, TimeUnit.MILLISECONDS.toNanos(50));
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(50), "waited out its limit");
        assertEquals(1, batch.size());

        batch.clear();
        add(q, new byte[1], true, false);
        Thread late = new Thread(() -> {
            try {
                Thread.sleep(50);
                add(q, new byte[1], true, false);
                add(q, new byte[1], true, false);
            } catch (InterruptedException | IOException e) {
                throw new AssertionError(e);
            }
        });
        late.start();
        q.takeBatch(batch, 3, TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS));
        late.join();
        assertEquals(3, batch.size(), "the late arrivals joined the batch");

        batch.clear();
        add(q, new byte[1], true, false);
        q.barrier(false);
        started = System.nanoTime();
        q.takeBatch(batch, 3, TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS / 2), "a barrier ends it");
        assertEquals(2, batch.size());
    }

    @Test
    void aClosedQueueRefusesWorkAndDrainsWhatItHolds() throws IOException {
        CommitQueue q = queue();
        add(q, new byte[1], true, false);
        q.close();
        assertThrows(WalClosedException.class, () -> add(q, new byte[1], true, false));
        assertThrows(WalClosedException.class, () -> q.barrier(true));
        assertTrue(q.awaitRequest(), "what was queued before is still taken");
        q.takeBatch(new ArrayList<>(), 0, 0);
        assertFalse(q.awaitRequest(), "closed and empty");
    }

    @Test
    void aFailureIsStickyAndFailsEveryRequestItAbandons() throws Exception {
        CommitQueue q = queue(Durability.SYNC, framed(1), 1 << 20);
        CompletableFuture<Long> taken = new CompletableFuture<>();
        add(q, taken, new byte[1], true, false);
        List<CommitRequest> batch = new ArrayList<>();
        q.takeBatch(batch, 0, 0);
        CompletableFuture<Long> queued = new CompletableFuture<>();
        add(q, queued, new byte[1], true, false);
        CompletableFuture<Void> barrier = q.barrier(true);
        add(q, new byte[1], false, false); // over the bound now
        CompletableFuture<Long> blocked = new CompletableFuture<>();
        Thread appender = new Thread(() -> {
            try {
                add(q, blocked, new byte[1], true, false);
            } catch (IOException e) {
                blocked.completeExceptionally(e);
            }
        });
        appender.start();
        appender.join(200);
        assertTrue(appender.isAlive());

        IOException cause = new IOException("fdatasync: EIO");
        List<CommitRequest> abandoned = q.fail(cause, batch);
        assertEquals(4, abandoned.size(), "the batch taken and everything queued");
        assertFalse(taken.isDone(), "nothing completes until completeFailed");
        q.completeFailed(abandoned);

        WalFailedException failure = q.failure();
        assertSame(cause, failure.getCause());
        assertTrue(failure.getMessage().contains("fdatasync: EIO"), failure.getMessage());
        for (CompletableFuture<?> f : List.of(taken, queued, barrier)) {
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertSame(failure, e.getCause());
        }
        appender.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        assertFalse(appender.isAlive(), "an appender waiting for room is released");
        ExecutionException e = assertThrows(ExecutionException.class, blocked::get);
        assertInstanceOf(WalFailedException.class, e.getCause());
        assertThrows(WalFailedException.class, () -> add(q, new byte[1], true, false));
        assertThrows(WalFailedException.class, () -> q.barrier(false));
    }
}
