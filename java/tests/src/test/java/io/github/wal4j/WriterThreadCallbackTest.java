package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.io.IoLayers;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The writer-thread rule: a callback attached to an {@code appendAsync} future with a non-async
 * method runs on the log's writer thread, so a blocking call of the log from there (append, appendAll, flush,
 * fsync, checkpoint, close, transaction, readers) would wait for the thread it blocks. Each one
 * fails at once with an {@link IllegalStateException} that names the rule and the fix, the log
 * stays usable, and every acknowledged record survives a reopen; {@code appendAsync} from a
 * callback works. Run on the layer of the suite's execution (java or native), and on the simulated
 * disk, whose I/O (like the native layer's) survives interrupts, so that the self-commit path runs.
 */
class WriterThreadCallbackTest {
    @TempDir
    Path tmp;

    /** A blocking call of the log, as a callback on the writer thread would make it. */
    enum Call {
        APPEND, APPEND_ALL, FLUSH, FSYNC, CHECKPOINT, CHECKPOINT_SNAPSHOT, TRANSACTION, RECOVER, REPLAY, READER, CLOSE;

        void run(WriteAheadLog wal, Path snapshot) throws IOException {
            switch (this) {
                case APPEND -> wal.append(new byte[] {7});
                case APPEND_ALL -> wal.appendAll(java.util.List.of(new byte[] {7}, new byte[] {7}));
                case FLUSH -> wal.flush();
                case FSYNC -> wal.fsync();
                case CHECKPOINT -> wal.checkpoint(1);
                case CHECKPOINT_SNAPSHOT -> wal.checkpoint(snapshot, 1, out -> out.write(1));
                case TRANSACTION -> {
                    try (WalTransaction tx = wal.transaction()) {
                        tx.append(new byte[] {8});
                        tx.commit();
                    }
                }
                case RECOVER -> wal.recover();
                case REPLAY -> wal.replay(0, (sequence, payload) -> { });
                case READER -> wal.reader(0).close();
                default -> wal.close();
            }
        }
    }

    private static Storage layer(boolean simulated) throws IOException {
        return simulated ? new SimulatedDisk() : IoLayers.select(WalOptions.defaults().ioLayer());
    }

    @ParameterizedTest
    @EnumSource(Call.class)
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void blockingCallOnTheWriterThreadFailsAtOnceAndLosesNothing(Call call) throws Exception {
        for (boolean simulated : new boolean[] {true, false}) {
            Path dir = tmp.resolve(call + (simulated ? "-sim" : "-layer"));
            // Held, the writer stops inside the sync of record 5, so the callback is attached to a future
            // the writer completes later (attached to a completed future it would run on this thread).
            HeldSyncs gate = new HeldSyncs(layer(simulated));
            WalOptions options = WalOptions.defaults().withStorage(gate);
            List<byte[]> acknowledged = new ArrayList<>();
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                for (int i = 1; i <= 4; i++) {
                    assertEquals(i, wal.append(Records.payload(i)));
                    acknowledged.add(Records.payload(i));
                }
                gate.hold();
                CompletableFuture<Long> outer = wal.appendAsync(Records.payload(5));
                assertTrue(gate.awaitWriterHeld(10), "the writer never reached its sync");
                String[] ranOn = new String[1];
                CompletableFuture<Void> inner = outer.thenAccept(sequence -> {
                    ranOn[0] = Thread.currentThread().getName();
                    try {
                        call.run(wal, tmp.resolve(call + ".snap"));
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                });
                gate.release();
                // Waiting on outer itself could run the callback here: a thread in get() helps
                // complete a future's dependents. So wait for the callback's own future first.
                Throwable thrown = failureOf(inner, simulated, call);
                assertTrue(ranOn[0] != null && ranOn[0].startsWith("wal4j-writer"),
                        layerName(simulated, call) + ": the callback ran on " + ranOn[0]);
                assertEquals(5L, outer.get(10, TimeUnit.SECONDS), layerName(simulated, call));
                acknowledged.add(Records.payload(5));
                assertInstanceOf(IllegalStateException.class, thrown, layerName(simulated, call) + ": " + thrown);
                String message = thrown.getMessage();
                assertTrue(message.contains("writer thread") && message.contains("Async"),
                        "the message names the rule and the fix: " + message);
                // The log goes on as if the callback had never run.
                assertEquals(0, wal.stats().failures(), layerName(simulated, call) + ": the log failed");
                assertEquals(6, wal.append(Records.payload(6)), layerName(simulated, call));
                acknowledged.add(Records.payload(6));
            }
            try (WriteAheadLog reopened = WriteAheadLog.open(dir, options)) {
                List<WalRecord> records = reopened.recover();
                assertEquals(acknowledged.size(), records.size(), layerName(simulated, call) + ": "
                        + reopened.recoveryReport().summary());
                for (int i = 0; i < records.size(); i++) {
                    assertEquals(i + 1, records.get(i).sequence());
                    assertArrayEquals(acknowledged.get(i), records.get(i).payload());
                }
                assertTrue(reopened.recoveryReport().clean(), reopened.recoveryReport().summary());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Durability.class)
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void appendAsyncFromACallbackWorks(Durability durability) throws Exception {
        for (boolean simulated : new boolean[] {true, false}) {
            Path dir = tmp.resolve(durability + (simulated ? "-sim" : "-layer"));
            WalOptions options = WalOptions.defaults().withStorage(layer(simulated)).withDurability(durability);
            int chain = 50;
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                // Each callback appends the next record from the writer thread: a chain of 50.
                CompletableFuture<Long> last = wal.appendAsync(Records.payload(1));
                for (int i = 2; i <= chain; i++) {
                    int n = i;
                    last = last.thenCompose(sequence -> {
                        assertEquals(n - 1, sequence);
                        return wal.appendAsync(Records.payload(n));
                    });
                }
                assertEquals(chain, last.get(10, TimeUnit.SECONDS));
                wal.fsync();
                assertEquals(chain, wal.durableSequence());
            }
            try (WriteAheadLog reopened = WriteAheadLog.open(dir, options)) {
                List<WalRecord> records = reopened.recover();
                assertEquals(chain, records.size());
                for (int i = 0; i < chain; i++) {
                    assertArrayEquals(Records.payload(i + 1), records.get(i).payload());
                }
            }
        }
    }

    private static String layerName(boolean simulated, Call call) {
        return call + " on " + (simulated ? "the simulated disk" : "the " + System.getProperty("wal4j.io", "auto")
                + " layer");
    }

    /** The exception the callback's future ended with; fails the test if it hangs or succeeds. */
    private static Throwable failureOf(CompletableFuture<Void> inner, boolean simulated, Call call)
            throws InterruptedException {
        try {
            inner.get(10, TimeUnit.SECONDS);
            return fail(layerName(simulated, call) + " from the writer thread succeeded");
        } catch (TimeoutException e) {
            return fail(layerName(simulated, call) + " from the writer thread hung for 10 s (deadlock)");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        }
    }
}
