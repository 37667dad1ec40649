package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.Seeds;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: under concurrent appends from several threads, checkpoints and several tailers (blocking
 * and subscriptions, each checkpoint option, each at its own start and its own pace, some blocking
 * ones spinning on the durable mark before they park, some of either kind with a maximum delivery
 * delay, so that no commit wakes them and the last record has no commit after it), every tailer
 * delivers the records from its start in order, each once, with the payload that was appended; a
 * {@code FAIL_TAILER} tailer ends only with {@link WalTruncatedException}, and only when the
 * checkpoint in force had passed its position (it then starts again from the log's start, as an
 * application rebuilding from the snapshot would); a {@code HOLD_SEGMENTS} tailer is never cut
 * short. The schedule (threads, counts, segment size, start points, pauses, checkpoint points) comes
 * from one seed per case, printed first ({@code -Dwal4j.seed} replays it); thread timing adds its own
 * variation. Cases: {@code wal4j.tries} / 100 (at least 6).
 */
class TailerScheduleTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void everyTailerDeliversItsRecordsInOrderEachOnceBesideAppendsAndCheckpoints() throws Exception {
        long seed = Seeds.seed("TailerScheduleTest");
        Random random = new Random(seed);
        int cases = Tries.scaled(1 / 100.0, 6);
        List<String> violations = new ArrayList<>();
        for (int c = 0; c < cases; c++) {
            long caseSeed = random.nextLong();
            for (String v : runCase(c, caseSeed)) {
                violations.add("case " + c + " (seed " + seed + "): " + v);
            }
        }
        assertEquals(List.of(), violations, violations.size() + " violations in " + cases + " cases");
    }

    /** What one tailer delivered, and the starts of its lives (a new one after each truncation). */
    private static final class Delivery {
        final String name;
        final boolean holds;
        final List<long[]> lives = new ArrayList<>(); // {start, truncatedAt or 0, firstAvailable}
        final List<Long> sequences = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();
        volatile String error;

        Delivery(String name, boolean holds) {
            this.name = name;
            this.holds = holds;
        }

        void add(long sequence, ByteBuffer payload) {
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            sequences.add(sequence);
            payloads.add(b);
        }
    }

    private List<String> runCase(int index, long caseSeed) throws Exception {
        Random random = new Random(caseSeed);
        int writers = 2 + random.nextInt(3);
        int perWriter = 50 + random.nextInt(150);
        long total = (long) writers * perWriter;
        WalOptions options = WalOptions.defaults().withSegmentSize((8 + random.nextInt(24)) << 10);
        Map<Long, byte[]> appended = new ConcurrentHashMap<>();
        List<Delivery> deliveries = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("case" + index), options)) {
            // Some records before the tailers start, so that their starts differ.
            long before = random.nextInt(30);
            for (long i = 1; i <= before; i++) {
                byte[] p = Records.payload(i * 7919, (int) (i * 37 % 600));
                appended.put(wal.append(p), p);
            }
            List<Thread> threads = new ArrayList<>();
            int tailers = 2 + random.nextInt(3);
            CountDownLatch subscriptionsDone = new CountDownLatch(tailers);
            long finalSequence = before + total;
            for (int t = 0; t < tailers; t++) {
                boolean holds = random.nextBoolean();
                boolean push = random.nextBoolean();
                long start = 1 + (long) random.nextInt((int) before + 1);
                int pauseEvery = 1 + random.nextInt(40);
                long tailerSeed = random.nextLong();
                // A quarter of the blocking tailers spin on the durable mark before they park (from the
                // tailer's seed, so that the rest of the schedule stays what the case seed gave before).
                long spinMicros = Math.floorMod(tailerSeed, 4) == 0 ? 1 + Math.floorMod(tailerSeed >>> 8, 500) : 0;
                // A third of the tailers, of either kind, have a maximum delivery delay (likewise from the tailer's seed).
                long delayMicros = Math.floorMod(tailerSeed >>> 20, 3) == 0 ? 1 + Math.floorMod(tailerSeed >>> 28, 3000) : 0;
                Delivery d = new Delivery((push ? "subscription" : "tailer") + t + (holds ? "/hold" : "/fail")
                        + (!push && spinMicros > 0 ? "/spin" + spinMicros + "us" : "")
                        + (delayMicros > 0 ? "/delay" + delayMicros + "us" : ""), holds);
                deliveries.add(d);
                TailOptions to = TailOptions.defaults().withMaxRecordsPerTask(1 + random.nextInt(64))
                        .withCheckpoints(holds ? TailOptions.Checkpoints.HOLD_SEGMENTS : TailOptions.Checkpoints.FAIL_TAILER)
                        .withSpinBeforePark(Duration.ofNanos(spinMicros * 1000))
                        .withMaxDeliveryDelay(Duration.ofNanos(delayMicros * 1000));
                if (push) {
                    subscribe(wal, d, start, to, pool, finalSequence, pauseEvery, tailerSeed, subscriptionsDone);
                } else {
                    subscriptionsDone.countDown();
                    Thread th = new Thread(() -> follow(wal, d, start, to, finalSequence, pauseEvery, tailerSeed), d.name);
                    threads.add(th);
                }
            }
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        byte[] p = Records.payload(writer * 100_000L + i, (i * 53 + writer) % 900);
                        try {
                            appended.put(wal.append(p), p);
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    }
                }, "writer" + w));
            }
            long checkpointSeed = random.nextLong();
            AtomicLong checkpoints = new AtomicLong();
            threads.add(new Thread(() -> {
                Random r = new Random(checkpointSeed);
                try {
                    while (wal.lastSequence() < finalSequence) {
                        Thread.sleep(1 + r.nextInt(15));
                        long last = wal.lastSequence();
                        wal.checkpoint(Math.max(0, last - r.nextInt(40)));
                        checkpoints.incrementAndGet();
                    }
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            }, "checkpointer"));
            threads.forEach(Thread::start);
            for (Thread th : threads) {
                th.join(120_000);
                if (th.isAlive()) {
                    violations.add(th.getName() + " did not finish");
                }
            }
            if (!subscriptionsDone.await(60, TimeUnit.SECONDS)) {
                violations.add("a subscription did not reach " + finalSequence);
            }
            int truncations = 0;
            for (Delivery d : deliveries) {
                check(d, appended, finalSequence, violations);
                truncations += d.lives.size() - 1;
            }
            System.out.println("[wal4j] TailerScheduleTest case " + index + ": " + writers + " writers, " + finalSequence
                    + " records, " + deliveries.size() + " tailers, " + checkpoints.get() + " checkpoints, "
                    + truncations + " truncations (restarted)");
        } finally {
            pool.shutdownNow();
        }
        return violations;
    }

    /** A blocking tailer's thread: follows until it delivered {@code last}, starting anew after a truncation. */
    private static void follow(WriteAheadLog wal, Delivery d, long start, TailOptions options, long last,
            int pauseEvery, long seed) {
        Random random = new Random(seed);
        long from = start;
        try {
            while (true) {
                long[] life = {from, 0, 0};
                d.lives.add(life);
                try (WalTailer tailer = wal.tail(from, options)) {
                    while (tailer.nextSequence() <= last) {
                        ByteBuffer view = tailer.nextView(WAIT);
                        if (view == null) {
                            d.error = "no record within " + WAIT + " at " + tailer.nextSequence();
                            return;
                        }
                        d.add(tailer.lastSequence(), view);
                        if (random.nextInt(pauseEvery) == 0) {
                            Thread.sleep(random.nextInt(3));
                        }
                    }
                    return;
                } catch (WalTruncatedException e) {
                    life[1] = e.position();
                    life[2] = e.firstAvailable();
                    from = e.firstAvailable();
                }
            }
        } catch (Exception e) {
            d.error = e.toString();
        }
    }

    /** A subscription that restarts itself after a truncation, until it delivered {@code last}. */
    private static void subscribe(WriteAheadLog wal, Delivery d, long start, TailOptions options, ExecutorService pool,
            long last, int pauseEvery, long seed, CountDownLatch done) throws IOException {
        Random random = new Random(seed);
        long[] life = {start, 0, 0};
        d.lives.add(life);
        WalSubscription[] self = new WalSubscription[1];
        CountDownLatch started = new CountDownLatch(1);
        PayloadVisitor visitor = (seq, payload) -> {
            d.add(seq, payload);
            if (random.nextInt(pauseEvery) == 0) {
                try {
                    Thread.sleep(random.nextInt(3));
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            if (seq == last) {
                try {
                    started.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                self[0].close();
                done.countDown();
            }
        };
        try {
            self[0] = wal.subscribe(start, options, pool, visitor);
        } catch (WalTruncatedException e) {
            life[1] = e.position();
            life[2] = e.firstAvailable();
            throw e;
        }
        started.countDown();
        self[0].ended().whenComplete((v, t) -> {
            if (t instanceof WalTruncatedException e) {
                life[1] = e.position();
                life[2] = e.firstAvailable();
                long from = e.firstAvailable();
                while (true) {
                    try {
                        subscribe(wal, d, from, options, pool, last, pauseEvery, random.nextLong(), done);
                        return;
                    } catch (WalTruncatedException again) {
                        // The log moved on again before the new start: a life without deliveries.
                        from = again.firstAvailable();
                    } catch (IOException again) {
                        d.error = again.toString();
                        done.countDown();
                        return;
                    }
                }
            } else if (t != null) {
                d.error = t.toString();
                done.countDown();
            }
        });
    }

    private static void check(Delivery d, Map<Long, byte[]> appended, long last, List<String> violations) {
        if (d.error != null) {
            violations.add(d.name + ": " + d.error);
            return;
        }
        int at = 0;
        for (long[] life : d.lives) {
            long expect = life[0];
            long end = life[1] != 0 ? life[1] : last + 1;
            if (life[1] != 0) {
                if (d.holds) {
                    violations.add(d.name + ": a HOLD_SEGMENTS tailer was truncated at " + life[1]);
                }
                if (life[1] >= life[2]) {
                    violations.add(d.name + ": truncated at " + life[1] + " though the log starts at " + life[2]);
                }
            }
            while (expect < end) {
                if (at >= d.sequences.size()) {
                    violations.add(d.name + ": stopped before " + expect + " (life from " + life[0] + ")");
                    return;
                }
                long got = d.sequences.get(at);
                if (got != expect) {
                    violations.add(d.name + ": delivered " + got + " where " + expect + " was next (life from "
                            + life[0] + ")");
                    return;
                }
                if (!Arrays.equals(appended.get(got), d.payloads.get(at))) {
                    violations.add(d.name + ": the payload of " + got + " differs from what was appended");
                    return;
                }
                at++;
                expect++;
            }
        }
        if (at != d.sequences.size()) {
            violations.add(d.name + ": delivered " + (d.sequences.size() - at) + " records after its last life ended");
        }
    }
}
