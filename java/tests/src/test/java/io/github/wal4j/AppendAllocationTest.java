package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.wal4j.io.IoLayers;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blocking {@code append} in the default durable configuration allocates at most
 * {@value #MAX_BYTES_PER_APPEND} bytes per call, counted by the JVM
 * ({@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}) on the appending thread and on
 * the log's writer thread together (whichever of them writes the batch: the appender itself when it
 * self-commits on the native layer, the writer thread on the java layer). Before the reused
 * queue entry this test measured 400 B (java layer) and 488 B (native) per call (a future, a boxed
 * sequence, a queue entry, an iterator or two, and per batch a JFR event object, a batch header, a
 * native pointer and a write mark; more than the 216 B of the long-warmed count in
 * docs/benchmarks.md, since 8,000 warm-up calls leave less to escape analysis); now 40 B, the
 * batch's write mark. docs/benchmarks.md, "Allocation on the append path", has the measurements.
 *
 * <p>Not a timing test: an allocation count does not depend on the machine's load. To keep it
 * robust it warms up first, counts many calls in several rounds and takes the smallest round (a
 * single allocation now and then, such as asking for the next segment's preparation once the
 * segment is half full, is not per call), and the bound is above what the code allocates today
 * (one 40-byte write mark per batch, and with one appender every batch holds one record). It runs
 * on the layer under test with fdatasync left out (a forwarding file whose sync returns at once),
 * so that it takes a second instead of minutes: the count is of wal4j's code, not of the disk; the
 * sync call itself allocates nothing on either layer. Where the JVM cannot count a thread's
 * allocation the test is skipped, and says so.
 */
class AppendAllocationTest {
    /** The goal of issue 20; today's code allocates about 40-45 B. */
    private static final long MAX_BYTES_PER_APPEND = 64;
    private static final int WARMUP = 8_000;
    private static final int ROUNDS = 5;
    private static final int PER_ROUND = 2_000;

    @TempDir
    Path tmp;

    /** The layer under test, its segment files' fdatasync left out. */
    private static final class NoSyncStorage extends ForwardingStorage {
        NoSyncStorage(Storage delegate) {
            super(delegate);
        }

        @Override
        protected StorageFile wrap(Path path, StorageFile file) {
            return new ForwardingStorageFile(file) {
                @Override
                public void sync() {
                }
            };
        }
    }

    @Test
    void aBlockingAppendAllocatesAtMostTheGoalPerCall() throws IOException {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM has no com.sun.management.ThreadMXBean to count a thread's allocation");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM does not count the bytes a thread allocates (ThreadMXBean.isThreadAllocatedMemorySupported"
                        + " or isThreadAllocatedMemoryEnabled is false)");
        Path dir = tmp.resolve("allocation-" + System.nanoTime()); // a writer thread name of its own
        byte[] payload = new byte[100];
        try (WriteAheadLog wal = WriteAheadLog.open(dir,
                WalOptions.defaults().withStorage(new NoSyncStorage(IoLayers.select())))) {
            long sequence = 0;
            for (int i = 0; i < WARMUP; i++) {
                sequence = wal.append(payload);
            }
            Thread writer = writerThread(dir);
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS; round++) {
                long before = allocated(threads, writer);
                for (int i = 0; i < PER_ROUND; i++) {
                    sequence = wal.append(payload);
                }
                long bytes = allocated(threads, writer) - before;
                fewest = Math.min(fewest, bytes);
            }
            assertEquals(WARMUP + (long) ROUNDS * PER_ROUND, sequence, "every append was acknowledged");
            double perAppend = (double) fewest / PER_ROUND;
            System.out.printf(java.util.Locale.ROOT, "AppendAllocationTest: %s layer, %.1f bytes per blocking append%n",
                    wal.stats().ioLayer(), perAppend);
            assertTrue(perAppend <= MAX_BYTES_PER_APPEND, String.format(java.util.Locale.ROOT,
                    "a blocking append on the %s layer allocated %.1f bytes per call (the fewest of %d rounds of %d"
                            + " appends, appending and writer thread together); at most %d expected",
                    wal.stats().ioLayer(), perAppend, ROUNDS, PER_ROUND, MAX_BYTES_PER_APPEND));
        }
    }

    /** What the calling thread and the writer thread have allocated so far. */
    private static long allocated(com.sun.management.ThreadMXBean threads, Thread writer) {
        long writerBytes = threads.getThreadAllocatedBytes(writer.getId());
        assertTrue(writerBytes >= 0, "the writer thread is alive while the log is open");
        return threads.getCurrentThreadAllocatedBytes() + writerBytes;
    }

    /** The log's writer thread, by the name it has ({@code wal4j-writer-<directory name>}). */
    private static Thread writerThread(Path dir) {
        String name = "wal4j-writer-" + dir.getFileName();
        Thread found = null;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                found = t;
            }
        }
        assertNotNull(found, "no thread named " + name);
        return found;
    }
}
