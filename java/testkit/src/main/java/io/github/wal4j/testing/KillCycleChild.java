package io.github.wal4j.testing;

import io.github.wal4j.Protection;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child of {@code KillCyclesTest}. Arguments: WAL directory, ack file, cycle number, thread count,
 * seed, whether to checkpoint ({@code true}/{@code false}), and the protection new segments get (a
 * {@link Protection} name; the key provider of {@link Protections} is always given, so segments
 * earlier cycles wrote with protection stay readable). Reopens the log (recovery runs),
 * then each thread {@code t} appends {@link Payloads#tagged}{@code (cycle, t, i, 1000)} for i = 0,
 * 1, ... forever; a checkpointer thread, if enabled, calls {@code checkpoint(upTo)} every few
 * milliseconds with an {@code upTo} no later than what was acknowledged. Ack lines:
 * <pre>
 *  S               started, about to open
 *  O last cp       opened: last sequence, checkpoint in force
 *  A t i seq       thread t's record i was acknowledged with sequence seq
 *  C? upTo         about to checkpoint
 *  C upTo          checkpoint returned
 * </pre>
 */
public final class KillCycleChild {
    public static final int MAX_FILLER = 1000;

    private KillCycleChild() {
    }

    /** The options of every open of the log, by this child and by the test. */
    public static WalOptions options(Protection protection) {
        return Protections.applyWithKeys(WalOptions.defaults().withSegmentSize(64 << 10), protection);
    }

    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(60);
        Path dir = Path.of(args[0]);
        AckWriter ack = new AckWriter(Path.of(args[1]));
        int cycle = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        long seed = Long.parseLong(args[4]);
        boolean checkpoints = Boolean.parseBoolean(args[5]);
        Protection protection = Protection.valueOf(args[6]);
        ack.line("S");
        WriteAheadLog wal = WriteAheadLog.open(dir, options(protection));
        ack.line("O " + wal.lastSequence() + " " + wal.checkpointSequence());
        AtomicLong acked = new AtomicLong(wal.lastSequence());
        for (int t = 0; t < threads; t++) {
            int thread = t;
            new Thread(() -> {
                try {
                    for (long i = 0; ; i++) {
                        long seq = wal.append(Payloads.tagged(cycle, thread, i, MAX_FILLER));
                        ack.line("A " + thread + " " + i + " " + seq);
                        acked.accumulateAndGet(seq, Math::max);
                    }
                } catch (Throwable e) {
                    ChildSupport.bad(ack, "appender " + thread + " failed", e);
                }
            }, "appender-" + t).start();
        }
        if (checkpoints) {
            SplittableRandom random = new SplittableRandom(seed);
            while (true) {
                Thread.sleep(2 + random.nextInt(30));
                long low = wal.checkpointSequence();
                long high = acked.get();
                if (high > low) {
                    long upTo = low + 1 + random.nextLong(high - low);
                    ack.line("C? " + upTo);
                    try {
                        wal.checkpoint(upTo);
                    } catch (Throwable e) {
                        ChildSupport.bad(ack, "checkpoint(" + upTo + ") failed", e);
                    }
                    ack.line("C " + upTo);
                }
            }
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
