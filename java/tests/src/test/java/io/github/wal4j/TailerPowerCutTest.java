package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.Seeds;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.fixtures.Tries;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: a tailer never delivers a record that a power cut then removes. A producer keeps many
 * {@code appendAsync} records in flight against a simulated disk whose fdatasync is slow (so batches
 * sit written but unsynced), over small segments (so tailers cross rotations); in some cases in
 * {@link Durability#BUFFERED} with an fsync now and then. Three blocking tailers (one spinning on the
 * durable mark before it parks, one with a maximum delivery delay, which reads the mark itself
 * instead of being woken) and two subscriptions (one with a delay) record every record they are handed; the power is cut at a seeded moment, right after a
 * delivery. After the reboot every record any tailer delivered must be in the recovered log, with
 * its payload. Cases: {@code wal4j.tries} / 40 (at least 12), each seeded (mode, sizes, moment, how
 * the cut tears); the seed printed first reproduces them with {@code -Dwal4j.seed} (thread timing
 * adds its own variation).
 */
class TailerPowerCutTest {
    @TempDir
    Path tmp;

    @Test
    void noTailerEverDeliversARecordAPowerCutRemoves() throws Exception {
        long seed = Seeds.seed("TailerPowerCutTest");
        Random random = new Random(seed);
        int cases = Tries.scaled(1 / 40.0, 12);
        List<String> violations = new ArrayList<>();
        long delivered = 0;
        for (int c = 0; c < cases; c++) {
            long caseSeed = random.nextLong();
            long[] count = new long[1];
            String violation = runCase(c, caseSeed, count);
            delivered += count[0];
            if (violation != null) {
                violations.add("case " + c + " (seed " + seed + "): " + violation);
            }
        }
        System.out.println("[wal4j] TailerPowerCutTest: " + cases + " cuts, " + delivered + " deliveries checked");
        assertEquals(List.of(), violations, violations.size() + " of " + cases
                + " power cuts removed records a tailer had delivered");
    }

    private String runCase(int index, long caseSeed, long[] count) throws Exception {
        Random random = new Random(caseSeed);
        SimulatedDisk disk = new SimulatedDisk();
        Path dir = tmp.resolve("case" + index);
        boolean buffered = random.nextInt(3) == 0;
        WalOptions options = WalOptions.defaults().withStorage(new SlowSync(disk, 1 + random.nextInt(3)))
                .withSegmentSize((8 + random.nextInt(16)) << 10).withMaxBatchBytes(1 + random.nextInt(4096))
                .withDurability(buffered ? Durability.BUFFERED : Durability.SYNC);
        int cutAfter = 20 + random.nextInt(400);
        // Every record some tailer was handed, as it was handed.
        Map<Long, byte[]> delivered = new ConcurrentHashMap<>();
        AtomicLong deliveries = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> cutNow = new CompletableFuture<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        String[] mismatch = new String[1];
        PayloadVisitor record = (seq, payload) -> {
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            byte[] before = delivered.putIfAbsent(seq, b);
            if (before != null && !Arrays.equals(before, b)) {
                mismatch[0] = "two tailers were handed different payloads for " + seq;
            }
            if (deliveries.incrementAndGet() >= cutAfter) {
                cutNow.complete(null);
            }
        };
        Thread producer = new Thread(() -> {
            List<CompletableFuture<Long>> inFlight = new ArrayList<>();
            long n = 1;
            try {
                while (!stop.get()) {
                    inFlight.add(wal.appendAsync(Records.payload(n, (int) (n * 37 % 700))));
                    n++;
                    if (buffered && n % 50 == 0) {
                        wal.fsync();
                    }
                    if (inFlight.size() >= 64) {
                        inFlight.remove(0).join();
                    }
                }
            } catch (IOException | RuntimeException e) {
                // The power went off under it: expected at the end of every case.
            }
        }, "producer");
        List<Thread> tailers = new ArrayList<>();
        // The delays come from a Random of their own: the rest of a case seed's schedule stays as it was.
        Random delays = new Random(caseSeed ^ 0x9E3779B97F4A7C15L);
        TailOptions delayed = TailOptions.defaults().withMaxDeliveryDelay(Duration.ofNanos(100_000 + delays.nextInt(3_000_000)));
        for (int t = 0; t < 3; t++) {
            long from = 1;
            // The second tailer spins on the durable mark before it parks, the third parks where no
            // commit wakes it and reads the mark itself: they too read only what is durable.
            TailOptions to = t == 0 ? TailOptions.defaults()
                    : t == 1 ? TailOptions.defaults().withSpinBeforePark(Duration.ofMillis(1)) : delayed;
            tailers.add(new Thread(() -> {
                try (WalTailer tailer = wal.tail(from, to)) {
                    while (!stop.get()) {
                        ByteBuffer view = tailer.nextView(Duration.ofMillis(50));
                        if (view != null) {
                            record.visit(tailer.lastSequence(), view);
                        }
                    }
                } catch (IOException e) {
                    // Failed or closed with the power: what it delivered before is what counts.
                }
            }, "tailer" + t));
        }
        WalSubscription subscription = wal.subscribe(1, TailOptions.defaults(), pool, record);
        WalSubscription delayedSubscription = wal.subscribe(1, delayed, pool, record);
        producer.start();
        tailers.forEach(Thread::start);
        try {
            cutNow.get(60, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
        }
        // The power is cut right after a delivery; whatever was durable stays.
        SimulatedDisk after = disk.crash(new Random(caseSeed ^ 0x5DEECE66DL));
        producer.join();
        for (Thread t : tailers) {
            t.join();
        }
        subscription.close();
        delayedSubscription.close();
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        try {
            wal.close();
        } catch (IOException expected) {
            // The disk is off.
        }
        if (mismatch[0] != null) {
            return mismatch[0];
        }
        count[0] = deliveries.get();
        Map<Long, byte[]> handed = new TreeMap<>(delivered);
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options.withStorage(after))) {
            Map<Long, byte[]> survived = new TreeMap<>();
            reopened.recover().forEach(r -> survived.put(r.sequence(), r.payload()));
            for (Map.Entry<Long, byte[]> e : handed.entrySet()) {
                byte[] kept = survived.get(e.getKey());
                if (kept == null) {
                    return (buffered ? "BUFFERED" : "SYNC") + ": tailers were handed up to "
                            + ((TreeMap<Long, byte[]>) handed).lastKey() + ", the cut kept up to "
                            + reopened.lastSequence() + ": record " + e.getKey() + " is gone";
                }
                if (!Arrays.equals(e.getValue(), kept)) {
                    return "record " + e.getKey() + " survived with another payload than the tailer was handed";
                }
            }
        }
        return null;
    }
}
