package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.testing.FaultPlan;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The next segment written ahead of rotation ({@code WalOptions.withSegmentPreparation}): a rotation
 * with a prepared file uses it (its blocks were written with zeros and synced before the header and
 * the first batch); a power cut at every file operation of a preparation loses no acknowledged
 * record and leaves no temporary file after recovery; a preparation that fails (ENOSPC) or never
 * runs changes nothing but the way the segment is created; close leaves no temporary file.
 *
 * <p>On the simulated disk the preparation runs on the writer, at a fixed point
 * ({@link SimulatedDisk#backgroundExecutor()}), so each cut here is one fixed operation and each
 * case replays from the seed it prints.
 */
class SegmentPreparationTest {
    private static final long SEGMENT = 16 << 10;
    private static final int RECORD = 1500;
    /** Three records fill a segment (one 4 KiB block each after the header): eight segments. */
    private static final int RECORDS = 24;

    @TempDir
    Path tmp;

    private static byte[] payload(long sequence) {
        byte[] b = new byte[RECORD];
        new Random(sequence).nextBytes(b);
        return b;
    }

    private static WalOptions options(Storage storage) {
        return WalOptions.defaults().withSegmentSize(SEGMENT).withMaxBatchBytes(1).withStorage(storage);
    }

    /** Every mutating call and every file write, with the number the simulated disk gave it. */
    static final class Recording extends ForwardingStorage {
        final List<String> ops = Collections.synchronizedList(new ArrayList<>());
        private final SimulatedDisk disk;
        private final Executor executor;

        Recording(SimulatedDisk disk, Executor executor) {
            super(disk);
            this.disk = disk;
            this.executor = executor;
        }

        @Override
        public Executor backgroundExecutor() {
            return executor != null ? executor : super.backgroundExecutor();
        }

        private void note(String op) {
            ops.add(disk.mutations() + " " + op);
        }

        @Override
        public StorageFile create(Path path) throws IOException {
            note("create " + path.getFileName());
            return super.create(path);
        }

        @Override
        public void rename(Path source, Path target) throws IOException {
            note("rename " + source.getFileName() + " " + target.getFileName());
            super.rename(source, target);
        }

        @Override
        public void delete(Path path) throws IOException {
            note("delete " + path.getFileName());
            super.delete(path);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            note("syncdir");
            super.syncDirectory(dir);
        }

        @Override
        protected StorageFile wrap(Path path, StorageFile file) {
            String name = path.getFileName().toString();
            return new ForwardingStorageFile(file) {
                @Override
                public void write(ByteBuffer src, long position) throws IOException {
                    boolean zeros = true;
                    for (int i = src.position(); i < src.limit() && zeros; i++) {
                        zeros = src.get(i) == 0;
                    }
                    note("write " + name + " " + position + " " + src.remaining() + (zeros ? " zeros" : ""));
                    super.write(src, position);
                }

                @Override
                public void sync() throws IOException {
                    note("sync " + name);
                    super.sync();
                }

                @Override
                public boolean preallocate(long size) throws IOException {
                    note("preallocate " + name + " " + size);
                    return super.preallocate(size);
                }
            };
        }

        /** The operations (without their numbers) that name {@code part}. */
        List<String> on(String part) {
            synchronized (ops) {
                return ops.stream().map(o -> o.substring(o.indexOf(' ') + 1)).filter(o -> o.contains(part)).toList();
            }
        }
    }

    /** Appends {@link #RECORDS} records, each acknowledged (SYNC); returns how many were acknowledged. */
    private static long appendAll(WriteAheadLog wal, SimulatedDisk disk) throws IOException {
        long acked = 0;
        try {
            for (int i = 1; i <= RECORDS; i++) {
                acked = wal.append(payload(i));
            }
        } catch (IOException e) {
            if (!disk.isOff()) {
                throw e;
            }
        }
        return acked;
    }

    @Test
    void aRotationUsesThePreparedSegmentWhoseBlocksWereWrittenBeforeItsFirstBatch() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Recording storage = new Recording(disk, null);
        Path dir = Files.createDirectories(tmp.resolve("wal"));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(storage))) {
            assertEquals(RECORDS, appendAll(wal, disk));
        }
        String tmpName = "0000000000000002.wal.tmp";
        // A handle keeps the name it was opened under: the batches after the rename show as tmpName too.
        List<String> onTmp = storage.on(tmpName);
        List<String> prepared = onTmp.subList(0, onTmp.indexOf("rename " + tmpName + " 0000000000000002.wal") + 1);
        // The preparation: created, zeros over the whole segment in chunks, synced; then at rotation
        // the header over the zeros, synced, renamed, directory synced; never preallocated.
        List<String> expected = new ArrayList<>(List.of("delete " + tmpName, "create " + tmpName));
        int chunk = 4096;
        for (long at = 0; at < SEGMENT; at += chunk) {
            expected.add("write " + tmpName + " " + at + " " + chunk + " zeros");
        }
        expected.add("sync " + tmpName);
        expected.add("write " + tmpName + " 0 4096");
        expected.add("sync " + tmpName);
        expected.add("rename " + tmpName + " 0000000000000002.wal");
        assertEquals(expected, prepared, "segment 2 was prepared and rotated into: " + storage.ops);
        List<String> all = storage.ops.stream().map(o -> o.substring(o.indexOf(' ') + 1)).toList();
        int renamed = all.indexOf("rename " + tmpName + " 0000000000000002.wal");
        assertEquals("syncdir", all.get(renamed + 1), "the directory is synced right after the rename");
        int firstBatch = all.indexOf("write " + tmpName + " 4096 4096");
        assertTrue(firstBatch > renamed + 1, "the first batch of segment 2 comes after its rename is durable");
        assertTrue(storage.on("preallocate").stream().noneMatch(o -> o.contains("0000000000000002")),
                "a prepared segment is not preallocated");
        // The first segment of a new log is created at open the old way.
        assertTrue(storage.on("preallocate 0000000000000001.wal.tmp").size() == 1, storage.ops.toString());
        assertTrue(storage.on("zeros").stream().noneMatch(o -> o.contains("0000000000000001")),
                "no zeros are written for the first segment");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(disk))) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertRecords(wal, RECORDS);
            assertFalse(disk.list(wal.directory()).stream().anyMatch(n -> n.endsWith(".tmp")),
                    "a clean close leaves no temporary file: " + disk.list(wal.directory()));
        }
    }

    /**
     * A power cut at each file operation from the first of segment 2's preparation to the directory
     * sync after its rename (and a few after), each with several seeds: every acknowledged record is
     * there after reopening, the temporary file is gone, and reported as removed when it survived.
     */
    @Test
    void aPowerCutAtAnyOperationOfAPreparationLosesNoAcknowledgedRecord() throws IOException {
        SimulatedDisk dry = new SimulatedDisk();
        Recording recording = new Recording(dry, null);
        try (WriteAheadLog wal = WriteAheadLog.open(Files.createDirectories(tmp.resolve("dry")), options(recording))) {
            appendAll(wal, dry);
        }
        String tmpName = "0000000000000002.wal.tmp";
        List<Long> numbers = recording.ops.stream().filter(o -> o.contains(tmpName))
                .map(o -> Long.parseLong(o.substring(0, o.indexOf(' ')))).toList();
        long from = numbers.get(0);
        long to = numbers.get(numbers.size() - 1) + 4;
        assertTrue(to - from > 8, "the preparation has operations to cut at: " + recording.ops);
        int cases = 0;
        for (long cut = from; cut <= to; cut++) {
            for (long seed = 0; seed < 6; seed++) {
                cutAndRecover(cut, seed);
                cases++;
            }
        }
        assertTrue(cases > 50);
    }

    private void cutAndRecover(long cut, long seed) throws IOException {
        String label = "cut after " + cut + " mutations, crash seed " + seed;
        SimulatedDisk disk = new SimulatedDisk();
        disk.powerOffAfter(cut);
        Path dir = Files.createDirectories(tmp.resolve("cut-" + cut + "-" + seed)).toRealPath();
        long acked;
        WriteAheadLog wal = WriteAheadLog.open(dir, options(disk));
        acked = appendAll(wal, disk);
        assertTrue(disk.isOff(), label + ": the cut came during the workload");
        PowerOff.abandon(wal);
        SimulatedDisk after = disk.crash(new Random(seed));
        boolean tmpSurvived = after.list(dir).stream().anyMatch(n -> n.endsWith(".wal.tmp"));
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options(after))) {
            List<WalRecord> records = reopened.recover();
            assertTrue(records.size() >= acked, label + ": acknowledged " + acked + ", recovered " + records.size()
                    + "; " + reopened.recoveryReport().summary());
            for (int i = 0; i < records.size(); i++) {
                assertEquals(i + 1, records.get(i).sequence(), label);
                assertArrayEquals(payload(i + 1), records.get(i).payload(), label + ": record " + (i + 1));
            }
            assertFalse(after.list(reopened.directory()).stream().anyMatch(n -> n.endsWith(".tmp")),
                    label + ": recovery removed the temporary file");
            assertEquals(tmpSurvived, reopened.recoveryReport().findings().stream()
                    .anyMatch(f -> f.kind() == RecoveryReport.Kind.TEMPORARY_REMOVED && f.file().endsWith(".wal.tmp")),
                    label + ": " + reopened.recoveryReport().summary());
            assertEquals(records.size() + 1, reopened.append(payload(records.size() + 1)), label);
        }
    }

    /** ENOSPC on the first zero write of the preparation: the rotation falls back, nothing is lost. */
    @Test
    void aFailedPreparationFallsBackAndLosesNothing() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        FaultPlan.FaultyStorage faulty = FaultPlan.create()
                .only(p -> p.getFileName().toString().equals("0000000000000002.wal.tmp"))
                .fail(FaultPlan.Operation.WRITE, 1, FaultPlan.Errno.ENOSPC).over(disk);
        Recording storage = new Recording(disk, null);
        Path dir = Files.createDirectories(tmp.resolve("enospc"));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(new ForwardingStorage(faulty) {
            @Override
            public StorageFile create(Path path) throws IOException {
                storage.ops.add(disk.mutations() + " create " + path.getFileName());
                return super.create(path);
            }
        }))) {
            assertEquals(RECORDS, appendAll(wal, disk));
        }
        assertEquals(1, faulty.failed(FaultPlan.Operation.WRITE), "the preparation's zero write failed");
        assertEquals(2, storage.on("create 0000000000000002.wal.tmp").size(),
                "segment 2 was created twice: by the preparation, then at rotation");
        assertEquals(1, faulty.seen(FaultPlan.Operation.PREALLOCATE),
                "the fallback preallocates segment 2, as a segment created at rotation is");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(disk))) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertRecords(wal, RECORDS);
        }
    }

    /**
     * An executor that never runs the preparation: the rotation cancels it and creates the segment
     * itself without waiting, and the cancelled work, run late, touches nothing.
     */
    @Test
    void aRotationDoesNotWaitForAPreparationThatHasNotRun() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        List<Runnable> queued = new ArrayList<>();
        Recording storage = new Recording(disk, queued::add);
        Path dir = Files.createDirectories(tmp.resolve("queued"));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(storage))) {
            assertEquals(RECORDS, appendAll(wal, disk));
            assertTrue(queued.size() >= 2, "preparations were asked for: " + queued.size());
            // All but the last were cancelled by their rotation.
            int before = storage.ops.size();
            queued.subList(0, queued.size() - 1).forEach(Runnable::run);
            assertEquals(before, storage.ops.size(), "a cancelled preparation does nothing: " + storage.ops);
        }
        // The last was cancelled by close.
        int before = storage.ops.size();
        queued.get(queued.size() - 1).run();
        assertEquals(before, storage.ops.size(), "a preparation cancelled by close does nothing: " + storage.ops);
        assertTrue(storage.on("zeros").isEmpty(), "nothing was prepared");
        assertEquals(1, storage.on("preallocate 0000000000000002.wal.tmp").size(), "created at rotation");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(disk))) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertRecords(wal, RECORDS);
        }
    }

    /** On a real disk, with the preparer's own thread: close stops it and removes its file. */
    @Test
    void closeRemovesTheTemporaryFileOnARealDisk() throws IOException {
        Path dir = tmp.resolve("real");
        WalOptions options = WalOptions.defaults().withSegmentSize(1 << 20).withMaxBatchBytes(1);
        for (int round = 0; round < 3; round++) {
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                // Past half of a segment, so a preparation is under way (or done) when close comes.
                for (int i = 0; i < 400; i++) {
                    wal.append(new byte[RECORD]);
                }
            }
            try (Stream<Path> files = Files.list(dir)) {
                List<String> names = files.map(p -> p.getFileName().toString()).toList();
                assertTrue(names.stream().noneMatch(n -> n.endsWith(".tmp")), names.toString());
            }
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertEquals(1200, wal.recover().size());
        }
    }

    private static void assertRecords(WriteAheadLog wal, int count) throws IOException {
        List<WalRecord> records = wal.recover();
        assertEquals(count, records.size());
        for (int i = 0; i < count; i++) {
            assertArrayEquals(payload(i + 1), records.get(i).payload(), "record " + (i + 1));
        }
    }
}
