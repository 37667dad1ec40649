package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.wal4j.DurableWatermark;
import io.github.wal4j.Durability;
import io.github.wal4j.InFlightLimit;
import io.github.wal4j.Protection;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WalStats;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SegmentWriter} on the pure-Java layer in a temporary directory: what it writes reads back
 * through {@link LogReader} (which validates every batch whole), the marks move only after a sync,
 * rotation and the seal.
 */
class SegmentWriterTest {
    private static final int ALIGNMENT = 4096;
    private static final int MAX_RECORD = 1 << 16;

    @TempDir
    Path dir;

    private final SegmentKeys keys = new SegmentKeys(Protection.NONE, null, MAX_RECORD);
    private final SegmentList segments = new SegmentList();
    private final List<Long> watermarks = new ArrayList<>();
    private long nextSequence = 1;

    private SegmentWriter writer(Storage storage, Durability durability, long segmentSize) throws IOException {
        return writer(storage, durability, segmentSize, false);
    }

    private SegmentWriter writer(Storage storage, Durability durability, long segmentSize, boolean sealedAtOpen)
            throws IOException {
        DurableWatermark watermark = new DurableWatermark() {
            @Override
            public long lastDurable() {
                return 0;
            }

            @Override
            public void durable(long sequence) {
                watermarks.add(sequence);
            }
        };
        CommitConfig config = new CommitConfig(storage, dir, keys, durability, segmentSize, ALIGNMENT, false,
                1 << 20, watermark, new CommitTuning(true, true), InFlightLimit.defaults(), null);
        ActiveSegment active = ActiveSegment.create(storage, dir, keys, 1, 1, ALIGNMENT, segmentSize, false);
        segments.add(new SegmentList.Entry(1, active.path, 1));
        return new SegmentWriter(config, segments, active, 1, sealedAtOpen);
    }

