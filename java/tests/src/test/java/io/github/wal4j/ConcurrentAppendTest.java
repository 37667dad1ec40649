package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.fixtures.ConcurrentCrashChild;
import io.github.wal4j.fixtures.CrashAsserts;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.internal.Seeds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spec's test_wal_concurrent_append: 16 threads append 500 records each ({@code "thread:index"}),
 * mixing {@code append} and {@code appendAsync}; and a crash variant where a child JVM appends from 8
 * threads until it is killed with SIGKILL.
 */
class ConcurrentAppendTest {
    private static final int THREADS = 16;
    private static final int PER_THREAD = 500;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Durability.class)
    void sixteenThreadsKeepTheirOrderAndEveryRecord(Durability durability) throws Exception {
        long seed = Seeds.seed("ConcurrentAppendTest." + durability);
        Path dir = tmp.resolve("wal");
        // Small segments, so rotations happen under contention; the protection drawn from the seed.
        Protection protection = Protections.draw(new SplittableRandom(seed));
        WalOptions options = Protections.apply(WalOptions.defaults().withSegmentSize(16 << 10)
                .withDurability(durability), protection);
        long[][] sequences = new long[THREADS][PER_THREAD];
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        SplittableRandom random = new SplittableRandom(seed + thread);
                        List<CompletableFuture<Long>> futures = new ArrayList<>();
                        go.await();
                        for (int i = 0; i < PER_THREAD; i++) {
                            byte[] payload = payload(thread, i);
                            if (random.nextBoolean()) {
                                futures.add(CompletableFuture.completedFuture(wal.append(payload)));
                            } else {
                                futures.add(wal.appendAsync(payload));
                            }
                        }
                        for (int i = 0; i < PER_THREAD; i++) {
                            sequences[thread][i] = futures.get(i).get(60, TimeUnit.SECONDS);
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            String where = durability + ", " + protection + ", seed " + seed;
            // The sequence numbers handed out: each thread's increase, together they are 1..8000.
            boolean[] seen = new boolean[THREADS * PER_THREAD + 1];
            for (int t = 0; t < THREADS; t++) {
                for (int i = 0; i < PER_THREAD; i++) {
                    long s = sequences[t][i];
                    assertTrue(s >= 1 && s <= THREADS * PER_THREAD, "thread " + t + " record " + i + " got sequence "
                            + s + ", " + where);
                    assertTrue(!seen[(int) s], "sequence " + s + " handed out twice, " + where);
                    seen[(int) s] = true;
                    if (i > 0) {
                        assertTrue(s > sequences[t][i - 1], "thread " + t + ": record " + i + " got sequence " + s
                                + ", after record " + (i - 1) + " got " + sequences[t][i - 1] + ", " + where);
                    }
                }
            }
            assertEquals(THREADS * PER_THREAD, wal.lastSequence(), where);
            if (durability == Durability.BUFFERED) {
                // recover() reads what was written; BUFFERED acknowledges at queueing.
                wal.flush();
            }
            checkLog(wal.recover(), sequences, where + ", before close");
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertEquals(THREADS * PER_THREAD, wal.lastSequence());
            checkLog(wal.recover(), sequences, durability + ", " + protection + ", seed " + seed
                    + ", after close and reopen");
        }
    }

    private static byte[] payload(int thread, long index) {
        return (thread + ":" + index).getBytes(StandardCharsets.UTF_8);
    }

    /** Exactly 8000 records, sequences 1..8000, each where its append said, per-thread order kept. */
    private static void checkLog(List<WalRecord> records, long[][] sequences, String where) {
        assertEquals(THREADS * PER_THREAD, records.size(), "record count, " + where);
        int[] next = new int[THREADS];
        for (int k = 0; k < records.size(); k++) {
            WalRecord r = records.get(k);
            assertEquals(k + 1, r.sequence(), "sequences not contiguous, " + where);
            int[] ti = parse(r.payload(), where);
            int t = ti[0];
            int i = ti[1];
            assertEquals(next[t], i, "thread " + t + "'s records out of order (or duplicated/missing) at sequence "
                    + r.sequence() + ", " + where);
            assertEquals(sequences[t][i], r.sequence(), "record " + t + ":" + i + " is not at the sequence its append "
                    + "returned, " + where);
            next[t]++;
        }
        for (int t = 0; t < THREADS; t++) {
            assertEquals(PER_THREAD, next[t], "thread " + t + "'s records, " + where);
        }
    }

    private static int[] parse(byte[] payload, String where) {
        String s = new String(payload, StandardCharsets.UTF_8);
        int colon = s.indexOf(':');
        try {
            return new int[] {Integer.parseInt(s.substring(0, colon)), Integer.parseInt(s.substring(colon + 1))};
        } catch (RuntimeException e) {
            throw new AssertionError("a record that is no thread:index payload: '" + s + "', " + where, e);
        }
    }

    /**
     * A child appends from 8 threads, mixing append and appendAsync, until it is killed; every record
     * acknowledged is in the reopened log exactly once, at the sequence its append returned, and each
     * thread's records form a gap-free prefix of what it appended, in order.
     */
    @Test
    void concurrentAppendsSurviveSigkill() throws Exception {
        long seed = Seeds.seed("ConcurrentAppendTest.crash");
        SplittableRandom random = new SplittableRandom(seed);
        int threads = 8;
        int cycles = 3;
        for (int cycle = 0; cycle < cycles; cycle++) {
            Path dir = tmp.resolve("crash-wal-" + cycle);
            Path acks = Files.createDirectories(tmp.resolve("crash-acks-" + cycle));
            int delayMillis = 50 + random.nextInt(400);
            Protection protection = Protections.draw(random);
            String where = "seed " + seed + ", cycle " + cycle + " (" + protection + ", kill " + delayMillis
                    + " ms after the first acknowledgement)";
            try (CrashJvm child = CrashJvm.start(ConcurrentCrashChild.class, tmp, "crash-" + cycle, dir.toString(),
                    acks.toString(), Integer.toString(threads), Long.toString(random.nextLong()),
                    protection.name())) {
                AckFile started = new AckFile(acks.resolve("started.txt"));
                started.awaitLines(child, lines -> !lines.isEmpty(), 60_000, "the start, " + where);
                // The kill comes after the first acknowledgement, so every cycle has something to check
                // (a loaded machine can take longer than the random delay to acknowledge anything).
                new AckFile(acks.resolve("ack-0.txt")).awaitLines(child, lines -> !lines.isEmpty(), 60_000,
                        "the first acknowledgement, " + where);
                Thread.sleep(delayMillis);
                child.kill();
            }

            List<Map<Long, Long>> acked = new ArrayList<>();
            long totalAcked = 0;
            for (int t = 0; t < threads; t++) {
                Map<Long, Long> m = new HashMap<>();
                for (String line : AckFile.readAll(acks.resolve("ack-" + t + ".txt"))) {
                    if (line.startsWith("BAD")) {
                        fail("the child reported: " + line + ", " + where);
                    }
                    String[] w = line.split(" ");
                    assertEquals(2, w.length, "ack line '" + line + "', " + where);
                    m.put(Long.parseLong(w[0]), Long.parseLong(w[1]));
                }
                acked.add(m);
                totalAcked += m.size();
            }
            assertTrue(totalAcked > 0, "nothing was acknowledged, " + where);

            try (WriteAheadLog wal = CrashAsserts.open(dir, Protections.apply(ConcurrentCrashChild.options(),
                    protection), where)) {
                List<WalRecord> records = wal.recover();
                String context = where + ": " + totalAcked + " acked, " + records.size() + " recovered; "
                        + wal.recoveryReport().summary();
                long[] next = new long[threads];
                for (int k = 0; k < records.size(); k++) {
                    WalRecord r = records.get(k);
                    assertEquals(k + 1, r.sequence(), "sequences not contiguous from 1, " + context);
                    int[] ti = parse(r.payload(), context);
                    int t = ti[0];
                    assertTrue(t >= 0 && t < threads, "thread " + t + ", " + context);
                    assertEquals(next[t], ti[1], "thread " + t + "'s records out of order, duplicated or with a gap at "
                            + "sequence " + r.sequence() + ", " + context);
                    Long ackedAt = acked.get(t).get((long) ti[1]);
                    if (ackedAt != null) {
                        assertEquals(ackedAt, r.sequence(), "record " + t + ":" + ti[1] + " was acknowledged with "
                                + "another sequence, " + context);
                    }
                    next[t]++;
                }
                assertEquals(records.size(), wal.lastSequence(), "lastSequence vs recover(), " + context);
                for (int t = 0; t < threads; t++) {
                    for (long i : acked.get(t).keySet()) {
                        assertTrue(i < next[t], "acknowledged record " + t + ":" + i + " (sequence "
                                + acked.get(t).get(i) + ") lost; the log holds thread " + t + "'s records 0.."
                                + (next[t] - 1) + ", " + context);
                    }
                }
                System.out.println("[wal4j] ConcurrentAppendTest.crash cycle " + cycle + ": acked " + totalAcked
                        + ", recovered " + records.size());
            }
        }
    }
}
