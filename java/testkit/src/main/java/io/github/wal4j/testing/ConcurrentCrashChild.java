package io.github.wal4j.testing;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * Child of {@code ConcurrentAppendTest}'s crash variant. Arguments: WAL directory, ack directory,
 * thread count, seed, protection (optional). Thread {@code t} appends {@code "t:i"} for i = 0, 1, ... forever, mixing
 * {@code append} with {@code appendAsync} (up to 8 in flight), and writes {@code "i seq"} to
 * {@code ack-t.txt} once the record is acknowledged. Ends only by SIGKILL.
 */
public final class ConcurrentCrashChild {
    private ConcurrentCrashChild() {
    }

    public static WalOptions options() {
        return WalOptions.defaults().withSegmentSize(16 << 10);
    }

    private record InFlight(long index, CompletableFuture<Long> future) {
    }

    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(60);
        Path dir = Path.of(args[0]);
        Path ackDir = Path.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        AckWriter started = new AckWriter(ackDir.resolve("started.txt"));
        // args[4]: the protection (a Protection name, default NONE), drawn by the parent from its seed.
        io.github.wal4j.Protection protection = args.length > 4 ? io.github.wal4j.Protection.valueOf(args[4])
                : io.github.wal4j.Protection.NONE;
        WriteAheadLog wal = WriteAheadLog.open(dir, Protections.apply(options(), protection));
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            AckWriter ack = new AckWriter(ackDir.resolve("ack-" + t + ".txt"));
            Thread worker = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed + thread);
                ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
                try {
                    go.await();
                    for (long i = 0; ; i++) {
                        byte[] payload = (thread + ":" + i).getBytes(StandardCharsets.UTF_8);
                        if (random.nextBoolean()) {
                            while (!inFlight.isEmpty()) {
                                InFlight f = inFlight.poll();
                                ack.line(f.index + " " + f.future.join());
                            }
                            long seq = wal.append(payload);
                            ack.line(i + " " + seq);
                        } else {
                            inFlight.add(new InFlight(i, wal.appendAsync(payload)));
                            while (inFlight.size() > random.nextInt(8) || (!inFlight.isEmpty() && inFlight.peek().future.isDone())) {
                                InFlight f = inFlight.poll();
                                ack.line(f.index + " " + f.future.join());
                            }
                        }
                    }
                } catch (Throwable e) {
                    ChildSupport.bad(ack, "thread " + thread + " failed", e);
                }
            }, "appender-" + t);
            worker.start();
        }
        started.line("S");
        go.countDown();
        Thread.sleep(Long.MAX_VALUE);
    }
}
