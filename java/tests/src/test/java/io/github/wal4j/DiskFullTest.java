package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.fixtures.Causes;
import io.github.wal4j.fixtures.Mounts;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ENOSPC on a real, tiny tmpfs: mid-append the log fails with a clear exception and loses nothing
 * acknowledged; mid-checkpoint the checkpoint fails, the old snapshot and checkpoint stay, and the
 * log goes on; a disk smaller than one segment is used to its end on both layers. Mounting needs
 * root: where the mount is refused, the tests are skipped with the reason (never passed silently).
 */
class DiskFullTest {
    @TempDir
    Path tmp;
    private Path mount;

    @BeforeEach
    void mountTinyTmpfs() throws Exception {
        Path tiny = Files.createDirectory(tmp.resolve("tiny"));
        Mounts.tmpfsOrSkip(tiny, "512k");
        mount = tiny;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            Mounts.unmount(mount);
        }
    }

    private static byte[] payload(long sequence) {
        return payload(sequence, 1500);
    }

    private static boolean mentionsNoSpace(Throwable t) {
        return Causes.of(t).map(c -> String.valueOf(c.getMessage()))
                .anyMatch(m -> m.contains("No space left") || m.contains("ENOSPC"));
    }

    @Test
    void fullDiskMidAppendFailsTheLogAndLosesNothingAcknowledged() throws Exception {
        Path dir = mount.resolve("wal");
        WalOptions options = WalOptions.defaults().withSegmentSize(64 << 10);
        List<Long> acknowledged = new ArrayList<>();
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        WalFailedException failure = null;
        for (int i = 0; i < 10_000 && failure == null; i++) {
            try {
                acknowledged.add(wal.append(payload(i + 1)));
            } catch (WalFailedException e) {
                failure = e;
            }
        }
        if (failure == null) {
            fail("512 KiB filled without an error after " + acknowledged.size() + " appends");
        }
        assertTrue(mentionsNoSpace(failure), "the failure names the full disk: " + failure);
        assertThrows(WalFailedException.class, () -> wal.append(payload(0)), "the log stays failed");
        assertThrows(WalFailedException.class, wal::fsync);
        try {
            wal.close();
        } catch (WalFailedException expected) {
            // nothing more can be made durable
        }
        // Make room, as an operator would, and reopen: every acknowledged record is there, in order.
        Mounts.resizeTmpfs(mount, "4m");
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options)) {
            List<WalRecord> records = reopened.recover();
            assertTrue(records.size() >= acknowledged.size(), "recovered " + records.size() + " of "
                    + acknowledged.size() + " acknowledged: " + reopened.recoveryReport().summary());
            for (int i = 0; i < acknowledged.size(); i++) {
                assertEquals(i + 1, records.get(i).sequence());
                assertArrayEquals(payload(i + 1), records.get(i).payload());
            }
            assertEquals(records.size() + 1, reopened.append(payload(99)), "appends go on after reopen");
        }
    }

    /**
     * A file system smaller than one segment (64 MiB by default): the native layer cannot preallocate
     * the segment, and the log must open all the same and use the disk to its end, as the java layer
     * does; the append that meets the full disk fails the log, and nothing acknowledged is lost.
     */
    @Test
    void aTmpfsSmallerThanOneSegmentIsUsedToItsEnd() throws Exception {
        Mounts.resizeTmpfs(mount, "24m");
        fillToTheEndAndReopen(mount.resolve("wal"));
    }

    /** As above on ext4, where a failed fallocate keeps the blocks it got and grows the file to them. */
    @Test
    void anExt4DiskSmallerThanOneSegmentIsUsedToItsEnd() throws Exception {
        Path ext4 = Files.createDirectory(tmp.resolve("ext4"));
        Mounts.ext4LoopOrSkip(tmp.resolve("ext4.img"), "24M", ext4);
        try {
            fillToTheEndAndReopen(ext4.resolve("wal"));
        } finally {
            Mounts.unmount(ext4);
        }
    }

    private static void fillToTheEndAndReopen(Path dir) throws Exception {
        long free = Files.getFileStore(dir.getParent()).getUsableSpace();
        WalOptions options = WalOptions.defaults();
        assertTrue(options.segmentSize() > free, "the disk (" + free + " bytes free) is smaller than a segment");
        int size = 64 << 10;
        List<Long> acknowledged = new ArrayList<>();
        WalFailedException failure = null;
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        try {
            for (int i = 0; i < 10_000 && failure == null; i++) {
                try {
                    acknowledged.add(wal.append(payload(i + 1, size)));
                } catch (WalFailedException e) {
                    failure = e;
                }
            }
            if (failure == null) {
                fail(free + " bytes filled without an error after " + acknowledged.size() + " appends");
            }
            assertTrue(mentionsNoSpace(failure), "the failure names the full disk: " + failure);
            assertThrows(WalFailedException.class, () -> wal.append(payload(0, 1)), "the log stays failed");
            long written = (long) acknowledged.size() * size;
            assertTrue(written >= free * 9 / 10, "the log used " + written + " of the " + free + " bytes free ("
                    + wal.ioLayer() + " layer)");
        } finally {
            try {
                wal.close();
            } catch (WalFailedException expected) {
                // nothing more can be made durable
            }
        }
        // Reopened on the still full disk: every acknowledged record is there, in order.
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options)) {
            List<WalRecord> records = reopened.recover();
            assertTrue(records.size() >= acknowledged.size(), "recovered " + records.size() + " of "
                    + acknowledged.size() + " acknowledged: " + reopened.recoveryReport().summary());
            for (int i = 0; i < acknowledged.size(); i++) {
                assertEquals(i + 1, records.get(i).sequence());
                assertArrayEquals(payload(i + 1, size), records.get(i).payload(), "record " + (i + 1));
            }
        }
    }

    private static byte[] payload(long sequence, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) sequence);
        b[0] = (byte) (sequence >>> 8);
        return b;
    }

    @Test
    void fullDiskMidCheckpointKeepsTheOldSnapshotAndTheLog() throws Exception {
        Path dir = mount.resolve("wal");
        Path snapshots = Files.createDirectory(mount.resolve("snapshots"));
        Path snapshot = snapshots.resolve("state.snap");
        WalOptions options = WalOptions.defaults().withSegmentSize(64 << 10);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            for (int i = 1; i <= 20; i++) {
                wal.append(payload(i));
            }
            wal.checkpoint(snapshot, out -> out.write("state after 20".getBytes(StandardCharsets.US_ASCII)));
            for (int i = 21; i <= 30; i++) {
                wal.append(payload(i));
            }
            long before = wal.checkpointSequence();
            // A snapshot far larger than the file system.
            IOException e = assertThrows(IOException.class, () -> wal.checkpoint(snapshot, out -> writeZeros(out,
                    8 << 20)));
            assertTrue(mentionsNoSpace(e), "the failure names the full disk: " + e);
            assertEquals(before, wal.checkpointSequence(), "the checkpoint in force is unchanged");
            assertEquals("state after 20", Files.readString(snapshot), "the old snapshot is intact");
            try (Stream<Path> files = Files.list(snapshots)) {
                assertEquals(List.of(snapshot), files.toList(), "no temporary snapshot left behind");
            }
            assertEquals(31, wal.append(payload(31)), "the log goes on");
        }
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options)) {
            List<WalRecord> records = reopened.recover();
            assertEquals(20, reopened.checkpointSequence());
            assertEquals(11, records.size());
            assertEquals(21, records.get(0).sequence());
            assertArrayEquals(payload(31), records.get(10).payload());
        }
    }

    private static void writeZeros(OutputStream out, int bytes) throws IOException {
        byte[] block = new byte[64 << 10];
        for (int written = 0; written < bytes; written += block.length) {
            out.write(block);
        }
    }
}
