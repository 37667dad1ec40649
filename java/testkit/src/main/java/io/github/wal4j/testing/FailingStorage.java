package io.github.wal4j.testing;

import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only {@link Storage} over {@link JavaStorage} (or a given layer) that counts every file write and sync and
 * fails the n-th one (counted from when it is armed) with {@code IOException("injected EIO")},
 * the way a disk error surfaces from write(2) or fdatasync(2).
 *
 * <p>A failing write may first write part of its bytes (as a write interrupted by ENOSPC or EIO
 * does). A failing sync does not sync. A failing sync can be held until the test releases it, so
 * that appends queue up behind the doomed batch.
 */
public final class FailingStorage extends ForwardingStorage {
    private final AtomicInteger syncs = new AtomicInteger();
    private final AtomicInteger writes = new AtomicInteger();
    private final AtomicInteger matchingSyncs = new AtomicInteger();
    private final AtomicInteger matchingWrites = new AtomicInteger();
    private final AtomicInteger syncFailures = new AtomicInteger();
    private final AtomicInteger writeFailures = new AtomicInteger();
    private volatile int failSyncNumber = -1;
    private volatile int failWriteNumber = -1;
    private volatile int partialWriteBytes;
    private volatile String failOnlyNameEndingWith = "";
    private volatile CountDownLatch failingSyncEntered;
    private volatile CountDownLatch releaseFailingSync;

    public FailingStorage() {
        super(new JavaStorage());
    }

    /** Over another layer (the native one, whose lone appenders write on their own thread). */
    public FailingStorage(Storage delegate) {
        super(delegate);
    }

    /** Syncs of files (not of directories) so far, failed ones included. */
    public int syncs() {
        return syncs.get();
    }

    /** Writes to files so far, failed ones included. */
    public int writes() {
        return writes.get();
    }

    /** Syncs that were failed on purpose. */
    public int syncFailures() {
        return syncFailures.get();
    }

    /** Writes that were failed on purpose. */
    public int writeFailures() {
        return writeFailures.get();
    }

    /** Fails the {@code n}-th file sync from now (1 = the next one), counting only files of {@link #onlyFilesEndingWith}. */
    public FailingStorage failSync(int n) {
        failSyncNumber = matchingSyncs.get() + n;
        return this;
    }

    /**
     * Fails the {@code n}-th file write from now (1 = the next one), after writing the first
     * {@code partialBytes} bytes of it (0: nothing is written).
     */
    public FailingStorage failWrite(int n, int partialBytes) {
        partialWriteBytes = partialBytes;
        failWriteNumber = matchingWrites.get() + n;
        return this;
    }

    /** Fails only operations on files whose name ends with {@code suffix} ("" = all files); call before arming. */
    public FailingStorage onlyFilesEndingWith(String suffix) {
        failOnlyNameEndingWith = suffix;
        return this;
    }

    /**
     * Makes the failing sync wait, once it is entered, until {@link #releaseFailingSync()}; returns a
     * latch that opens when the writer is inside the failing sync.
     */
    public CountDownLatch holdFailingSync() {
        failingSyncEntered = new CountDownLatch(1);
        releaseFailingSync = new CountDownLatch(1);
        return failingSyncEntered;
    }

    /** Lets a held failing sync throw. */
    public void releaseFailingSync() {
        releaseFailingSync.countDown();
    }

    @Override
    public String name() {
        return "failing";
    }

    /**
     * {@inheritDoc} Here: on the calling thread, at once, so that the n-th write or sync counted
     * from arming is the same operation at every run (the preparation of the next segment comes at
     * a fixed point among the writer's operations).
     */
    @Override
    public Executor backgroundExecutor() {
        return Runnable::run;
    }

    @Override
    protected StorageFile wrap(Path path, StorageFile file) {
        return new File(path, file);
    }

    private final class File extends ForwardingStorageFile {
        private final Path path;

        File(Path path, StorageFile file) {
            super(file);
            this.path = path;
        }

        private boolean matches() {
            return path.getFileName().toString().endsWith(failOnlyNameEndingWith);
        }


        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            writes.incrementAndGet();
            if (matches() && matchingWrites.incrementAndGet() == failWriteNumber) {
                writeFailures.incrementAndGet();
                int partial = Math.min(partialWriteBytes, src.remaining());
                if (partial > 0) {
                    ByteBuffer head = src.duplicate();
                    head.limit(head.position() + partial);
                    super.write(head, position);
                }
                throw new IOException("injected EIO: write of " + path.getFileName() + " at offset " + position);
            }
            super.write(src, position);
        }

        @Override
        public void sync() throws IOException {
            syncs.incrementAndGet();
            if (matches() && matchingSyncs.incrementAndGet() == failSyncNumber) {
                syncFailures.incrementAndGet();
                CountDownLatch entered = failingSyncEntered;
                CountDownLatch release = releaseFailingSync;
                if (entered != null) {
                    entered.countDown();
                    try {
                        if (!release.await(10, TimeUnit.SECONDS)) {
                            throw new IOException("injected EIO (the test never released the held sync)");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                throw new IOException("injected EIO: fdatasync of " + path.getFileName());
            }
            super.sync();
        }
    }
}
