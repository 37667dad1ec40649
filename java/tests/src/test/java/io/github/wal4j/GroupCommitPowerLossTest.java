package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.log.CheckpointStore;
import io.github.wal4j.log.SegmentKeys;
import io.github.wal4j.fixtures.Payloads;
import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.internal.Seeds;
import io.github.wal4j.fixtures.SegmentWriterAudit;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.fixtures.Tries;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: {@link PowerLossTest}'s, with real group commit. Several appender threads (2 to 8) run a
 * mix of {@code append} and bursts of {@code appendAsync} while a coordinator thread calls
 * {@code fsync}, {@code flush}, {@code checkpoint(upTo)} and {@code checkpoint(snapshot, upTo, ...)};
 * batches take as many records as are queued (up to the default or a drawn {@code maxBatchBytes} of
 * 4 KiB to 1 MiB), in both durability modes and under each protection, over one to three sessions
 * (clean close and reopen between them), on a {@link SimulatedDisk} that tears lost writes per 512-byte
 * sector or per 4 KiB block. The power goes off after a drawn number of file operations (mid-batch,
 * mid-rotation, mid-checkpoint, mid-close or mid-open), or at the end. After the reboot:
 * <ul>
 *   <li>every acknowledged record is recovered at the sequence its acknowledgement named, with its
 *       exact payload (acknowledged: in SYNC, a returned {@code append} or a successfully completed
 *       future, which covers every earlier sequence too; in both modes, everything appended before a
 *       successful {@code fsync} or clean close, and everything up to a successful checkpoint's
 *       sequence);</li>
 *   <li>recovered sequences are contiguous after the checkpoint in force; each payload names its
 *       origin ({@link Payloads#tagged}: thread and that thread's counter), so a record that was never
 *       appended, was recovered twice, is out of its thread's order or sits at another sequence than
 *       its acknowledgement said fails, even for records whose acknowledgement the cut prevented;</li>
 *   <li>the checkpoint in force is one that was asked for and not older than the last acknowledged
 *       one, its snapshot matches it; the log goes on, and a second reopen is clean and returns the
 *       same records.</li>
 * </ul>
 * The run fails if fewer than a share of {@value #MIN_BATCHED_SHARE} of the cases (of all, and of the
 * SYNC ones) wrote a batch of more than one record ({@link WalStats#batchSizeMax()}), so the property
 * cannot silently decay into one record per batch (a default run sees about nine in ten).
 *
 * <p><b>Reproducing.</b> Thread timing decides which records share a batch, so a run cannot be
 * replayed exactly. Each case's seed (printed in a failure, derived from the printed
 * {@code wal4j.seed}) reproduces the workload: the sizes, every thread's operations, the cut point and
 * the tear choices, but not the interleaving. {@code -Dwal4j.seed=<the case's seed>} runs that case
 * first; rerun a few times to hit the interleaving again. Cases: a quarter of {@code wal4j.tries} per
 * block size (at least 40), so {@code -Dwal4j.tries=100000} scales it for a soak run. Every wait is
 * bounded, per case rather than by a method-level {@code @Timeout} (which would not scale with
 * {@code wal4j.tries}): a case that does not finish in {@link #CASE_LIMIT} fails with its seed and the
 * stuck thread's stack instead of hanging the build; the threads are daemons.
 */
class GroupCommitPowerLossTest {
    private static final int MAX_RECORD = 24000;
    /** Bytes the tag {@code c0:t<thread>:i<counter>;} takes at most, kept out of the filler. */
    private static final int TAG_ROOM = 40;
    private static final Duration CASE_LIMIT = Duration.ofSeconds(60);
    private static final double MIN_BATCHED_SHARE = 0.3;

    @TempDir
    Path tmp;

    @Test
    void acknowledgedRecordsSurviveAPowerCutDuringGroupCommit() throws Exception {
        property(512, Tries.scaled(0.25, 40));
    }

    /** The same on a disk whose lost writes tear whole 4 KiB blocks, synced bytes of the block included. */
    @Test
    void acknowledgedRecordsSurviveAPowerCutDuringGroupCommitThatTears4KiBBlocks() throws Exception {
        property(4096, Tries.scaled(0.25, 40));
    }

    /** One case's drawn parameters: everything but the interleaving follows from {@code seed}. */
    record Case(long seed, int block, Durability durability, Protection protection, int threads, long segmentSize,
            int maxBatchBytes, int sessions, long cutAfter, boolean closeAtEnd) {
        static Case draw(long seed, int block) {
            SplittableRandom r = new SplittableRandom(seed);
            Durability durability = r.nextBoolean() ? Durability.SYNC : Durability.BUFFERED;
            Protection protection = Protections.draw(r);
            int threads = r.nextInt(2, 9);
            long segmentSize = r.nextBoolean() ? 16 << 10 : 64 << 10;
            // Half the cases keep the default (1 MiB); the others draw 4 KiB to 1 MiB, log-uniformly.
            int maxBatchBytes = r.nextBoolean() ? WalOptions.DEFAULT_MAX_BATCH_BYTES
                    : (int) Math.min(WalOptions.DEFAULT_MAX_BATCH_BYTES, 4096L << r.nextInt(9));
            int sessions = r.nextInt(1, 4);
            int p = r.nextInt(100);
            // Early cuts (open, first batches), cuts anywhere in a typical run, or none at all.
            long cutAfter = p < 20 ? r.nextLong(40) : p < 85 ? r.nextLong(300) : Long.MAX_VALUE;
            boolean closeAtEnd = r.nextInt(4) == 0;
            return new Case(seed, block, durability, protection, threads, segmentSize, maxBatchBytes, sessions,
                    cutAfter, closeAtEnd);
        }

        SplittableRandom random() {
            // Skips the draws above: a fresh generator for the workload, derived from the seed alone.
            return new SplittableRandom(seed ^ 0x5DEECE66DL);
        }

        @Override
        public String toString() {
            return "case seed=" + seed + " (rerun first with -Dwal4j.seed=" + seed + "; the seed fixes the workload"
                    + " and the tear, not the interleaving): block " + block + ", " + durability + "/" + protection
                    + ", " + threads + " appenders, segments of " + segmentSize + " B, maxBatchBytes "
                    + maxBatchBytes + ", " + sessions + " session(s), power off after "
                    + (cutAfter == Long.MAX_VALUE ? "never (cut at the end)" : cutAfter + " mutating calls")
                    + (closeAtEnd ? ", clean close at the end" : "");
        }
    }

    /** What one case did, for the run's summary. */
    record Outcome(long batchSizeMax, boolean cutDuringRun, long mutations, long recovered) {
    }

    private void property(int block, int cases) throws Exception {
        long master = Seeds.seed("GroupCommitPowerLossTest[" + block + "]");
        SplittableRandom seeds = new SplittableRandom(master);
        int batched = 0;
        int syncCases = 0;
        int syncBatched = 0;
        int cut = 0;
        long largest = 0;
        long mutations = 0;
        long started = System.nanoTime();
        for (int k = 0; k < cases; k++) {
            long seed = k == 0 ? master : seeds.nextLong();
            Case c = Case.draw(seed, block);
            Outcome o;
            try {
                o = assertTimeoutPreemptively(CASE_LIMIT, () -> runCase(c), () -> "timed out (a hang?), " + c);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n  " + c, e);
            }
            if (o.batchSizeMax() > 1) {
                batched++;
            }
            if (c.durability() == Durability.SYNC) {
                syncCases++;
                if (o.batchSizeMax() > 1) {
                    syncBatched++;
                }
            }
            if (o.cutDuringRun()) {
                cut++;
            }
            largest = Math.max(largest, o.batchSizeMax());
            mutations += o.mutations();
        }
        System.out.printf("[wal4j] GroupCommitPowerLossTest[%d]: %d cases in %d ms; %d with a batch of >1 record"
                + " (%d of the %d in SYNC; largest %d), %d cut during the run, %d file operations per case on"
                + " average%n", block, cases, (System.nanoTime() - started) / 1_000_000, batched, syncBatched,
                syncCases, largest, cut, mutations / cases);
        assertTrue(batched >= MIN_BATCHED_SHARE * cases, "only " + batched + " of " + cases + " cases wrote a batch"
                + " of more than one record: the property no longer exercises group commit (seed " + master + ")");
        assertTrue(syncBatched >= MIN_BATCHED_SHARE * syncCases, "only " + syncBatched + " of " + syncCases
                + " SYNC cases wrote a batch of more than one record: SYNC no longer exercises group commit (seed "
                + master + ")");
    }

    /** One thread's records: index = the thread's counter. Written by its thread, read after the join. */
    static final class History {
        final List<byte[]> payloads = new ArrayList<>();
        /** The sequence each record's acknowledgement named, or -1 where none came (yet). */
        final List<Long> sequences = new ArrayList<>();
        /** SYNC: the highest sequence acknowledged to this thread (all before it are durable too). */
        long acknowledged;
        /** A broken expectation seen on the thread, reported by the test thread. */
        String violation;
    }

    /** The coordinator's acknowledgements. Written by its thread, read after the join. */
    static final class Coordination {
        /** Every record up to this was appended before a successful fsync, checkpoint or clean close. */
        long durable;
        /** The call that acknowledged {@link #durable}, for the failure message. */
        String durableBy = "nothing";
        long checkpoint;
        /** Every checkpoint asked for: the one in force after the cut must be one of them (or 0). */
        final Set<Long> requested = new HashSet<>(Set.of(0L));
        String violation;

        void durable(long last, String by) {
            if (last > durable) {
                durable = last;
                durableBy = by;
            }
        }
    }

    private Outcome runCase(Case c) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "wal");
        Path snapshot = Files.createTempDirectory(tmp, "snap").resolve("state.snap");
        SimulatedDisk disk = new SimulatedDisk(c.block());
        disk.powerOffAfter(c.cutAfter());
        WalOptions options = Protections.apply(WalOptions.defaults().withSegmentSize(c.segmentSize())
                .withMaxRecordSize(MAX_RECORD).withDurability(c.durability()).withMaxBatchBytes(c.maxBatchBytes()),
                c.protection());
        // In a protected log no open may write into a segment an earlier open created (nonce reuse).
        SegmentWriterAudit audit = c.protection() == Protection.NONE ? null : new SegmentWriterAudit();
        Function<SimulatedDisk, WalOptions> session = d -> options.withStorage(audit == null ? d : audit.session(d));

        SplittableRandom random = c.random();
        SplittableRandom[] threadRandoms = new SplittableRandom[c.threads()];
        History[] histories = new History[c.threads()];
        for (int t = 0; t < c.threads(); t++) {
            threadRandoms[t] = random.split();
            histories[t] = new History();
        }
        SplittableRandom coordinatorRandom = random.split();
        Coordination coordination = new Coordination();
        long batchSizeMax = 0;
        WriteAheadLog wal = null;
        try {
            wal = WriteAheadLog.open(dir, session.apply(disk));
            for (int s = 0; s < c.sessions(); s++) {
                if (s > 0) {
                    wal = WriteAheadLog.open(dir, session.apply(disk));
                    assertTrue(wal.recoveryReport().clean(), "reopen after a clean close: "
                            + wal.recoveryReport().summary());
                }
                runSession(c, wal, disk, snapshot, threadRandoms, histories, coordinatorRandom, coordination);
                batchSizeMax = Math.max(batchSizeMax, wal.stats().batchSizeMax());
                if (s < c.sessions() - 1 || c.closeAtEnd()) {
                    long last = wal.lastSequence();
                    WriteAheadLog closing = wal;
                    wal = null;
                    closing.close();
                    coordination.durable(last, "the clean close of session " + (s + 1));
                }
            }
        } catch (IOException e) {
            if (!disk.isOff()) {
                throw e;
            }
        }
        if (wal != null) {
            batchSizeMax = Math.max(batchSizeMax, wal.stats().batchSizeMax());
        }
        boolean cutDuringRun = disk.isOff();
        long mutations = disk.mutations();
        // Pull the plug now whether or not the cut came during the run; the tear follows from the seed.
        SimulatedDisk after = disk.crash(new Random(c.seed()));
        PowerOff.abandon(wal);
        for (int t = 0; t < histories.length; t++) {
            assertTrue(histories[t].violation == null, "appender " + t + ": " + histories[t].violation);
        }
        assertTrue(coordination.violation == null, "coordinator: " + coordination.violation);
        long recovered = check(c, dir, after, session, histories, coordination);
        if (audit != null) {
            audit.assertNoViolation();
        }
        return new Outcome(batchSizeMax, cutDuringRun, mutations, recovered);
    }

    /** One session: the appenders and the coordinator run together until they are done or the power is off. */
    private static void runSession(Case c, WriteAheadLog wal, SimulatedDisk disk, Path snapshot,
            SplittableRandom[] threadRandoms, History[] histories, SplittableRandom coordinatorRandom,
            Coordination coordination) throws InterruptedException {
        long deadline = System.nanoTime() + CASE_LIMIT.toNanos();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch appendersDone = new CountDownLatch(threadRandoms.length);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < threadRandoms.length; t++) {
            SplittableRandom r = threadRandoms[t];
            History h = histories[t];
            int thread = t;
            int ops = r.nextInt(3, 25);
            threads.add(daemon("appender-" + t, () -> {
                try {
                    await(go, deadline);
                    append(wal, disk, c.durability(), thread, ops, r, h, deadline);
                } catch (Throwable e) {
                    h.violation = describe(e);
                } finally {
                    appendersDone.countDown();
                }
            }));
        }
        // A generator per session: how far the coordinator got in one does not shift the next one's draws.
        SplittableRandom co = coordinatorRandom.split();
        int coordinatorOps = co.nextInt(0, 8);
        threads.add(daemon("coordinator", () -> {
            try {
                await(go, deadline);
                coordinate(wal, disk, snapshot, coordinatorOps, co, coordination, appendersDone);
            } catch (Throwable e) {
                coordination.violation = describe(e);
            }
        }));
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                StringBuilder stack = new StringBuilder();
                for (StackTraceElement e : t.getStackTrace()) {
                    stack.append("\n    at ").append(e);
                }
                throw new AssertionError(t.getName() + " did not finish within " + CASE_LIMIT + ":" + stack);
            }
        }
    }

    /**
     * One appender: {@code ops} operations, each a blocking append or a burst of 2 to 8 async appends
     * waited for together. Stops at the first failure, which must be the power cut's.
     */
    private static void append(WriteAheadLog wal, SimulatedDisk disk, Durability durability, int thread, int ops,
            SplittableRandom r, History h, long deadline) throws Exception {
        boolean sync = durability == Durability.SYNC;
        for (int op = 0; op < ops; op++) {
            if (r.nextInt(100) < 55) {
                int index = next(h, thread, r);
                long sequence;
                try {
                    sequence = wal.append(h.payloads.get(index));
                } catch (IOException e) {
                    expectPowerOff(disk, e);
                    return;
                }
                acknowledge(h, index, sequence, sync);
            } else {
                int burst = r.nextInt(2, 9);
                int first = h.payloads.size();
                List<CompletableFuture<Long>> futures = new ArrayList<>();
                for (int k = 0; k < burst; k++) {
                    futures.add(wal.appendAsync(h.payloads.get(next(h, thread, r))));
                }
                Throwable failed = null;
                for (int k = 0; k < burst; k++) {
                    try {
                        long left = deadline - System.nanoTime();
                        acknowledge(h, first + k, futures.get(k).get(left, TimeUnit.NANOSECONDS), sync);
                        if (failed != null) {
                            h.violation = "the future of record " + (first + k) + " completed after an earlier one"
                                    + " of its burst failed: " + describe(failed);
                        }
                    } catch (ExecutionException e) {
                        failed = e.getCause();
                    } catch (TimeoutException e) {
                        throw new AssertionError("an appendAsync future did not complete within " + CASE_LIMIT, e);
                    }
                }
                if (failed != null) {
                    expectPowerOff(disk, failed);
                    return;
                }
            }
            if (r.nextInt(4) == 0) {
                LockSupport.parkNanos(r.nextInt(200_000));
            }
        }
    }

    /** Draws the thread's next record, remembers it and returns its counter. */
    private static int next(History h, int thread, SplittableRandom r) {
        int p = r.nextInt(100);
        int filler = p < 70 ? 700 : p < 90 ? 4000 : MAX_RECORD - TAG_ROOM;
        int index = h.payloads.size();
        h.payloads.add(Payloads.tagged(0, thread, index, filler));
        h.sequences.add(-1L);
        return index;
    }

    private static void acknowledge(History h, int index, long sequence, boolean sync) {
        if (index > 0 && h.sequences.get(index - 1) >= sequence) {
            h.violation = "record " + index + " got sequence " + sequence + ", after record " + (index - 1) + " got "
                    + h.sequences.get(index - 1);
        }
        h.sequences.set(index, sequence);
        if (sync) {
            h.acknowledged = Math.max(h.acknowledged, sequence);
        }
    }

    /**
     * The coordinator: {@code ops} calls of fsync, flush, checkpoint(upTo) or a snapshot checkpoint,
     * spread over the appenders' run (pauses of up to 1 ms), fewer if the appenders finish first.
     */
    private static void coordinate(WriteAheadLog wal, SimulatedDisk disk, Path snapshot, int ops,
            SplittableRandom r, Coordination co, CountDownLatch appendersDone) throws Exception {
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            long pause = r.nextInt(1_000_000);
            boolean stopWhenAppendersAreDone = r.nextBoolean();
            if (appendersDone.await(pause, TimeUnit.NANOSECONDS) && stopWhenAppendersAreDone) {
                return;
            }
            try {
                long last = wal.lastSequence();
                if (kind < 30) {
                    wal.fsync();
                    co.durable(last, "fsync() called at lastSequence " + last);
                } else if (kind < 45) {
                    wal.flush();
                } else {
                    // Only this thread checkpoints, so the one in force stays where it is read here.
                    long inForce = wal.checkpointSequence();
                    long upTo = inForce + r.nextLong(last - inForce + 1);
                    co.requested.add(upTo);
                    if (kind < 70) {
                        wal.checkpoint(upTo);
                    } else {
                        wal.checkpoint(snapshot, upTo,
                                out -> out.write(("covers " + upTo).getBytes(StandardCharsets.US_ASCII)));
                    }
                    co.checkpoint = Math.max(co.checkpoint, upTo);
                    // What a checkpoint promises: the records up to upTo are covered (durable in the
                    // caller's store or the snapshot), not that later ones are synced. One at or below
                    // the checkpoint in force does nothing, so it syncs nothing either.
                    co.durable(upTo, "checkpoint(" + (kind < 70 ? "" : "snapshot, ") + upTo
                            + ") called at lastSequence " + last);
                }
            } catch (IOException e) {
                expectPowerOff(disk, e);
                return;
            }
        }
    }

    private static void expectPowerOff(SimulatedDisk disk, Throwable e) throws Exception {
        if (!disk.isOff()) {
            throw new AssertionError("failed with the power on: " + describe(e), e);
        }
        if (!(e instanceof IOException)) {
            throw new AssertionError("the power cut surfaced as " + describe(e) + ", not as an IOException", e);
        }
    }

    /** Opens the crashed image and checks what it recovers; returns how many records it did. */
    private static long check(Case c, Path dir, SimulatedDisk after, Function<SimulatedDisk, WalOptions> session,
            History[] histories, Coordination co) throws IOException {
        boolean sync = c.durability() == Durability.SYNC;
        long acknowledged = co.durable;
        String acknowledgedBy = co.durableBy;
        Map<Long, int[]> bySequence = new HashMap<>();
        for (int t = 0; t < histories.length; t++) {
            History h = histories[t];
            if (sync && h.acknowledged > acknowledged) {
                acknowledged = h.acknowledged;
                acknowledgedBy = "an append acknowledged to appender " + t;
            }
            for (int i = 0; i < h.sequences.size(); i++) {
                long s = h.sequences.get(i);
                if (s >= 0) {
                    int[] before = bySequence.put(s, new int[] {t, i});
                    assertTrue(before == null, "sequence " + s + " acknowledged to record " + Arrays.toString(before)
                            + " and to record " + t + ":" + i);
                }
            }
        }
        List<WalRecord> records;
        long checkpoint;
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, session.apply(after))) {
            String report = reopened.recoveryReport().summary();
            checkpoint = reopened.checkpointSequence();
            assertTrue(checkpoint >= co.checkpoint, "checkpoint in force " + checkpoint
                    + " is older than the acknowledged checkpoint " + co.checkpoint + ", report: " + report);
            assertTrue(co.requested.contains(checkpoint), "checkpoint in force " + checkpoint
                    + " was never asked for (asked: " + co.requested + ")");
            records = reopened.recover();
            long expected = checkpoint + 1;
            Set<List<Integer>> seen = new HashSet<>();
            int[] lastIndex = new int[histories.length];
            Arrays.fill(lastIndex, -1);
            for (WalRecord r : records) {
                long s = r.sequence();
                assertEquals(expected, s, "recovered sequences are contiguous after the checkpoint " + checkpoint);
                long[] tag = Payloads.parseTag(r.payload());
                assertNotNull(tag, "sequence " + s + " holds a record that was never appended: "
                        + Payloads.describe(r.payload()));
                assertTrue(tag[0] == 0 && tag[1] >= 0 && tag[1] < histories.length
                        && tag[2] >= 0 && tag[2] < histories[(int) tag[1]].payloads.size(),
                        "sequence " + s + " holds " + Payloads.describe(r.payload()) + ", never appended");
                int t = (int) tag[1];
                int i = (int) tag[2];
                assertArrayEquals(histories[t].payloads.get(i), r.payload(), "payload of record " + t + ":" + i
                        + " at sequence " + s);
                assertTrue(seen.add(List.of(t, i)), "record " + t + ":" + i + " recovered twice, again at " + s);
                assertTrue(i > lastIndex[t], "record " + t + ":" + i + " at sequence " + s + " comes after the same"
                        + " thread's record " + t + ":" + lastIndex[t]);
                lastIndex[t] = i;
                long named = histories[t].sequences.get(i);
                assertTrue(named < 0 || named == s, "record " + t + ":" + i + " was acknowledged as sequence "
                        + named + " but is recovered at " + s);
                int[] owner = bySequence.get(s);
                assertTrue(owner == null || (owner[0] == t && owner[1] == i), "sequence " + s
                        + " was acknowledged to record " + Arrays.toString(owner) + " but holds " + t + ":" + i);
                expected++;
            }
            long last = records.isEmpty() ? checkpoint : records.get(records.size() - 1).sequence();
            assertTrue(last >= acknowledged, "acknowledged through " + acknowledged + " (by " + acknowledgedBy
                    + ") but recovered only through " + last + " (checkpoint " + checkpoint + "), report: " + report);
            Checkpoint inForce = new CheckpointStore(after, reopened.directory(), new SegmentKeys(c.protection(),
                    c.protection() == Protection.NONE ? null : Protections.keys())).read();
            if (inForce.snapshot() != null) {
                assertEquals("covers " + inForce.upToSequence(), readAll(after, inForce.snapshot()),
                        "the snapshot in force matches its checkpoint");
            }
            assertEquals(Optional.ofNullable(inForce.snapshot()), reopened.snapshot().map(WalSnapshot::path),
                    "snapshot() names the snapshot of the checkpoint in force");
            // The log goes on: one more append survives a clean reopen.
            assertEquals(last + 1, reopened.append(new byte[] {42}), "the next append after recovery");
        }
        try (WriteAheadLog again = WriteAheadLog.open(dir, session.apply(after))) {
            assertTrue(again.recoveryReport().clean(), again.recoveryReport().summary());
            assertEquals(checkpoint, again.checkpointSequence(), "checkpoint after a clean reopen");
            List<WalRecord> second = again.recover();
            assertEquals(records.size() + 1, second.size(), "records after a clean reopen");
            for (int k = 0; k < records.size(); k++) {
                assertEquals(records.get(k).sequence(), second.get(k).sequence());
                assertArrayEquals(records.get(k).payload(), second.get(k).payload(), "sequence "
                        + records.get(k).sequence() + " after a clean reopen");
            }
            assertArrayEquals(new byte[] {42}, second.get(records.size()).payload());
        }
        return records.size();
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    private static void await(CountDownLatch latch, long deadline) throws InterruptedException {
        if (!latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
            throw new AssertionError("start signal not given within " + CASE_LIMIT);
        }
    }

    private static String describe(Throwable e) {
        return e.getClass().getName() + ": " + e.getMessage();
    }

    private static String readAll(SimulatedDisk disk, Path path) throws IOException {
        try (var file = disk.openRead(path)) {
            ByteBuffer b = ByteBuffer.allocate((int) file.size());
            while (b.hasRemaining() && file.read(b, b.position()) >= 0) {
                // fill
            }
            return new String(b.array(), StandardCharsets.US_ASCII);
        }
    }
}
