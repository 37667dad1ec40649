package io.github.wal4j;

import io.github.wal4j.fixtures.SegmentFileLayer;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A layer whose segment syncs wait while it is held: the writer stops inside a batch's sync, so
 * what a test queues meanwhile stays queued, and a future's callback attached meanwhile runs on the
 * writer thread when it is released.
 */
final class HeldSyncs extends SegmentFileLayer {
    private volatile CountDownLatch gate;
    private volatile CountDownLatch reached = new CountDownLatch(1);

    HeldSyncs(Storage delegate) {
        super(delegate);
    }

    /** The next syncs of segments wait until {@link #release}. */
    void hold() {
        reached = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    /** Whether a sync started waiting within {@code seconds}. */
    boolean awaitWriterHeld(long seconds) throws InterruptedException {
        return reached.await(seconds, TimeUnit.SECONDS);
    }

    /** Lets every waiting and later sync through. */
    void release() {
        CountDownLatch g = gate;
        gate = null;
        g.countDown();
    }

    @Override
    protected StorageFile wrapSegment(StorageFile file) {
        return new ForwardingStorageFile(file) {
            @Override
            public void sync() throws IOException {
                CountDownLatch g = gate;
                if (g != null) {
                    reached.countDown();
                    try {
                        g.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.sync();
            }
        };
    }
}
