package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.wal4j.fixtures.LayoutModel;
import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.fixtures.Tries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * Property: records of random sizes (0 up to beyond a segment and the maximum record size, edge
 * sizes included) are appended through the public API; the log, closed cleanly or not, is cut at a
 * random byte offset (inside a segment header, a batch header, a length field, a payload, a CRC, on
 * a segment or batch boundary) and everything after it is gone. Reopening returns exactly the
 * records that lie wholly before the cut, in order, never part of one; the log then takes appends
 * with contiguous sequence numbers. A cut that loses a record of a cleanly closed log is refused
 * instead, with nothing changed: its clean-close mark says where it ended. Each case draws the log's protection (none, AES-256-GCM or the
 * HMAC chain: records 16 or 32 bytes longer, a longer segment header); it is printed with the
 * falsifying case. Reproduce a failure with {@code -DQT_SEED=<printed seed>}.
 */
class TruncationPropertyTest {
    static final int MAX_RECORD = 36000;
    static final long SEGMENT = 32 << 10;

    @TempDir
    Path tmp;

    static Gen<Integer> recordSizes() {
        int fill = LayoutModel.BLOCK - LayoutModel.BATCH_HEADER - 8; // one record fills a block exactly
        int[] edges = {0, 1, fill, fill + 1, fill - 16, fill - 15, fill - 32, fill - 31,
            (int) SEGMENT - 2 * LayoutModel.BLOCK - 44, (int) SEGMENT, MAX_RECORD};
        return integers().between(0, 1500)
                .mix(integers().between(0, MAX_RECORD), 25)
                .mix(integers().between(0, edges.length - 1).map(i -> edges[i]), 20);
    }

    static byte[] payload(long sequence, int size) {
        byte[] b = new byte[size];
        new Random(sequence * 7919 + size).nextBytes(b);
        return b;
    }

