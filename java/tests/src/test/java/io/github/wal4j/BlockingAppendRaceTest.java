package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.fixtures.Payloads;
import io.github.wal4j.fixtures.SegmentFileLayer;
import io.github.wal4j.fixtures.Tries;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: a blocking {@code append} waits on its thread's own queue entry, reused by every
 * blocking append of that thread; the entry must be acknowledged exactly once, by the batch that
 * holds it, and never by an earlier batch that held it for the thread's previous append. Several
 * threads (2 to 6) append tagged records on a {@link SimulatedDisk} (whose I/O survives interrupts,
 * so lone appenders commit their own records) while each thread interrupts itself before some of
 * its appends and syncs take a drawn time; the run ends one of three ways, drawn: every thread
 * finishes, a sync fails (EIO) at a drawn moment, or the log is closed under the appenders. Then
 * the power is cut. Checked:
 * <ul>
 *   <li>every returned sequence number is unique, increasing per thread, and after the power cut
 *       the record at it is the one that thread appended in that call (an entry acknowledged by a
 *       stale batch would return a sequence that is not its record's, or before it is durable);</li>
 *   <li>an interrupted caller keeps its interrupt, and is acknowledged or refused like any other;</li>
 *   <li>after a failure every later append of every thread throws {@link WalFailedException}, after
 *       close {@link WalClosedException} (or the failure): a reused entry is never acknowledged
 *       again;</li>
 *   <li>recovered records are contiguous and each is a record some thread appended, once.</li>
 * </ul>
 * The seed is printed; {@code -Dwal4j.seed=N} replays it.
 */
class BlockingAppendRaceTest {
    private enum Ending { ALL_DONE, SYNC_FAILS, CLOSED }

    @TempDir
    Path tmp;

    /** Syncs of segment files take a drawn time (none, a yield, or up to 300 us), so batches mix. */
    private static final class JitteredSyncs extends SegmentFileLayer {
        JitteredSyncs(Storage delegate) {
            super(delegate);
        }

        @Override
        protected StorageFile wrapSegment(StorageFile file) {
            return new ForwardingStorageFile(file) {
                @Override
                public void sync() throws IOException {
                    int draw = ThreadLocalRandom.current().nextInt(4);
                    if (draw == 1) {
                        Thread.yield();
                    } else if (draw >= 2) {
                        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(300_000));
                    }
                    super.sync();
                }
            };
        }
    }

    /** What one appender saw: the sequence each of its appends returned, and how it ended. */
    private static final class Appender extends Thread {
        final int index;
        final int count;
        final long seed;
        final WriteAheadLog wal;
        final CountDownLatch start;
        final Map<Long, Integer> acknowledged = new HashMap<>(); // sequence -> this thread's record index
        Throwable refusal;
        Throwable unexpected;

        Appender(WriteAheadLog wal, int index, int count, long seed, CountDownLatch start) {
            super("appender-" + index);
            this.wal = wal;
            this.index = index;
            this.count = count;
            this.seed = seed;
            this.start = start;
        }

        @Override
        public void run() {
            Random random = new Random(seed);
            try {
                start.await();
                long previous = 0;
                for (int i = 0; i < count; i++) {
                    boolean interrupt = random.nextInt(5) == 0;
                    if (interrupt) {
                        Thread.currentThread().interrupt();
                    }
                    try {
                        long sequence = wal.append(Payloads.tagged(0, index, i, 40));
                        if (interrupt && !Thread.currentThread().isInterrupted()) {
                            throw new AssertionError("append " + i + " lost the caller's interrupt");
                        }
                        if (sequence <= previous) {
                            throw new AssertionError("append " + i + " returned " + sequence + " after " + previous);
                        }
                        previous = sequence;
                        acknowledged.put(sequence, i);
                        if (refusal != null) {
                            throw new AssertionError("append " + i + " was acknowledged (" + sequence
                                    + ") after an earlier one was refused: " + refusal);
                        }
                    } catch (WalFailedException | WalClosedException e) {
                        if (refusal instanceof WalFailedException && !(e instanceof WalFailedException)) {
                            throw new AssertionError("after the failure, append " + i + " threw " + e, e);
                        }
                        if (refusal == null) {
                            refusal = e;
                        }
                    } finally {
                        Thread.interrupted();
                    }
                }
            } catch (Throwable t) {
                unexpected = t;
            }
        }
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyBlockingAppendIsAcknowledgedOnceWithItsOwnRecord() throws Exception {
        long master = Seeds.seed("BlockingAppendRaceTest");
        Random seeds = new Random(master);
        int tries = Tries.scaled(0.05, 20);
        for (int t = 0; t < tries; t++) {
            long seed = seeds.nextLong();
            try {
                oneRun(seed, tmp.resolve("run-" + t));
            } catch (Throwable e) {
                throw new AssertionError("try " + t + " failed; its seed is " + seed + " (master seed " + master
                        + ", -Dwal4j.seed=" + master + " replays the run): " + e, e);
            }
        }
    }

    private static void oneRun(long seed, Path dir) throws Exception {
        Random random = new Random(seed);
        Ending ending = Ending.values()[random.nextInt(Ending.values().length)];
        int threads = 2 + random.nextInt(5);
        SimulatedDisk disk = new SimulatedDisk();
        WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(new JitteredSyncs(disk)));
        CountDownLatch start = new CountDownLatch(1);
        List<Appender> appenders = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            appenders.add(new Appender(wal, i, 20 + random.nextInt(120), random.nextLong(), start));
        }
        appenders.forEach(Thread::start);
        start.countDown();
        long endAfterNanos = TimeUnit.MICROSECONDS.toNanos(random.nextInt(20_000));
        if (ending != Ending.ALL_DONE) {
            LockSupport.parkNanos(endAfterNanos);
            if (ending == Ending.SYNC_FAILS) {
                disk.failNextSync(".wal");
            } else {
                closeQuietly(wal);
            }
        }
        for (Appender a : appenders) {
            a.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(a.isAlive(), a.getName() + " is still appending (seed " + seed + ")");
            assertNull(a.unexpected, () -> a.getName() + ": " + a.unexpected);
        }
        if (ending != Ending.CLOSED) {
            closeQuietly(wal);
        }
        // Every acknowledged sequence is unique and names its thread's record.
        Map<Long, String> acknowledged = new HashMap<>();
        for (Appender a : appenders) {
            for (Map.Entry<Long, Integer> e : a.acknowledged.entrySet()) {
                String tag = Payloads.tag(0, a.index, e.getValue());
                String other = acknowledged.put(e.getKey(), tag);
                assertNull(other, "sequence " + e.getKey() + " was returned to " + tag + " and to " + other);
            }
            if (ending == Ending.ALL_DONE) {
                assertNull(a.refusal, a.getName() + " was refused: " + a.refusal);
                assertEquals(a.count, a.acknowledged.size(), a.getName());
            }
        }
        SimulatedDisk rebooted = disk.crash(new Random(random.nextLong()));
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(rebooted))) {
            List<WalRecord> records = reopened.recover();
            Map<Long, byte[]> bySequence = new HashMap<>();
            Set<String> seen = new HashSet<>();
            long expected = 1;
            for (WalRecord r : records) {
                assertEquals(expected++, r.sequence(), "recovered sequences are contiguous");
                bySequence.put(r.sequence(), r.payload());
                String tag = tagOf(r.payload());
                assertTrue(seen.add(tag), "record " + tag + " recovered twice, the second at " + r.sequence());
            }
            for (Appender a : appenders) {
                for (Map.Entry<Long, Integer> e : a.acknowledged.entrySet()) {
                    byte[] got = bySequence.get(e.getKey());
                    assertNotNull(got, "acknowledged sequence " + e.getKey() + " (" + Payloads.tag(0, a.index,
                            e.getValue()) + ") was lost in the power cut after " + ending);
                    assertArrayEquals(Payloads.tagged(0, a.index, e.getValue(), 40), got,
                            "the record at acknowledged sequence " + e.getKey() + " is " + tagOf(got));
                }
            }
        }
    }

    private static String tagOf(byte[] payload) {
        String s = new String(payload, StandardCharsets.ISO_8859_1);
        int end = s.indexOf(';');
        if (end < 0) {
            fail("a recovered record that no appender wrote: " + Payloads.describe(payload));
        }
        return s.substring(0, end + 1);
    }

    private static void closeQuietly(WriteAheadLog wal) {
        try {
            wal.close();
        } catch (IOException expected) {
            // a failed log's close says so; the records' fate is checked after the power cut
        }
    }
}
