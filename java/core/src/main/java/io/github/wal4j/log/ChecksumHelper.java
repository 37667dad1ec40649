package io.github.wal4j.log;

import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A second thread for the record checksums of a large batch: while a reader's thread checks one
 * part of a batch's records, this thread checks another, and the reader learns the first record,
 * in order, whose checksum fails. It only computes: the reader has already bounded every record
 * (so each range it is given lies inside the batch), and the reader alone decides what a failure
 * means ({@link BatchValidator}), exactly as if it had checked every record itself.
 *
 * <p>How the work is shared: the records are cut into chunks, which both threads claim one at a
 * time from a counter; the reader claims chunks as well, and then waits only for the chunk the
 * helper may still be checking. So a helper that is slow to wake (no idle core) costs the reader
 * at most one chunk's wait, never the whole batch. The reader's call returns only once no thread
 * reads its buffer any more: the reader may then refill it.
 *
 * <p>One process-wide daemon thread, started on first use and parked while idle; one batch at a
 * time: a reader that finds it busy ({@link #tryAcquire}) checks its batch alone. The split is
 * never used on a machine with one processor, and {@code -Dwal4j.recordChecks=serial} switches it
 * off ({@link Policy}).
 */
final class ChecksumHelper {

    /**
     * When a reader shares a batch's checksums with the helper.
     *
     * @param minRecordsBytes the smallest batch (bytes of framed records) that is split; smaller
     *     ones are checked on the reader's thread alone, where the hand-off would cost more than it saves
     * @param chunkBytes about how many bytes of records one claim covers
     */
    record Policy(int minRecordsBytes, int chunkBytes) {
        /** Every batch checked on the reader's thread alone. */
        static final Policy SERIAL = new Policy(Integer.MAX_VALUE, Integer.MAX_VALUE);
        /**
         * Batches of 64 KiB of records or more, in chunks of about 16 KiB: at 100 B records a chunk
         * is about 150 records, some microseconds of checking, and a 1 MiB batch is 64 chunks.
         */
        static final Policy DEFAULT = new Policy(64 << 10, 16 << 10);
        /** Every batch of two or more records, one record per chunk: for tests, the most interleaving. */
        static final Policy EVERY_BATCH = new Policy(1, 1);

        /**
         * The policy {@code -Dwal4j.recordChecks} names: {@code serial}, {@code every-batch} (tests),
         * or anything else (the default); serial on a machine with one processor. Read when a reader
         * is made, so a test can set the property around the open it checks. Not API.
         */
        static Policy fromSystemProperties() {
            String named = System.getProperty("wal4j.recordChecks", "");
            if (named.equals("serial") || Runtime.getRuntime().availableProcessors() < 2) {
                return SERIAL;
            }
            return named.equals("every-batch") ? EVERY_BATCH : DEFAULT;
        }

        /** Whether a batch of {@code count} records in {@code length} bytes is split. */
        boolean splits(int count, int length) {
            return count > 1 && length >= minRecordsBytes;
        }
    }

    private static final ChecksumHelper SHARED = new ChecksumHelper();

    private final AtomicBoolean busy = new AtomicBoolean();
    private final Checksums checksums = new Checksums();
    private volatile Job job;
    private Thread thread;
    /** Chunks the helper thread itself checked, since the process started: what tests look at. */
    private final AtomicLong helperChunks = new AtomicLong();

    private ChecksumHelper() {
    }

    /** The process's helper, if no other reader is using it now; then {@link #release} it after use. */
    static ChecksumHelper tryAcquire() {
        return SHARED.busy.compareAndSet(false, true) ? SHARED : null;
    }

    /** Gives the helper back; the caller's {@link #firstMismatch} has returned. */
    void release() {
        busy.set(false);
    }

    /**
     * The index of the first of the records whose checksum does not hold, or -1 if all hold. Record
     * {@code i} starts (its length field) at {@code buffer[starts[i]]}, has {@code sizes[i]} payload
     * bytes and the sequence {@code firstSequence + i}; each lies inside the buffer (the caller
     * bounded it). Returns once neither thread reads {@code buffer} any more.
     *
     * @param mine the calling reader's checksum state (its thread's)
     * @param onePass whether the records are of format version 3 ({@link RecordFormat#checksum})
     * @param chunkRecords records per claim
     */
    int firstMismatch(Checksums mine, ByteBuffer buffer, boolean onePass, long salt, long firstSequence, int[] starts,
            int[] sizes, int count, int chunkRecords) {
        Job work = new Job(buffer, onePass, salt, firstSequence, starts, sizes, count, chunkRecords);
        start();
        job = work;
        LockSupport.unpark(thread);
        work.claimAll(mine);
        work.awaitDone();
        job = null;
        return work.firstBad();
    }

    private synchronized void start() {
        if (thread == null) {
            thread = new Thread(this::run, "wal4j-checksum-helper");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** The chunks the helper thread (not a reader) has checked since the process started. */
    static long chunksCheckedByHelper() {
        return SHARED.helperChunks.get();
    }

    /** The helper's loop: park until a job is published, share its chunks, park again. */
    private void run() {
        Job last = null;
        while (true) {
            Job work = job;
            if (work == null || work == last) {
                LockSupport.park(this);
                continue;
            }
            last = work;
            helperChunks.addAndGet(work.claimAll(checksums));
        }
    }

    /** One batch's checksums, cut into chunks that either thread claims. */
    private static final class Job {
        private final ByteBuffer buffer;
        private final boolean onePass;
        private final long salt;
        private final long firstSequence;
        private final int[] starts;
        private final int[] sizes;
        private final int count;
        private final int chunkRecords;
        private final int chunks;
        /** The first record of each chunk that failed, or -1; written before {@link #done} counts the chunk. */
        private final int[] badInChunk;
        private final AtomicInteger nextChunk = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();

        Job(ByteBuffer buffer, boolean onePass, long salt, long firstSequence, int[] starts, int[] sizes, int count,
                int chunkRecords) {
            this.buffer = buffer;
            this.onePass = onePass;
            this.salt = salt;
            this.firstSequence = firstSequence;
            this.starts = starts;
            this.sizes = sizes;
            this.count = count;
            this.chunkRecords = chunkRecords;
            this.chunks = (count + chunkRecords - 1) / chunkRecords;
            this.badInChunk = new int[chunks];
        }

        /**
         * Claims and checks chunks until none is left. A chunk is claimed before any byte of it is
         * read, and a claim only succeeds while the reader still waits for it. Returns the chunks
         * this thread checked.
         */
        int claimAll(Checksums checksums) {
            int checked = 0;
            int chunk;
            while ((chunk = nextChunk.getAndIncrement()) < chunks) {
                int from = chunk * chunkRecords;
                int to = Math.min(count, from + chunkRecords);
                int bad = -1;
                for (int i = from; i < to; i++) {
                    int at = starts[i];
                    int size = sizes[i];
                    if (RecordFormat.checksumAt(buffer, at, size)
                            != RecordFormat.checksum(onePass, salt, firstSequence + i, buffer, at, size, checksums)) {
                        bad = i;
                        break;
                    }
                }
                badInChunk[chunk] = bad;
                done.incrementAndGet();
                checked++;
            }
            return checked;
        }

        /** Waits until every chunk was checked (the helper holds at most one). */
        void awaitDone() {
            int spins = 0;
            while (done.get() < chunks) {
                if (++spins < 1000) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(10_000);
                }
            }
        }

        /** The first failing record over all chunks, in order; -1 if none. */
        int firstBad() {
            for (int bad : badInChunk) {
                if (bad >= 0) {
                    return bad;
                }
            }
            return -1;
        }
    }
}