    /** Writes the records through the public API; returns the disk as it is afterwards. */
    static SimulatedDisk write(Path dir, List<Integer> sizes, boolean closeCleanly, LayoutModel model,
            Protection protection) throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        WriteAheadLog wal = WriteAheadLog.open(dir, options(disk, protection));
        for (int i = 0; i < sizes.size(); i++) {
            long seq = wal.append(payload(i + 1, sizes.get(i)));
            assertEquals(i + 1, seq);
            model.append(seq, sizes.get(i));
        }
        if (closeCleanly) {
            wal.close();
            model.close();
            return trimPreparedTails(disk, dir, model);
        }
        // Power off with nothing pending: every batch was synced, but no seal was written.
        SimulatedDisk after = disk.crash(new Random(0));
        PowerOff.abandon(wal);
        return trimPreparedTails(after, dir, model);
    }

    /**
     * A segment prepared ahead of rotation ({@code WalOptions.withSegmentPreparation}) holds zeros
     * over its whole size: they must be zeros (checked here), and are cut, so that the model's
     * layout (each segment ends at its last batch) is the file's and the cuts and damage of the
     * properties land in what it lays out. Damage in a zero tail is CorruptionTest's.
     */
    static SimulatedDisk trimPreparedTails(SimulatedDisk disk, Path dir, LayoutModel model) throws IOException {
        for (int i = 0; i < model.segments().size(); i++) {
            byte[] contents = disk.contents(segment(dir, i));
            if (contents.length == SEGMENT && model.fileSize(i) < SEGMENT) {
                for (int at = (int) model.fileSize(i); at < contents.length; at++) {
                    assertEquals(0, contents[at], "prepared segment " + (i + 1) + " holds zeros past its batches");
                }
                disk.replace(segment(dir, i), Arrays.copyOf(contents, (int) model.fileSize(i)));
            }
        }
        return disk;
    }

    static WalOptions options(SimulatedDisk disk, Protection protection) {
        return Protections.apply(WalOptions.defaults().withSegmentSize(SEGMENT).withMaxRecordSize(MAX_RECORD)
                .withStorage(disk), protection);
    }

    static Path segment(Path dir, int index) {
        return dir.resolve(String.format("%016d.wal", index + 1));
    }

    @Test
    @Timeout(600)
    void recoveryReturnsExactlyTheRecordsWhollyBeforeTheCut() {
        qt().withExamples(Tries.count()).withShrinkCycles(300)
                .forAll(lists().of(recordSizes()).ofSizeBetween(0, 30), booleans().all(), longs().between(0, 1L << 40),
                        arbitrary().enumValues(Protection.class))
                .checkAssert((sizes, closeCleanly, cutSeed, protection) -> {
                    try {
                        check(sizes, closeCleanly, cutSeed, protection);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    private void check(List<Integer> sizes, boolean closeCleanly, long cutSeed, Protection protection)
            throws IOException {
        Path dir = Files.createTempDirectory(tmp, "wal");
        LayoutModel model = new LayoutModel(SEGMENT, Protections.sealBytes(protection));
        SimulatedDisk disk = write(dir, sizes, closeCleanly, model, protection);

        long total = 0;
        for (int i = 0; i < model.segments().size(); i++) {
            byte[] contents = disk.contents(segment(dir, i));
            assertEquals(model.fileSize(i), contents.length, "layout of segment " + (i + 1));
            total += model.fileSize(i);
        }
        // Half the cuts land on or next to a batch boundary, where off-by-one errors live.
        Random random = new Random(cutSeed);
        long cut = random.nextInt(2) == 0 || total == 0 ? (long) (random.nextDouble() * (total + 1))
                : nearBoundary(model, random, protection);
        List<Long> expected = new ArrayList<>();
        long base = 0;
        for (int i = 0; i < model.segments().size(); i++) {
            long size = model.fileSize(i);
            Path file = segment(dir, i);
            if (cut >= base + size) {
                model.segments().get(i).stream().filter(b -> !b.seal()).forEach(b -> expected.add(b.sequence()));
            } else if (cut > base || (cut == base && i == 0)) {
                long local = cut - base;
                model.segments().get(i).stream().filter(b -> !b.seal() && b.end() <= local)
                        .forEach(b -> expected.add(b.sequence()));
                disk.replace(file, Arrays.copyOf(disk.contents(file), (int) local));
            } else {
                disk.delete(file);
            }
            base += size;
        }
        disk.syncDirectory(dir);

        if (closeCleanly && expected.size() < sizes.size()) {
            // The clean close recorded where the log ended (CLOSE_MARK): a cut that loses any of its
            // records is damage to acknowledged data, refused with nothing changed.
            Map<String, byte[]> before = new TreeMap<>();
            for (String name : disk.list(dir)) {
                before.put(name, disk.contents(dir.resolve(name)));
            }
            WalCorruptedException e = assertThrows(WalCorruptedException.class,
                    () -> WriteAheadLog.open(dir, options(disk, protection)).close(),
                    "cut at " + cut + " of " + total + " loses records of a cleanly closed log");
            assertTrue(e.getMessage().contains("closed cleanly with records up to " + sizes.size()), e.getMessage());
            for (Map.Entry<String, byte[]> file : before.entrySet()) {
                assertArrayEquals(file.getValue(), disk.contents(dir.resolve(file.getKey())), file.getKey());
            }
            return;
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(disk, protection))) {
            List<WalRecord> records = wal.recover();
            assertEquals(expected, records.stream().map(WalRecord::sequence).toList(),
                    "cut at " + cut + " of " + total + " (" + protection + "): " + wal.recoveryReport().summary());
            for (WalRecord r : records) {
                assertEquals(Arrays.toString(payload(r.sequence(), sizes.get((int) r.sequence() - 1))),
                        Arrays.toString(r.payload()), "payload of " + r.sequence());
            }
            long next = wal.append(new byte[] {1, 2, 3});
            assertEquals(expected.size() + 1, next, "sequence numbers continue after the cut");
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(disk, protection))) {
            assertEquals(expected.size() + 1, wal.recover().size());
        }
    }

    private static long nearBoundary(LayoutModel model, Random random, Protection protection) {
        List<Long> points = new ArrayList<>();
        long base = 0;
        for (int i = 0; i < model.segments().size(); i++) {
            points.add(base);
            points.add(base + 48);
            if (protection != Protection.NONE) {
                points.add(base + 49); // after the key id's length byte
                points.add(base + Protections.headerBytes(protection)); // the protected header's end
            }
            for (LayoutModel.Batch b : model.segments().get(i)) {
                points.add(base + b.start());
                points.add(base + b.start() + LayoutModel.BATCH_HEADER);
                points.add(base + b.start() + LayoutModel.BATCH_HEADER + 4);
                points.add(base + b.end() - 4);
                points.add(base + b.end());
            }
            base += model.fileSize(i);
        }
        points.add(base);
        long point = points.get(random.nextInt(points.size())) + random.nextInt(3) - 1;
        return Math.max(0, Math.min(base, point));
    }
}
