package io.github.wal4j.bench;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalStats;
import io.github.wal4j.WriteAheadLog;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;

/**
 * Bytes allocated per blocking {@code append}, counted directly: T threads append to a log with
 * the default durable options, first W records each (warm-up: the JIT settles, buffers grow), then
 * M each; around those M every appending thread reads its own counter
 * ({@code getCurrentThreadAllocatedBytes}), and the main thread, with every appender parked at a
 * barrier, reads every live thread's ({@code getThreadAllocatedBytes(long[])}: the appenders, the
 * writer thread, the JDK's own). Prints both per append, and the batches the log wrote.
 *
 * <p>{@code java -cp <bench classpath> io.github.wal4j.bench.AllocationProbe DIR LAYER T W M [SIZE]}
 * (LAYER {@code native} or {@code java}; SIZE 100 by default). docs/benchmarks.md, "Allocation on
 * the append path", has the numbers and the command lines.
 */
public final class AllocationProbe {
    private AllocationProbe() {
    }

    public static void main(String[] a) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(a[0]), "alloc");
        String layer = a[1];
        int threads = Integer.parseInt(a[2]);
        int warmup = Integer.parseInt(a[3]);
        int measure = Integer.parseInt(a[4]);
        int size = a.length > 5 ? Integer.parseInt(a[5]) : 100;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withIoLayer(layer))) {
            run(wal, layer, threads, warmup, measure, size);
        } finally {
            Files2.deleteTree(dir);
        }
    }

    private static void run(WriteAheadLog wal, String layer, int threads, int warmup, int measure, int size)
            throws Exception {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier end = new CyclicBarrier(threads + 1);
        CountDownLatch counted = new CountDownLatch(1);
        long[] own = new long[threads];
        Throwable[] failure = new Throwable[1];
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int index = i;
            ts[i] = new Thread(() -> {
                byte[] p = new byte[size];
                try {
                    for (int n = 0; n < warmup; n++) {
                        wal.append(p);
                    }
                    start.await();
                    long before = bean.getCurrentThreadAllocatedBytes();
                    for (int n = 0; n < measure; n++) {
                        wal.append(p);
                    }
                    own[index] = bean.getCurrentThreadAllocatedBytes() - before;
                    end.await();
                    // Alive until counted: the count of a thread that has ended is gone
                    // (getThreadAllocatedBytes says -1), and with it everything it allocated.
                    counted.await();
                } catch (Throwable t) {
                    failure[0] = t;
                }
            }, "appender-" + i);
            ts[i].start();
        }
        start.await();
        long batchesBefore = wal.stats().fsyncs();
        Map<Long, Long> before = Harness.allocatedBytes();
        end.await();
        Map<Long, Long> after = Harness.allocatedBytes();
        counted.countDown();
        WalStats stats = wal.stats();
        for (Thread t : ts) {
            t.join();
        }
        if (failure[0] != null) {
            throw new IllegalStateException("an append failed", failure[0]);
        }
        long appends = (long) threads * measure;
        long ownSum = 0;
        for (long o : own) {
            ownSum += o;
        }
        long all = Harness.allocatedBetween(before, after);
        long appendersSeen = 0;
        for (Thread t : ts) {
            Long b = before.get(t.getId());
            Long e = after.get(t.getId());
            appendersSeen += b == null || e == null ? 0 : e - b;
        }
        long batches = stats.fsyncs() - batchesBefore;
        System.out.printf("layer %s, %d threads, %d B records, %d appends measured after %d of warm-up each:"
                + " appending threads %.1f B/append, all threads %.1f B/append"
                + " (of which the appending threads, as the main thread counts them: %.1f); %d fdatasyncs"
                + " (%.1f records each)%n",
                layer, threads, size, appends, warmup, (double) ownSum / appends, (double) all / appends,
                (double) appendersSeen / appends, batches,
                (double) appends / batches);
    }
}
