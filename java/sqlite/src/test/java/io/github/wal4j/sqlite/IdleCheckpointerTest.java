package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.DurableLog;
import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.WalReader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * The checkpointer thread ends when stopped, whatever it is doing then. The case that hung a
 * node's {@code close} for good (seen in the issue-19 benchmark): {@code stop} came while the
 * thread was inside a checkpoint, whose WAL step waits (parks) for the log; that wait took the
 * wake-up meant for the thread's own park, and with nothing left to checkpoint the thread then
 * parked without a time limit, never to look at the stop again.
 */
class IdleCheckpointerTest {
    /** A log whose checkpoint waits until released: a park inside the checkpointer's checkpoint. */
    private static final class SlowCheckpointLog implements DurableLog {
        final CountDownLatch inCheckpoint = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile long checkpoint;

        @Override
        public void checkpoint(long upToSequence) {
            inCheckpoint.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    release.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            checkpoint = upToSequence;
        }

        @Override
        public long checkpointSequence() {
            return checkpoint;
        }

        @Override
        public long append(byte[] record) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Long> appendAsync(byte[] record) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void replay(long fromSequence, PayloadVisitor visitor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public WalReader reader(long fromSequence) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long lastSequence() {
            return 1;
        }

        @Override
        public long durableSequence() {
            return 1;
        }

        @Override
        public String describe() {
            return "slow-checkpoint log";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aStopThatComesDuringACheckpointEndsTheThread() throws Exception {
        SlowCheckpointLog wal = new SlowCheckpointLog();
        // DELETE mode: every commit is synced, so the durable point does not touch the connection.
        CheckpointSchedule schedule = new CheckpointSchedule(wal, new SqliteDurablePoint(null, JournalMode.DELETE, s -> {
        }), SqliteCheckpointPolicy.defaults().withInterval(Duration.ofMillis(1)), CommitListener.NONE, false);
        ReentrantLock connectionLock = new ReentrantLock();
        IdleCheckpointer checkpointer = new IdleCheckpointer(schedule, connectionLock, () -> 1);
        connectionLock.lock();
        try {
            schedule.applied(1, 1, 10); // change 1 applied: the interval starts, a checkpoint is due in 1 ms
        } finally {
            connectionLock.unlock();
        }
        Thread thread = new Thread(checkpointer, "wal4j-sqlite-checkpointer test");
        thread.setDaemon(true);
        thread.start();
        try {
            assertTrue(wal.inCheckpoint.await(30, TimeUnit.SECONDS), "the checkpointer checkpoints once the interval is over");
            checkpointer.stop(); // comes while the WAL's checkpoint waits
            Thread.sleep(50);
            wal.release.countDown();
            thread.join(10_000);
            assertFalse(thread.isAlive(), "the checkpointer thread still runs 10 s after stop(): close() would wait for"
                    + " it for good");
        } finally {
            wal.release.countDown();
            thread.interrupt();
        }
    }
}
