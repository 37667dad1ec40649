package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.io.IoLayers;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.testing.internal.Records;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@link DurableWatermark} runs on the thread that synced while that thread holds the log's
 * commit: the writer thread, or a lone blocking {@code append} caller that committed its own record
 * (self-commit, on a layer whose I/O survives interrupts: the native layer and the simulated disk).
 * A blocking call of the log from {@code durable()} would either wait for the commit its own thread
 * holds (a deadlock) or write a batch in the middle of the one being synced. On either thread it is
 * refused with an {@link IllegalStateException} that names the rule; like any exception from the
 * watermark it stops the log, and nothing is written twice: a reopen recovers exactly the records
 * acknowledged before, each once.
 */
class WatermarkCallbackTest {
    @TempDir
    Path tmp;

    private static Storage layer(boolean simulated) throws IOException {
        return simulated ? new SimulatedDisk() : IoLayers.select(WalOptions.defaults().ioLayer());
    }

    /** Appends a record from {@code durable()} once the log holds {@code from} records, and keeps what it threw. */
    private static final class AppendingWatermark implements DurableWatermark {
        private final long from;
        private final AtomicReference<WriteAheadLog> log = new AtomicReference<>();
        private final AtomicReference<Throwable> thrown = new AtomicReference<>();
        private volatile boolean tried;

        AppendingWatermark(long from) {
            this.from = from;
        }

        @Override
        public long lastDurable() {
            return 0;
        }

        @Override
        public void durable(long sequence) throws IOException {
            WriteAheadLog wal = log.get();
            if (wal == null || sequence < from || tried) {
                return;
            }
            tried = true;
            try {
                wal.append(new byte[] {9, 9, 9});
            } catch (IOException | RuntimeException e) {
                thrown.set(e);
                throw e;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aBlockingAppendFromTheWatermarkIsRefusedAndNothingIsWrittenTwice(boolean simulated) throws Exception {
        Storage storage = layer(simulated);
        Path dir = tmp.resolve(simulated ? "sim" : "layer");
        AppendingWatermark watermark = new AppendingWatermark(3);
        WalOptions options = WalOptions.defaults().withStorage(storage).withDurableWatermark(watermark);
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        watermark.log.set(wal);
        assertEquals(1, wal.append(Records.payload(1)));
        assertEquals(2, wal.append(Records.payload(2)));
        WalFailedException failed = assertThrows(WalFailedException.class, () -> wal.append(Records.payload(3)),
                "the watermark threw, so record 3 is not acknowledged");
        Throwable refused = watermark.thrown.get();
        assertInstanceOf(IllegalStateException.class, refused, "the nested append is refused: " + refused);
        assertTrue(refused.getMessage().contains("DurableWatermark") || refused.getMessage().contains("writer thread"),
                refused.getMessage());
        assertInstanceOf(IllegalStateException.class, failed.getCause(), "the log failed because of the refusal");
        assertThrows(WalFailedException.class, wal::close);
        // Record 3 was written and synced before the watermark was told: it may be there, once;
        // the refused record never is.
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            List<WalRecord> records = reopened.recover();
            assertTrue(records.size() == 2 || records.size() == 3, records.size() + " records");
            for (int i = 0; i < records.size(); i++) {
                assertEquals(i + 1, records.get(i).sequence());
                assertArrayEquals(Records.payload(i + 1), records.get(i).payload(), "record " + (i + 1));
            }
        }
    }
}
