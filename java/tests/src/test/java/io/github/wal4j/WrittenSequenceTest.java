package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.SimulatedDisk;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WriteAheadLog#writtenSequence()}, the write mark: while a batch's fdatasync runs it is the
 * batch's last record, ahead of the durable mark, and records queued behind the batch are not under
 * it; it is no durability promise, so no reader or tailer returns a record up to it before its
 * fdatasync returned (a reader waits for it, a tailer delivers nothing). Syncs are held in the
 * layer ({@link HeldSyncs}).
 */
class WrittenSequenceTest {
    @TempDir
    Path tmp;

    private static byte[] record(long i) {
        return new byte[] {(byte) i};
    }

    private static List<Long> readAll(WriteAheadLog wal) throws Exception {
        List<Long> sequences = new ArrayList<>();
        try (WalReader reader = wal.reader(1)) {
            WalRecord r;
            while ((r = reader.next()) != null) {
                sequences.add(r.sequence());
            }
        }
        return sequences;
    }

    @Test
    @Timeout(60)
    void theWriteMarkIsTheBatchWhoseFdatasyncRunsAndNoReaderReturnsItBeforeItIsDurable() throws Exception {
        HeldSyncs layer = new HeldSyncs(new SimulatedDisk());
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), WalOptions.defaults().withStorage(layer))) {
            assertEquals(1, wal.append(record(1)));
            assertEquals(1, wal.writtenSequence(), "a durable log is written up to its durable mark");
            try (WalTailer tailer = wal.tail(2, TailOptions.defaults())) {
                layer.hold();
                boolean held = true;
                try {
                    CompletableFuture<Long> two = wal.appendAsync(record(2));
                    assertTrue(layer.awaitWriterHeld(10), "the writer never reached record 2's fdatasync");
                    // Behind the batch in its fdatasync: the next batch's.
                    CompletableFuture<Long> three = wal.appendAsync(record(3));
                    assertEquals(3, wal.lastSequence());
                    assertEquals(2, wal.writtenSequence(), "record 2 is in the batch whose fdatasync runs, 3 is not");
                    assertEquals(1, wal.durableSequence());
                    assertFalse(two.isDone(), "record 2 acknowledged before its fdatasync returned");
                    // A reader waits until what was appended before it is durable.
                    CompletableFuture<List<Long>> read = CompletableFuture.supplyAsync(() -> {
                        try {
                            return readAll(wal);
                        } catch (Exception e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    });
                    assertNull(tailer.next(Duration.ofMillis(50)), "a tailer delivered a record not yet durable");
                    assertFalse(read.isDone(), "a reader returned while records under the write mark were not durable");
                    layer.release();
                    held = false;
                    assertEquals(2, two.get(10, TimeUnit.SECONDS));
                    assertEquals(3, three.get(10, TimeUnit.SECONDS));
                    assertEquals(List.of(1L, 2L, 3L), read.get(10, TimeUnit.SECONDS));
                    assertEquals(3, wal.writtenSequence());
                    assertEquals(3, wal.durableSequence());
                    assertEquals(2, tailer.next(Duration.ofSeconds(10)).sequence());
                } finally {
                    if (held) {
                        layer.release(); // else closing the log would wait for the held fdatasync
                    }
                }
            }
        }
    }
}
