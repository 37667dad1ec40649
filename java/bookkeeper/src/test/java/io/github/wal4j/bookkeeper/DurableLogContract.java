package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.wal4j.DurableLog;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalReader;
import io.github.wal4j.WalRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The {@link DurableLog} contract, run against each implementation (a subclass per log): the same
 * assertions for the local log and the BookKeeper log. Each test gets a log of its own.
 */
abstract class DurableLogContract {
    /** The largest record both logs are opened to accept. */
    static final int MAX_RECORD = 64 * 1024;

    /** A new, empty log, accepting records up to {@link #MAX_RECORD}. */
    abstract DurableLog create() throws Exception;

    /** The same log opened again after {@code log} was closed. */
    abstract DurableLog reopen(DurableLog log) throws Exception;

    static byte[] record(long i) {
        return ("record-" + i + "-" + "x".repeat((int) (i % 37))).getBytes(StandardCharsets.UTF_8);
    }

    static List<WalRecord> replayAll(DurableLog log, long from) throws Exception {
        List<WalRecord> out = new ArrayList<>();
        log.replay(from, (seq, payload) -> {
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            out.add(new WalRecord(seq, b));
        });
        return out;
    }

    static List<WalRecord> readAll(DurableLog log, long from) throws Exception {
        List<WalRecord> out = new ArrayList<>();
        try (WalReader r = log.reader(from)) {
            for (WalRecord rec; (rec = r.next()) != null; ) {
                out.add(rec);
            }
        }
        return out;
    }

    static void assertRecords(long first, long last, List<WalRecord> got) {
        assertEquals(last - first + 1, got.size(), "records " + first + ".." + last);
        for (int i = 0; i < got.size(); i++) {
            assertEquals(first + i, got.get(i).sequence());
            assertArrayEquals(record(first + i), got.get(i).payload(), "payload of " + (first + i));
        }
    }

    @Test
    void appendReturnsContiguousSequencesAndReplayReturnsThem() throws Exception {
        try (DurableLog log = create()) {
            assertEquals(0, log.lastSequence());
            for (long i = 1; i <= 150; i++) {
                assertEquals(i, log.append(record(i)));
            }
            assertEquals(150, log.lastSequence());
            assertEquals(150, log.durableSequence());
            assertRecords(1, 150, replayAll(log, 1));
            assertRecords(1, 150, replayAll(log, 0));
            assertRecords(77, 150, replayAll(log, 77));
            assertRecords(1, 150, readAll(log, 1));
            assertRecords(140, 150, readAll(log, 140));
            assertEquals(0, replayAll(log, 151).size());
        }
    }

    @Test
    void appendAsyncCompletesEachFutureWithItsOwnSequence() throws Exception {
        try (DurableLog log = create()) {
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (long i = 1; i <= 500; i++) {
                futures.add(log.appendAsync(record(i)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(i + 1L, futures.get(i).get());
            }
            assertEquals(500, log.durableSequence());
            assertRecords(1, 500, readAll(log, 1));
        }
    }

    @Test
    void replayGivesAReadOnlyViewOfThePayload() throws Exception {
        try (DurableLog log = create()) {
            log.append(new byte[] {1, 2, 3});
            log.append(new byte[0]);
            List<Integer> sizes = new ArrayList<>();
            log.replay(1, (seq, payload) -> {
                assertEquals(true, payload.isReadOnly());
                sizes.add(payload.remaining());
                if (seq == 1) {
                    assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), payload);
                }
            });
            assertEquals(List.of(3, 0), sizes);
        }
    }

    @Test
    void sequencesContinueAcrossAReopen() throws Exception {
        DurableLog log = create();
        for (long i = 1; i <= 40; i++) {
            log.append(record(i));
        }
        log.close();
        try (DurableLog again = reopen(log)) {
            assertEquals(40, again.lastSequence());
            assertEquals(40, again.durableSequence());
            assertRecords(1, 40, replayAll(again, 1));
            for (long i = 41; i <= 60; i++) {
                assertEquals(i, again.append(record(i)));
            }
            assertRecords(1, 60, readAll(again, 1));
        }
    }

    @Test
    void checkpointHidesCoveredRecordsDurably() throws Exception {
        DurableLog log = create();
        for (long i = 1; i <= 100; i++) {
            log.append(record(i));
        }
        log.checkpoint(30);
        assertEquals(30, log.checkpointSequence());
        assertRecords(31, 100, replayAll(log, 1));
        assertRecords(31, 100, readAll(log, 5));
        assertRecords(50, 100, readAll(log, 50));
        log.checkpoint(10); // at or below the current one: nothing
        assertEquals(30, log.checkpointSequence());
        assertThrows(IllegalArgumentException.class, () -> log.checkpoint(-1));
        assertThrows(IllegalArgumentException.class, () -> log.checkpoint(101));
        log.close();
        try (DurableLog again = reopen(log)) {
            assertEquals(30, again.checkpointSequence());
            assertRecords(31, 100, replayAll(again, 1));
            assertEquals(101, again.append(record(101)));
            again.checkpoint(101);
            assertEquals(0, replayAll(again, 1).size());
            assertEquals(102, again.append(record(102)));
            assertRecords(102, 102, readAll(again, 1));
        }
    }

    @Test
    void aClosedLogRefusesWorkWithWalClosedException() throws Exception {
        DurableLog log = create();
        log.append(record(1));
        log.close();
        log.close(); // again: nothing
        assertThrows(WalClosedException.class, () -> log.append(record(2)));
        ExecutionException e = assertThrows(ExecutionException.class, () -> log.appendAsync(record(2)).get());
        assertInstanceOf(WalClosedException.class, e.getCause());
        assertThrows(WalClosedException.class, () -> log.checkpoint(1));
        assertEquals(true, log.describe().length() > 0);
    }

    @Test
    void badInputIsRefusedWithTypedExceptions() throws Exception {
        try (DurableLog log = create()) {
            assertThrows(NullPointerException.class, () -> log.append(null));
            assertThrows(NullPointerException.class, () -> log.appendAsync(null));
            assertThrows(NullPointerException.class, () -> log.replay(1, null));
            assertThrows(RecordTooLargeException.class, () -> log.append(new byte[MAX_RECORD + 1]));
            assertEquals(1, log.append(new byte[MAX_RECORD]));
            try (WalReader r = log.reader(1)) {
                assertEquals(MAX_RECORD, r.next().payload().length);
                assertNull(r.next());
            }
        }
    }
}
