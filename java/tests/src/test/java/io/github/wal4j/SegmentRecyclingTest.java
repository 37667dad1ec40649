package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments a checkpoint freed, recycled as next segments ({@code WalOptions.withSegmentRecycling}):
 * the freed file is renamed to a temporary name at the checkpoint, renamed to the next segment's
 * temporary name and synced by the preparation, and at rotation gets a new header (new salt,
 * RECYCLED) before it is renamed into place; no zeros are written for it. A power cut at any file
 * operation around a recycling loses no acknowledged record and returns no record of an earlier
 * use; a reader holding a freed segment keeps it from being recycled.
 *
 * <p>On the simulated disk the preparation runs on the writer ({@link SimulatedDisk#backgroundExecutor()}),
 * so each cut is one fixed operation, replayed from the seed it prints.
 */
class SegmentRecyclingTest {
    private static final long SEGMENT = 16 << 10;
    /** Payload sizes in turn: one, two and three 4 KiB blocks, so that batches of one use straddle those of another. */
    private static final int[] SIZES = {1500, 6000, 300, 9000, 2500};
    private static final int RECORDS = 40;
    /**
     * How far a checkpoint stays behind (every fourth append): about five segments stay live, so
     * recycled segments that newer ones follow are judged at reopen, not removed as covered.
     */
    private static final int LAG = 10;

    @TempDir
    Path tmp;

    static byte[] payload(long sequence) {
        byte[] b = new byte[SIZES[(int) (sequence % SIZES.length)]];
        new Random(sequence).nextBytes(b);
        return b;
    }

    static WalOptions options(io.github.wal4j.spi.Storage storage) {
        return WalOptions.defaults().withSegmentSize(SEGMENT).withMaxBatchBytes(1).withSegmentRecycling(true)
                .withStorage(storage);
    }

    /**
     * Appends {@link #RECORDS} records (each acknowledged), checkpointing {@link #LAG} records
     * behind after every fourth; returns the last acknowledged sequence (the power may go off on the way).
     */
    static long appendAndCheckpoint(WriteAheadLog wal, SimulatedDisk disk) throws IOException {
        long acked = 0;
        try {
            for (int i = 1; i <= RECORDS; i++) {
                acked = wal.append(payload(i));
                if (acked % 4 == 0 && acked > LAG) {
                    wal.checkpoint(acked - LAG);
                }
            }
        } catch (IOException e) {
            if (!disk.isOff()) {
                throw e;
            }
        }
        return acked;
    }

    /**
     * The default options recycle: a checkpoint that frees several segments keeps two of them as
     * {@code <id>.wal.free} (never more, checkpoint after checkpoint), and a clean close deletes
     * the kept files (WalOptions.withSegmentRecycling states both).
     */
    @Test
    void byDefaultACheckpointKeepsAtMostTwoFreedFilesAndCloseDeletesThem() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        Path dir = Files.createDirectories(tmp.resolve("default")).toRealPath();
        WalOptions options = WalOptions.defaults().withSegmentSize(SEGMENT).withMaxBatchBytes(1).withStorage(disk);
        assertTrue(options.segmentRecycling(), "recycling is on by default: " + options);
        // toString names only what differs from the defaults.
        assertFalse(WalOptions.defaults().toString().contains("segmentRecycling"), WalOptions.defaults()::toString);
        assertTrue(WalOptions.defaults().withSegmentRecycling(false).toString().contains(", segmentRecycling=false"),
                WalOptions.defaults().withSegmentRecycling(false)::toString);
        int mostKept = 0;
        List<String> keptAtClose;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            for (int i = 1; i <= RECORDS; i++) {
                long acked = wal.append(payload(i));
                if (i % 12 == 0 || i == RECORDS) {
                    // About five segments of records since the last checkpoint: all but the active one freed.
                    wal.checkpoint(acked);
                    List<String> kept = kept(disk, dir);
                    assertTrue(kept.size() <= 2, "at most two freed files kept: " + disk.list(dir));
                    mostKept = Math.max(mostKept, kept.size());
                }
            }
            keptAtClose = kept(disk, dir);
        }
        assertEquals(2, mostKept, "a checkpoint freeing several segments keeps two");
        assertFalse(keptAtClose.isEmpty(), "the last checkpoint kept a freed file");
        assertEquals(List.of(), kept(disk, dir), "a clean close deletes the kept files " + keptAtClose + ": "
                + disk.list(dir));
    }

    private static List<String> kept(SimulatedDisk disk, Path dir) throws IOException {
        return disk.list(dir).stream().filter(n -> n.endsWith(".wal.free")).toList();
    }

    @Test
    void aSegmentACheckpointFreedBecomesTheNextSegmentWithoutZeros() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        SegmentPreparationTest.Recording storage = new SegmentPreparationTest.Recording(disk, null);
        Path dir = Files.createDirectories(tmp.resolve("wal"));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(storage))) {
            assertEquals(RECORDS, appendAndCheckpoint(wal, disk));
        }
        List<String> renames = storage.on("rename");
        // A freed segment kept at a checkpoint: <old>.wal -> <old>.wal.free; recycled: -> <new>.wal.tmp.
        String kept = renames.stream().filter(r -> r.matches("rename (\\d+)\\.wal \\1\\.wal\\.free")).findFirst()
                .orElseThrow(() -> new AssertionError("no segment kept for recycling: " + storage.ops));
        String old = kept.split(" ")[2];
        String recycledInto = renames.stream().filter(r -> r.startsWith("rename " + old + " ") && r.endsWith(".wal.tmp")).findFirst()
                .orElseThrow(() -> new AssertionError(old + " was never recycled: " + storage.ops)).split(" ")[2];
        String segment = recycledInto.substring(0, recycledInto.length() - ".tmp".length());
        List<String> all = storage.ops.stream().map(o -> o.substring(o.indexOf(' ') + 1)).toList();
        int intoTemporary = all.indexOf("rename " + old + " " + recycledInto);
        // A handle keeps the name it was opened under: from the rename on, the recycled file's
        // operations show under its new temporary name.
        List<String> on = all.subList(intoTemporary, all.size()).stream().filter(o -> o.contains(recycledInto)).toList();
        assertTrue(on.stream().noneMatch(o -> o.startsWith("create ")), "a recycled segment is not created: " + on);
        assertTrue(on.stream().noneMatch(o -> o.endsWith(" zeros")), "no zeros are written over a recycled segment: " + on);
        assertTrue(on.stream().noneMatch(o -> o.startsWith("preallocate ")), on.toString());
        int header = on.indexOf("write " + recycledInto + " 0 4096");
        assertTrue(header > 0 && on.get(header + 1).equals("sync " + recycledInto)
                && on.get(header + 2).equals("rename " + recycledInto + " " + segment),
                "header written over the earlier use's, synced, then renamed into place: " + on);
        assertEquals("syncdir", all.get(intoTemporary + 1), "the rename to the new temporary name is durable before "
                + "anything in the file changes: " + all);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(disk))) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            List<String> segments = disk.list(wal.directory()).stream().filter(n -> n.endsWith(".wal")).sorted()
                    .toList();
            List<String> recycled = new java.util.ArrayList<>();
            for (String name : segments.subList(0, segments.size() - 1)) {
                if ((disk.contents(wal.directory().resolve(name))[10] & 0x02) != 0) {
                    recycled.add(name);
                }
            }
            // Judged at this open as segments a newer one follows, their stale bytes behind them.
            assertTrue(recycled.size() >= 2, "live recycled segments before the newest: " + recycled + " of " + segments);
            assertRecordsFrom(wal.recover(), RECORDS - LAG + 1, RECORDS, "reopened");
            assertFalse(disk.list(wal.directory()).stream().anyMatch(n -> n.endsWith(".tmp")),
                    "a clean close leaves no temporary file: " + disk.list(wal.directory()));
        }
    }

    /**
     * A power cut at each file operation from the first segment kept for recycling to well after
     * the first recycled rotation (the header written but not synced, the rename not yet durable,
     * the first batches over stale bytes), six crash seeds each.
     */
    @Test
    void aPowerCutAtAnyOperationAroundARecyclingLosesNoAcknowledgedRecordAndReturnsNoStaleOne() throws IOException {
        SimulatedDisk dry = new SimulatedDisk();
        SegmentPreparationTest.Recording recording = new SegmentPreparationTest.Recording(dry, null);
        try (WriteAheadLog wal = WriteAheadLog.open(Files.createDirectories(tmp.resolve("dry")), options(recording))) {
            appendAndCheckpoint(wal, dry);
        }
        List<Long> numbers = recording.ops.stream().filter(o -> o.matches("\\d+ rename (\\d+)\\.wal \\1\\.wal\\.free"))
                .map(o -> Long.parseLong(o.substring(0, o.indexOf(' ')))).toList();
        assertTrue(numbers.size() >= 2, "segments were kept for recycling: " + recording.ops);
        // From the first kept segment to past the second recycled rotation.
        long from = numbers.get(0);
        long to = numbers.get(1) + 40;
        // The cuts include the recycled header's write before its sync and the rename into place
        // before the directory sync, of the first recycled segment.
        String first = recording.ops.stream().filter(o -> o.matches("\\d+ rename \\d+\\.wal\\.free \\d+\\.wal\\.tmp"))
                .findFirst().orElseThrow().split(" ")[3];
        long header = number(recording.ops, "write " + first + " 0 4096");
        long intoPlace = number(recording.ops, "rename " + first + " " + first.substring(0, first.length() - 4));
        assertTrue(from < header && header < intoPlace && intoPlace < to, from + " < " + header + " < " + intoPlace
                + " < " + to + ": " + recording.ops);
        int cases = 0;
        for (long cut = from; cut <= to; cut++) {
            for (long seed = 0; seed < 6; seed++) {
                cutAndRecover(cut, seed);
                cases++;
            }
        }
        assertTrue(cases > 100, "cases: " + cases);
    }

    /**
     * A power cut once a checkpoint's kept segment is durably renamed (the directory synced): the
     * kept file is a recycling candidate of its own name, not an interrupted creation, so the
     * recovery that removes it reports clean; the log holds what was acknowledged. (Zero-filled
     * preparation is off, so that no interrupted preparation's {@code .wal.tmp} is beside it.)
     */
    @Test
    void aPowerCutWhileASegmentIsKeptForRecyclingRecoversClean() throws IOException {
        SimulatedDisk dry = new SimulatedDisk();
        SegmentPreparationTest.Recording recording = new SegmentPreparationTest.Recording(dry, null);
        try (WriteAheadLog wal = WriteAheadLog.open(Files.createDirectories(tmp.resolve("dry")), options(recording).withSegmentPreparation(false))) {
            appendAndCheckpoint(wal, dry);
        }
        int at = -1;
        for (int i = 0; i < recording.ops.size() && at < 0; i++) {
            if (recording.ops.get(i).matches("\\d+ rename (\\d+)\\.wal \\1\\.wal\\.\\w+")) {
                at = i;
            }
        }
        assertTrue(at >= 0, "no segment kept for recycling: " + recording.ops);
        String kept = recording.ops.get(at).split(" ")[3];
        String syncdir = recording.ops.subList(at, recording.ops.size()).stream().filter(o -> o.endsWith(" syncdir"))
                .findFirst().orElseThrow();
        // The power goes off with that directory sync, before the preparation creates anything.
        long cut = Long.parseLong(syncdir.substring(0, syncdir.indexOf(' ')));
        SimulatedDisk disk = new SimulatedDisk();
        disk.powerOffAfter(cut);
        Path dir = Files.createDirectories(tmp.resolve("kept")).toRealPath();
        WriteAheadLog wal = WriteAheadLog.open(dir, options(disk).withSegmentPreparation(false));
        long acked = appendAndCheckpoint(wal, disk);
        PowerOff.abandon(wal);
        SimulatedDisk after = disk.crash(new Random(1));
        assertTrue(after.list(dir).contains(kept), "the kept file survived the cut: " + after.list(dir));
        assertTrue(after.list(dir).stream().noneMatch(n -> n.endsWith(".tmp") && !n.equals(kept)), "no interrupted creation: " + after.list(dir));
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options(after).withSegmentPreparation(false))) {
            RecoveryReport report = reopened.recoveryReport();
            assertTrue(report.clean(), "cut after mutation " + cut + ": " + report.summary());
            assertTrue(report.findings().stream().noneMatch(f -> f.kind() == RecoveryReport.Kind.TEMPORARY_REMOVED),
                    report.summary());
            assertFalse(after.list(dir).contains(kept), "the kept file is not left behind: " + after.list(dir));
            assertRecordsFrom(reopened.recover(), 0, acked, report.summary());
        }
    }

    /**
     * A checkpoint that frees several segments keeps two of them (the pool), so the next two
     * rotations are both made from freed files; a third freed segment is deleted.
     */
    @Test
    void aCheckpointThatFreesManySegmentsKeepsTwoForTheNextTwoRotations() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        SegmentPreparationTest.Recording storage = new SegmentPreparationTest.Recording(disk, null);
        Path dir = Files.createDirectories(tmp.resolve("pool"));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(storage))) {
            long last = 0;
            while (disk.list(wal.directory()).stream().filter(n -> n.endsWith(".wal")).count() < 6) {
                last = wal.append(payload(last + 1));
            }
            int mark = storage.ops.size();
            wal.checkpoint(last);
            List<String> kept = storage.ops.subList(mark, storage.ops.size()).stream()
                    .filter(o -> o.matches("\\d+ rename (\\d+)\\.wal \\1\\.wal\\.free")).map(o -> o.split(" ")[3])
                    .toList();
            assertEquals(2, kept.size(), "segments kept by a checkpoint that freed five: " + storage.ops.subList(mark,
                    storage.ops.size()));
            long segments = disk.list(wal.directory()).stream().filter(n -> n.endsWith(".wal")).count();
            while (disk.list(wal.directory()).stream().filter(n -> n.endsWith(".wal")).count() < segments + 2) {
                last = wal.append(payload(last + 1));
            }
            for (String file : kept) {
                assertTrue(storage.ops.stream().anyMatch(o -> o.matches("\\d+ rename " + file.replace(".", "\\.")
                        + " \\d+\\.wal\\.tmp")), file + " was recycled by one of the next two rotations: "
                        + storage.ops.subList(mark, storage.ops.size()));
            }
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(disk))) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
    }

    /** The mutation number of the first recorded operation {@code op}. */
    private static long number(List<String> ops, String op) {
        String found = ops.stream().filter(o -> o.substring(o.indexOf(' ') + 1).equals(op)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + op + " in " + ops));
        return Long.parseLong(found.substring(0, found.indexOf(' ')));
    }

    private void cutAndRecover(long cut, long seed) throws IOException {
        String label = "cut after " + cut + " mutations, crash seed " + seed;
        SimulatedDisk disk = new SimulatedDisk();
        disk.powerOffAfter(cut);
        Path dir = Files.createDirectories(tmp.resolve("cut-" + cut + "-" + seed)).toRealPath();
        WriteAheadLog wal = WriteAheadLog.open(dir, options(disk));
        long acked = appendAndCheckpoint(wal, disk);
        PowerOff.abandon(wal);
        SimulatedDisk after = disk.crash(new Random(seed));
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options(after))) {
            List<WalRecord> records = reopened.recover();
            long last = assertRecordsFrom(records, 0, acked, label + "; " + reopened.recoveryReport().summary());
            assertFalse(after.list(reopened.directory()).stream().anyMatch(n -> n.endsWith(".tmp")),
                    label + ": recovery removed every temporary file");
            assertEquals(last + 1, reopened.append(payload(last + 1)), label);
        }
    }

    /**
     * Checks {@code records} are consecutive, each holding its own payload (a record of an earlier
     * use would hold another sequence's), start at or before {@code firstAtMost} (0: any), and reach
     * at least {@code acked}; returns the last sequence.
     */
    static long assertRecordsFrom(List<WalRecord> records, long firstAtMost, long acked, String label) {
        if (records.isEmpty()) {
            assertTrue(acked <= LAG, label + ": no record recovered, " + acked + " acknowledged");
            return acked;
        }
        long first = records.get(0).sequence();
        assertTrue(firstAtMost == 0 || first <= firstAtMost, label + ": starts at " + first);
        for (int i = 0; i < records.size(); i++) {
            long sequence = first + i;
            assertEquals(sequence, records.get(i).sequence(), label);
            assertArrayEquals(payload(sequence), records.get(i).payload(), label + ": record " + sequence);
        }
        long last = first + records.size() - 1;
        assertTrue(last >= acked, label + ": acknowledged up to " + acked + ", recovered up to " + last);
        return last;
    }

    /**
     * A reader that has a freed segment open keeps it from being recycled (a recycled file is
     * overwritten under its handle; a deleted one stays readable): the reader reads it whole. The
     * segment is larger than a reader's read-ahead (1 MiB), so the reader reads its later records
     * from the file after the checkpoint, and after the rotations that would have recycled it.
     */
    @Test
    void aSegmentAReaderHasOpenIsDeletedNotRecycled() throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        SegmentPreparationTest.Recording storage = new SegmentPreparationTest.Recording(disk, null);
        Path dir = Files.createDirectories(tmp.resolve("reader"));
        WalOptions options = options(storage).withSegmentSize(4 << 20);
        byte[][] payloads = new byte[400][];
        for (int i = 1; i < payloads.length; i++) {
            payloads[i] = new byte[64 << 10];
            new Random(i).nextBytes(payloads[i]);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            int appended = 0;
            while (disk.list(wal.directory()).stream().noneMatch(n -> n.equals("0000000000000002.wal"))) {
                wal.append(payloads[++appended]);
            }
            long secondStarts = appended;
            try (WalReader reader = wal.reader(1)) {
                assertEquals(1, reader.next().sequence(), "the reader has segment 1 open");
                // Frees segment 1 only, then fills two more segments: with it recycled, the second
                // rotation after would write a new header and batches over it.
                wal.checkpoint(secondStarts - 1);
                while (appended < 300) {
                    wal.append(payloads[++appended]);
                }
                for (long s = 2; s < secondStarts; s++) {
                    WalRecord r = reader.next();
                    assertEquals(s, r.sequence());
                    assertArrayEquals(payloads[(int) s], r.payload(), "record " + s + " read from the freed segment");
                }
            }
            assertTrue(storage.on("delete").contains("delete 0000000000000001.wal"),
                    "segment 1, open in a reader, was deleted: " + storage.on("delete"));
            assertTrue(storage.on("rename 0000000000000001.wal ").isEmpty(), "and not recycled: " + storage.ops);
        }
    }

    /**
     * On a real disk through the build's I/O layer (java or native): 1 MiB segments recycled over
     * and over with records of random sizes, reopened between rounds; every round recovers exactly
     * the records after its checkpoint, and the log ends up with recycled segments.
     */
    @Test
    void recycledSegmentsOnARealDiskRecoverExactly() throws IOException {
        Path dir = tmp.resolve("real");
        WalOptions options = WalOptions.defaults().withSegmentSize(1 << 20).withSegmentRecycling(true);
        Random random = new Random(42);
        long checkpoint = 0;
        long last = 0;
        int recycled = 0;
        for (int round = 0; round < 4; round++) {
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                assertTrue(wal.recoveryReport().clean(), "round " + round + ": " + wal.recoveryReport().summary());
                List<WalRecord> records = wal.recover();
                assertEquals(last - checkpoint, records.size(), "round " + round);
                for (WalRecord r : records) {
                    assertArrayEquals(realPayload(r.sequence()), r.payload(), "record " + r.sequence());
                }
                for (int i = 0; i < 400; i++) {
                    last = wal.append(realPayload(last + 1));
                    if (random.nextInt(50) == 0) {
                        checkpoint = last - random.nextInt(5);
                        wal.checkpoint(checkpoint);
                    }
                }
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".wal")).toList()) {
                    try (FileChannel ch = FileChannel.open(p)) {
                        ByteBuffer flags = ByteBuffer.allocate(2);
                        ch.read(flags, 10);
                        recycled += (flags.flip().getShort() & 0x200) != 0 ? 1 : 0;
                    }
                }
            }
        }
        assertTrue(recycled > 0, "some segments were recycled");
    }

    static byte[] realPayload(long sequence) {
        Random r = new Random(sequence);
        byte[] b = new byte[1 + r.nextInt(20_000)];
        r.nextBytes(b);
        return b;
    }
}