    private List<CommitRequest> appends(SegmentWriter writer, int count, int size) {
        List<CommitRequest> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long sequence = nextSequence++;
            byte[] payload = payload(sequence, size);
            CommitRequest.Append append = new CommitRequest.FutureAppend(new CompletableFuture<>());
            append.queued(sequence, payload, RecordFormat.framedSize(size) + writer.sealOverhead(), System.nanoTime());
            batch.add(append);
        }
        return batch;
    }

    private static byte[] payload(long sequence, int size) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (sequence * 31 + i);
        }
        return payload;
    }

    private List<WalRecord> read(Storage storage, WriteMark upTo) throws IOException {
        List<WalRecord> records = new ArrayList<>();
        try (LogReader reader = new LogReader(storage, segments.snapshot(), upTo, 1, MAX_RECORD, keys)) {
            for (WalRecord r = reader.next(); r != null; r = reader.next()) {
                records.add(r);
            }
        }
        return records;
    }

    private static void assertRecords(List<WalRecord> records, long first, long last, int size) {
        assertEquals(last - first + 1, records.size());
        for (WalRecord r : records) {
            assertEquals(first++, r.sequence());
            assertArrayEquals(payload(r.sequence(), size), r.payload());
        }
    }

    @Test
    void aSyncBatchIsOneAlignedBatchDurableWhenCommitReturns() throws IOException {
        Storage storage = new JavaStorage();
        SegmentWriter writer = writer(storage, Durability.SYNC, 1 << 20);
        writer.commit(appends(writer, 3, 100));

        WriteMark mark = writer.durableMark();
        assertEquals(writer.mark(), mark);
        assertEquals(new WriteMark(1, ALIGNMENT + BatchHeader.footprint(3 * (100 + RecordFormat.OVERHEAD),
                ALIGNMENT), 4), mark);
        assertEquals(3, writer.durableSequence());
        assertEquals(List.of(3L), watermarks, "the watermark hears of the sync");
        assertEquals(3, writer.lastBatchRecords());
        assertRecords(read(storage, mark), 1, 3, 100);

        writer.commit(appends(writer, 2, 10));
        assertRecords(read(storage, mark), 1, 3, 100);
        assertEquals(6, writer.durableMark().nextSequence());
        WalStats stats = writer.stats("java", false);
        assertEquals(5, stats.appends());
        assertEquals(320, stats.bytes(), "payload bytes only");
        assertEquals(2, stats.batches());
        assertEquals(2, stats.fsyncs());
    }

    @Test
    void aBufferedBatchIsDurableOnlyOnceABarrierAsksForASync() throws IOException {
        Storage storage = new JavaStorage();
        SegmentWriter writer = writer(storage, Durability.BUFFERED, 1 << 20);
        writer.commit(appends(writer, 2, 50));
        assertEquals(0, writer.durableSequence());
        assertEquals(1, writer.durableMark().nextSequence());
        assertEquals(3, writer.mark().nextSequence());
        assertRecords(read(storage, writer.mark()), 1, 2, 50);

        writer.commit(List.of(new CommitRequest.Barrier(false, new CompletableFuture<>())));
        assertEquals(0, writer.durableSequence(), "a flush does not sync");
        writer.commit(List.of(new CommitRequest.Barrier(true, new CompletableFuture<>())));
        assertEquals(2, writer.durableSequence());
        assertEquals(writer.mark(), writer.durableMark());
        assertEquals(List.of(2L), watermarks);
    }

    @Test
    void aBatchThatDoesNotFitStartsTheNextSegmentAfterItsFirstSequence() throws IOException {
        Storage storage = new JavaStorage();
        SegmentWriter writer = writer(storage, Durability.SYNC, 4 * ALIGNMENT);
        for (int i = 0; i < 7; i++) {
            writer.commit(appends(writer, 1, 3000));
        }
        List<SegmentList.Entry> all = segments.snapshot();
        assertEquals(3, all.size(), "three batches per segment of four blocks after the header");
        assertEquals(List.of(1L, 4L, 7L), all.stream().map(SegmentList.Entry::firstSequence).toList());
        assertEquals(new WriteMark(3, 2 * ALIGNMENT, 8), writer.durableMark());
        assertRecords(read(storage, writer.durableMark()), 1, 7, 3000);
    }

    @Test
    void theSealFollowsTheLastBatchAndIsWrittenOnlyWhenTheLogDoesNotEndInOne() throws IOException {
        Storage storage = new JavaStorage();
        SegmentWriter writer = writer(storage, Durability.BUFFERED, 1 << 20);
        writer.commit(appends(writer, 4, 20));
        long end = writer.mark().offset();
        CloseMark sealed = writer.seal();
        writer.closeFile();
        assertEquals(new CloseMark(4, 1, end + ALIGNMENT), sealed);
        assertEquals(4, writer.durableSequence(), "made durable before the seal");

    }

    @Test
    void aLogThatEndsInASealAndGotNothingNewIsNotSealedAgain() throws IOException {
        SegmentWriter writer = writer(new JavaStorage(), Durability.SYNC, 1 << 20, true);
        assertEquals(new CloseMark(0, 1, ALIGNMENT), writer.seal());
        writer.closeFile();
    }

    @Test
    void aLogThatDoesNotEndInASealGetsOneEvenWithNothingNew() throws IOException {
        SegmentWriter writer = writer(new JavaStorage(), Durability.SYNC, 1 << 20, false);
        assertEquals(new CloseMark(0, 1, 2 * ALIGNMENT), writer.seal());
        writer.closeFile();
    }

    @Test
    void aFailedSyncThrowsAndMovesNeitherTheDurableMarkNorTheWatermark() throws IOException {
        boolean[] failSyncs = {false};
        Storage storage = new ForwardingStorage(new JavaStorage()) {
            @Override
            protected StorageFile wrap(Path path, StorageFile file) {
                return new ForwardingStorageFile(file) {
                    @Override
                    public void sync() throws IOException {
                        if (failSyncs[0]) {
                            throw new IOException("fdatasync: EIO");
                        }
                        super.sync();
                    }
                };
            }
        };
        SegmentWriter writer = writer(storage, Durability.SYNC, 1 << 20);
        writer.commit(appends(writer, 1, 10));
        WriteMark durable = writer.durableMark();
        failSyncs[0] = true;
        IOException e = assertThrows(IOException.class, () -> writer.commit(appends(writer, 1, 10)));
        assertEquals("fdatasync: EIO", e.getMessage());
        assertEquals(durable, writer.durableMark());
        assertEquals(1, writer.durableSequence());
        assertEquals(List.of(1L), watermarks);
        assertEquals(3, writer.mark().nextSequence(), "written, never acknowledged");
    }
}
