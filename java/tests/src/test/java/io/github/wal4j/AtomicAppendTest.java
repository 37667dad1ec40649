package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.inspect.BatchInfo;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.fixtures.Payloads;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.internal.Seeds;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract of {@link WriteAheadLog#appendAll} and {@link WriteAheadLog#appendAllAsync}: the
 * records of a group get consecutive sequence numbers and the last one is returned; a group is
 * exactly one batch (checked on disk, through {@link LogInspection}), whatever the batch limit and
 * however many appenders run beside it, and never split across segments; an empty group, a null
 * element, a record over the record limit and a group over the batch limit are refused with their
 * typed exception and write nothing. (That a crash keeps all of a group or none:
 * {@link AtomicAppendPowerCutTest}, {@link AtomicAppendPropertyTest}.)
 */
class AtomicAppendTest {
    @TempDir
    Path tmp;

    private static List<byte[]> group(int first, int count, int size) {
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[size];
            Arrays.fill(b, (byte) (first + i));
            records.add(b);
        }
        return records;
    }

    /** Every batch of every segment of the (closed) log in {@code dir}, in order. */
    private static List<BatchInfo> batches(Path dir, WalOptions options) throws IOException {
        List<BatchInfo> all = new ArrayList<>();
        try (LogInspection inspection = LogInspection.open(dir, options)) {
            for (long id : inspection.segmentIds()) {
                for (BatchInfo b : inspection.scan(id).batches()) {
                    if (!b.seal()) {
                        all.add(b);
                    }
                }
            }
        }
        return all;
    }

    private static void assertInOneBatch(List<BatchInfo> batches, long first, long last) {
        for (BatchInfo b : batches) {
            if (b.firstSequence() <= first && last < b.firstSequence() + b.recordCount()) {
                return;
            }
        }
        throw new AssertionError("group " + first + ".." + last + " is not inside one batch: " + batches);
    }

    @ParameterizedTest
    @EnumSource(Durability.class)
    void aGroupGetsConsecutiveSequencesReturnsTheLastAndIsOneBatch(Durability durability) throws Exception {
        Path dir = tmp.resolve("wal");
        // One record per batch for single appends: a group is a batch of its own all the same.
        WalOptions options = WalOptions.defaults().withDurability(durability).withMaxBatchBytes(1);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertEquals(1, wal.append(new byte[] {0}));
            assertEquals(6, wal.appendAll(group(1, 5, 100)), "the last of sequences 2..6");
            assertEquals(6, wal.lastSequence());
            assertEquals(9, wal.appendAllAsync(group(6, 3, 10)).get(10, TimeUnit.SECONDS));
            assertEquals(10, wal.appendAll(List.of(new byte[0])), "a group of one empty record");
            List<WalRecord> records = wal.recover();
            assertEquals(10, records.size());
            for (int i = 1; i < 9; i++) {
                assertEquals(i + 1, records.get(i).sequence());
                assertEquals((byte) i, records.get(i).payload()[0], "records in list order");
            }
        }
        List<BatchInfo> batches = batches(dir, options);
        assertEquals(4, batches.size(), batches.toString());
        assertEquals(2, batches.get(1).firstSequence());
        assertEquals(5, batches.get(1).recordCount());
        assertEquals(3, batches.get(2).recordCount());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertEquals(10, wal.recover().size(), "all of it survives a reopen");
        }
    }

    @Test
    void refusedGroupsWriteNothingAndUseNoSequence() throws Exception {
        Path dir = tmp.resolve("wal");
        WalOptions options = WalOptions.defaults().withMaxRecordSize(1000);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            wal.append(new byte[] {1});
            assertThrows(IllegalArgumentException.class, () -> wal.appendAll(List.of()));
            assertThrows(IllegalArgumentException.class, () -> wal.appendAllAsync(List.of()));
            assertThrows(NullPointerException.class, () -> wal.appendAll(null));
            List<byte[]> withNull = new ArrayList<>(group(0, 3, 5));
            withNull.set(2, null);
            NullPointerException npe = assertThrows(NullPointerException.class, () -> wal.appendAll(withNull));
            assertTrue(npe.getMessage().contains("record 2"), npe.getMessage());
            assertThrows(NullPointerException.class, () -> wal.appendAllAsync(withNull));

            List<byte[]> oneTooLarge = group(0, 3, 5);
            oneTooLarge.set(1, new byte[1001]);
            RecordTooLargeException large = assertThrows(RecordTooLargeException.class,
                    () -> wal.appendAll(oneTooLarge));
            assertEquals(1001, large.size());
            ExecutionException async = assertThrows(ExecutionException.class,
                    () -> wal.appendAllAsync(oneTooLarge).get(10, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, async.getCause());

            // 1 MiB of framed records is the limit when the record limit is below it.
            int records = (1 << 20) / RecordFormat.framedSize(1000) + 1;
            List<byte[]> tooMany = group(0, records, 1000);
            GroupTooLargeException over = assertThrows(GroupTooLargeException.class, () -> wal.appendAll(tooMany));
            assertEquals(records, over.records());
            assertEquals((long) records * RecordFormat.framedSize(1000), over.bytes());
            assertEquals(1 << 20, over.limit());
            assertTrue(over.getMessage().endsWith(WalRefusedException.NOTHING_CHANGED), over.getMessage());
            async = assertThrows(ExecutionException.class, () -> wal.appendAllAsync(tooMany).get(10, TimeUnit.SECONDS));
            assertInstanceOf(GroupTooLargeException.class, async.getCause());

            assertEquals(1, wal.lastSequence(), "no refused group used a sequence number");
            assertEquals(2, wal.append(new byte[] {2}));
            assertEquals(2, wal.recover().size());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertEquals(2, wal.recover().size(), "nothing of a refused group reached the disk");
        }
    }

    /**
     * A group of exactly the limit is taken, written as one batch and read back, under every
     * protection (whose seals count against the limit); one byte more is refused. The limit is
     * one record of the maximum record size when that is above 1 MiB.
     */
    @ParameterizedTest
    @EnumSource(Protection.class)
    void aGroupOfExactlyTheLimitIsOneBatchAndOneByteMoreIsRefused(Protection protection) throws Exception {
        int seal = Protections.sealBytes(protection);
        for (int maxRecord : new int[] {4096, 3 << 20}) {
            Path dir = tmp.resolve("wal-" + protection + "-" + maxRecord);
            WalOptions options = Protections.apply(WalOptions.defaults().withMaxRecordSize(maxRecord), protection);
            long limit = Math.max(1 << 20, maxRecord + RecordFormat.OVERHEAD + seal);
            int per = 3000;
            int framedPer = RecordFormat.framedSize(per) + seal;
            int count = (int) (limit / framedPer);
            if (limit - (long) count * framedPer < RecordFormat.OVERHEAD + seal) {
                count--; // the last record needs room for its framing
            }
            List<byte[]> exact = group(0, count, per);
            // The last record takes up what is left, so the group is the limit to the byte.
            exact.add(new byte[(int) (limit - (long) count * framedPer) - RecordFormat.OVERHEAD - seal]);
            List<byte[]> oneMore = new ArrayList<>(exact);
            oneMore.set(count, new byte[exact.get(count).length + 1]);
            long last;
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                GroupTooLargeException e = assertThrows(GroupTooLargeException.class, () -> wal.appendAll(oneMore));
                assertEquals(limit + 1, e.bytes());
                assertEquals(limit, e.limit());
                last = wal.appendAll(exact);
                assertEquals(count + 1, last);
            }
            List<BatchInfo> batches = batches(dir, options);
            assertEquals(1, batches.size(), batches.toString());
            assertEquals(limit, batches.get(0).recordsLength());
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                List<WalRecord> records = wal.recover();
                assertEquals(count + 1, records.size());
                assertArrayEquals(exact.get(count), records.get(count).payload());
            }
        }
    }

    @Test
    void aGroupThatDoesNotFitItsSegmentStartsTheNextOne() throws Exception {
        Path dir = tmp.resolve("wal");
        WalOptions options = WalOptions.defaults().withSegmentSize(16 << 10);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            wal.append(new byte[6000]);
            wal.appendAll(group(0, 4, 3000)); // 12 KiB more: past the 16 KiB segment
            wal.appendAll(group(0, 10, 4000)); // larger than a segment: a segment of its own, larger
        }
        try (LogInspection inspection = LogInspection.open(dir, options)) {
            List<Long> ids = inspection.segmentIds();
            assertEquals(3, ids.size(), "each group rotated before it");
            assertEquals(List.of(1, 4, 10), ids.stream().map(id -> {
                try {
                    return inspection.scan(id).batches().stream().filter(b -> !b.seal())
                            .mapToInt(BatchInfo::recordCount).sum();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }).toList());
        }
    }

    @Test
    void theListIsSnapshotAtTheCallAndBufferedGroupsCopyTheirArrays() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withDurability(Durability.BUFFERED))) {
            List<byte[]> records = group(1, 3, 4);
            long last = wal.appendAll(records);
            records.get(0)[0] = 99;
            records.clear();
            assertEquals(3, last);
            List<WalRecord> read = wal.recover();
            assertEquals(3, read.size());
            assertEquals(1, read.get(0).payload()[0], "BUFFERED acknowledged at once: the arrays were copied");
        }
    }

    @Test
    @Timeout(60)
    void onTheWriterThreadAppendAllIsRefusedAndAppendAllAsyncWorks() throws Exception {
        Path dir = tmp.resolve("wal");
        HeldSyncs layer = new HeldSyncs(new SimulatedDisk());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(layer))) {
            CompletableFuture<Throwable> blocking = new CompletableFuture<>();
            CompletableFuture<CompletableFuture<Long>> async = new CompletableFuture<>();
            // Held in its sync, the writer cannot complete the future before the callback is attached.
            layer.hold();
            CompletableFuture<Long> first = wal.appendAsync(new byte[] {1});
            assertTrue(layer.awaitWriterHeld(10));
            first.thenAccept(seq -> {
                try {
                    wal.appendAll(group(0, 2, 1));
                    blocking.complete(null);
                } catch (Throwable t) {
                    blocking.complete(t);
                }
                async.complete(wal.appendAllAsync(group(5, 2, 1)));
            });
            layer.release();
            assertInstanceOf(IllegalStateException.class, blocking.get(10, TimeUnit.SECONDS));
            assertEquals(3, async.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS));
            assertEquals(3, wal.recover().size());
        }
    }

    /**
     * Appenders mixing single appends and groups (blocking and not) never split a group: each is
     * one run of sequences, inside one batch on disk, in order, whatever the batch limit. Small
     * segments make rotations happen under contention.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 4096, 1 << 20})
    @Timeout(120)
    void concurrentAppendersNeverSplitAGroup(int maxBatchBytes) throws Exception {
        long seed = Seeds.seed("AtomicAppendTest.concurrent[" + maxBatchBytes + "]");
        int threads = 8;
        int perThread = 150;
        Path dir = tmp.resolve("wal");
        Protection protection = Protections.draw(new SplittableRandom(seed));
        WalOptions options = Protections.apply(WalOptions.defaults().withSegmentSize(64 << 10)
                .withMaxBatchBytes(maxBatchBytes), protection);
        // Per thread: the groups it appended, as [first, last] sequence and the tags they carry.
        List<List<long[]>> groups = new ArrayList<>();
        Map<Long, byte[]> written = new HashMap<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Map<Long, byte[]>>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    List<long[]> mine = new ArrayList<>();
                    groups.add(mine);
                    done.add(pool.submit(() -> {
                        SplittableRandom random = new SplittableRandom(seed + thread);
                        Map<Long, byte[]> own = new HashMap<>();
                        List<CompletableFuture<Long>> pending = new ArrayList<>();
                        List<List<byte[]>> pendingGroups = new ArrayList<>();
                        go.await();
                        long counter = 0;
                        for (int i = 0; i < perThread; i++) {
                            int n = random.nextInt(4) == 0 ? 1 : random.nextInt(2, 9);
                            List<byte[]> records = new ArrayList<>();
                            for (int k = 0; k < n; k++) {
                                records.add(Payloads.tagged(0, thread, counter++, random.nextInt(1, 2000)));
                            }
                            switch (random.nextInt(4)) {
                                case 0 -> record(mine, own, records, wal.appendAll(records));
                                case 1 -> {
                                    pending.add(wal.appendAllAsync(records));
                                    pendingGroups.add(records);
                                }
                                case 2 -> {
                                    for (byte[] r : records) {
                                        record(mine, own, List.of(r), wal.append(r));
                                    }
                                }
                                default -> {
                                    for (byte[] r : records) {
                                        pending.add(wal.appendAsync(r));
                                        pendingGroups.add(List.of(r));
                                    }
                                }
                            }
                        }
                        for (int i = 0; i < pending.size(); i++) {
                            record(mine, own, pendingGroups.get(i), pending.get(i).get(60, TimeUnit.SECONDS));
                        }
                        return own;
                    }));
                }
                go.countDown();
                for (Future<Map<Long, byte[]>> f : done) {
                    written.putAll(f.get(100, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
        }
        List<BatchInfo> batches = batches(dir, options);
        int multi = 0;
        for (List<long[]> mine : groups) {
            for (long[] g : mine) {
                assertInOneBatch(batches, g[0], g[1]);
                if (g[1] > g[0]) {
                    multi++;
                }
            }
        }
        assertTrue(multi > 100, "the run appended " + multi + " groups of several records");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            List<WalRecord> records = wal.recover();
            assertEquals(written.size(), records.size(), "seed " + seed);
            for (WalRecord r : records) {
                assertArrayEquals(written.get(r.sequence()), r.payload(), "sequence " + r.sequence() + ", seed " + seed);
            }
        }
    }

    /** Notes a group acknowledged with {@code last}: its records are at last - n + 1 .. last. */
    private static void record(List<long[]> mine, Map<Long, byte[]> own, List<byte[]> records, long last) {
        long first = last - records.size() + 1;
        mine.add(new long[] {first, last});
        for (int k = 0; k < records.size(); k++) {
            own.put(first + k, records.get(k));
        }
    }
}
