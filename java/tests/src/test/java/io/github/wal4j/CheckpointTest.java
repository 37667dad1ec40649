package io.github.wal4j;

import static io.github.wal4j.fixtures.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.log.CheckpointStore;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints: records up to the checkpoint are never replayed again, wholly covered segments are
 * deleted, snapshots are replaced atomically, a failing snapshot writer changes nothing, and an
 * interrupted checkpoint is completed (or its leftovers removed) at open.
 */
class CheckpointTest {
    private static final WalOptions SMALL_SEGMENTS = WalOptions.defaults().withSegmentSize(32 << 10);

    @TempDir
    Path tmp;

    private static List<WalRecord> from(List<WalRecord> all, long firstSequence) {
        return all.stream().filter(r -> r.sequence() >= firstSequence).toList();
    }

    private static List<WalRecord> read(WalReader reader) throws IOException {
        List<WalRecord> out = new ArrayList<>();
        try (reader) {
            WalRecord r;
            while ((r = reader.next()) != null) {
                out.add(r);
            }
        }
        return out;
    }

    @Test
    void recoverStartsAfterTheCheckpointAndSurvivesReopen() throws IOException {
        Path dir = tmp.resolve("wal");
        List<WalRecord> all;
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            all = Records.append(wal, 1, 10);
            wal.checkpoint(4);
            assertEquals(4, wal.checkpointSequence());
            assertEquals(from(all, 5), wal.recover());
            assertEquals(from(all, 5), read(wal.reader(1)), "a reader never starts before the checkpoint");
            assertEquals(from(all, 7), read(wal.reader(7)));
            assertEquals(from(all, 5), read(wal.reader(2)));

            byte[] checkpointFile = Files.readAllBytes(dir.resolve("CHECKPOINT"));
            wal.checkpoint(3); // at or below the one in force: nothing happens
            wal.checkpoint(4);
            assertEquals(4, wal.checkpointSequence());
            assertArrayEquals(checkpointFile, Files.readAllBytes(dir.resolve("CHECKPOINT")));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(4, wal.checkpointSequence());
            assertEquals(4, wal.recoveryReport().checkpointSequence());
            assertEquals(from(all, 5), wal.recover());
            assertEquals(11, wal.append(Records.payload(11)));
        }
    }

    /** Expected survivors: a segment is deleted when the next one starts at or before upTo + 1. */
    private static List<String> expectedSegmentsAfter(List<Path> segments, long upTo) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            boolean covered = i + 1 < segments.size()
                    && SegmentLayout.read(segments.get(i + 1)).firstSequence() - 1 <= upTo;
            if (!covered) {
                out.add(segments.get(i).getFileName().toString());
            }
        }
        return out;
    }

    private static List<String> segmentNames(Path dir) throws IOException {
        return LogDirs.segments(dir).stream().map(p -> p.getFileName().toString()).toList();
    }

    @Test
    void segmentsWhollyCoveredAreDeleted() throws IOException {
        Path dir = tmp.resolve("wal");
        List<WalRecord> all;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS)) {
            all = Records.append(wal, 1, 30, 100); // segments of 7 records: 1-7, 8-14, 15-21, 22-28, 29-30
            List<Path> segments = LogDirs.segments(dir);
            assertEquals(5, segments.size());

            List<String> expected = expectedSegmentsAfter(segments, 16);
            assertEquals(List.of(LogDirs.segmentName(3), LogDirs.segmentName(4), LogDirs.segmentName(5)), expected);
            wal.checkpoint(16);
            assertEquals(expected, segmentNames(dir));
            assertEquals(from(all, 17), wal.recover());

            wal.checkpoint(28); // exactly the end of segment 4
            assertEquals(List.of(LogDirs.segmentName(5)), segmentNames(dir));
            assertEquals(from(all, 29), wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS)) {
            assertEquals(from(all, 29), wal.recover());
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            wal.checkpoint(30); // everything: the newest segment stays, the writer appends to it
            assertEquals(List.of(LogDirs.segmentName(5)), segmentNames(dir));
            assertEquals(List.of(), wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS)) {
            assertEquals(List.of(), wal.recover());
            assertEquals(31, wal.append(Records.payload(31, 100)));
            assertEquals(List.of(new WalRecord(31, Records.payload(31, 100))), wal.recover());
        }
    }

    private static List<String> otherFiles(Path snapshotDir, Path snapshot) throws IOException {
        return LogDirs.names(snapshotDir).stream().filter(n -> !n.equals(snapshot.getFileName().toString())).toList();
    }

    @Test
    void snapshotCheckpointReplacesTheSnapshotAtomically() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
        Path snapshot = snapshots.resolve("state.bin");
        List<WalRecord> all;
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            all = Records.append(wal, 1, 5);
            wal.checkpoint(snapshot, out -> out.write("state-5".getBytes(StandardCharsets.UTF_8)));
            assertEquals("state-5", Files.readString(snapshot));
            assertEquals(5, wal.checkpointSequence());
            assertEquals(List.of(), wal.recover());
            assertEquals(List.of(), otherFiles(snapshots, snapshot), "no temporary file left");

            all = Records.concat(all, Records.append(wal, 6, 3));
            byte[] big = Records.payload(7, 200_000); // more than one buffer of the snapshot stream
            wal.checkpoint(snapshot, 7, out -> out.write(big));
            assertArrayEquals(big, Files.readAllBytes(snapshot));
            assertEquals(7, wal.checkpointSequence());
            assertEquals(from(all, 8), wal.recover());
            assertEquals(List.of(), otherFiles(snapshots, snapshot));
            assertThrows(IllegalArgumentException.class, () -> wal.checkpoint(snapshot, 6, out -> out.write(1)),
                    "a snapshot may not go back before the checkpoint in force");
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(7, wal.checkpointSequence());
            assertEquals(from(all, 8), wal.recover());
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
        }
        assertArrayEquals(Records.payload(7, 200_000), Files.readAllBytes(snapshot));
    }

    @Test
    void failingSnapshotWriterChangesNothing() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
        Path snapshot = snapshots.resolve("state.bin");
        List<WalRecord> all;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS)) {
            all = Records.append(wal, 1, 5, 100);
            wal.checkpoint(snapshot, out -> out.write("state-5".getBytes(StandardCharsets.UTF_8)));
            all = Records.concat(all, Records.append(wal, 6, 10, 100));
            Map<String, byte[]> walBefore = LogDirs.snapshot(dir);
            Map<String, byte[]> snapshotsBefore = LogDirs.snapshot(snapshots);

            IOException boom = new IOException("the store could not be read");
            IOException thrown = assertThrows(IOException.class, () -> wal.checkpoint(snapshot, out -> {
                out.write(new byte[100_000]); // part of it reaches the temporary file
                throw boom;
            }));
            assertSame(boom, thrown, "the writer's exception propagates");
            IllegalStateException bug = new IllegalStateException("a bug in the writer");
            assertSame(bug, assertThrows(IllegalStateException.class, () -> wal.checkpoint(snapshot, 12, out -> {
                out.write(1);
                throw bug;
            })));

            assertEquals(5, wal.checkpointSequence());
            assertEquals(from(all, 6), wal.recover());
            LogDirs.assertUnchanged(walBefore, dir); // CHECKPOINT, segments: nothing deleted or replaced
            LogDirs.assertUnchanged(snapshotsBefore, snapshots); // old snapshot intact, no temporary file
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL_SEGMENTS)) {
            assertEquals(5, wal.checkpointSequence());
            assertEquals(from(all, 6), wal.recover());
            assertEquals("state-5", Files.readString(snapshot));
            wal.checkpoint(snapshot, out -> out.write("state-15".getBytes(StandardCharsets.UTF_8)));
            assertEquals("state-15", Files.readString(snapshot));
        }
    }

    /**
     * A crash after the CHECKPOINT naming a new snapshot was committed but before the snapshot was
     * renamed from its temporary name: open completes the rename.
     */
    @Test
    void committedSnapshotIsRolledForwardAtOpen() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
        Path snapshot = snapshots.resolve("state.bin").toAbsolutePath();
        List<WalRecord> all = LogDirs.closedLog(dir, SMALL_SEGMENTS, 5, -1);
        Files.writeString(snapshot, "older snapshot");

        long generation = 0x5eed_cafe_f00dL;
        byte[] content = "state after 3".getBytes(StandardCharsets.UTF_8);
        Path temporary = Checkpoint.temporaryFor(snapshot, generation);
        Files.write(temporary, content);
        CRC32C crc = new CRC32C();
        crc.update(content);
        new CheckpointStore(new JavaStorage(), dir)
                .write(new Checkpoint(3, generation, snapshot, content.length, (int) crc.getValue()));

        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            RecoveryReport report = wal.recoveryReport();
            Finding f = report.findings().stream().filter(x -> x.kind() == Kind.SNAPSHOT_ROLLED_FORWARD).findFirst()
                    .orElseThrow(() -> new AssertionError("no SNAPSHOT_ROLLED_FORWARD: " + report.summary()));
            assertEquals(snapshot.getFileName().toString(), f.file());
            assertArrayEquals(content, Files.readAllBytes(snapshot), "the committed snapshot is in place");
            assertTrue(Files.notExists(temporary), "the temporary name is gone");
            assertEquals(3, wal.checkpointSequence());
            assertEquals(3, report.checkpointSequence());
            assertEquals(from(all, 4), wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            assertEquals(from(all, 4), wal.recover());
        }
    }

    /** A committed checkpoint whose snapshot is nowhere is damage, not something to ignore. */
    @Test
    void committedSnapshotThatVanishedIsCorruption() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshot = Files.createDirectories(tmp.resolve("snapshots")).resolve("state.bin").toAbsolutePath();
        LogDirs.closedLog(dir, SMALL_SEGMENTS, 5, -1);
        new CheckpointStore(new JavaStorage(), dir).write(new Checkpoint(3, 77, snapshot, 10, 0));
        WalCorruptedException e = assertRefused(WalCorruptedException.class, dir, () -> WriteAheadLog.open(dir).close());
        assertEquals(snapshot, e.file());
    }

    private static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** How the message of a snapshot CRC refusal names the two CRCs. */
    private static String hex(int crc) {
        return String.format("0x%08x", crc);
    }

    /**
     * A snapshot whose bytes changed but not its length (bit rot, a bad copy, a writer outside
     * wal4j) is damage: the checkpoint in force recorded its CRC32C. The change sits past the first
     * 64 KiB, so the check reads the whole file, buffer after buffer.
     */
    @Test
    void snapshotWhoseBytesChangedIsCorruption() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
        Path snapshot = snapshots.resolve("state.bin").toAbsolutePath();
        byte[] content = Records.payload(5, 300_000);
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            Records.append(wal, 1, 5);
            wal.checkpoint(snapshot, out -> out.write(content));
        }
        FileDamage.flipBit(snapshot, content.length - 1000, 2);
        byte[] damaged = Files.readAllBytes(snapshot);
        assertEquals(content.length, damaged.length, "the damage keeps the length");
        assertSnapshotRefused(dir, snapshots, snapshot, damaged, content);
    }

    /**
     * The snapshot of a committed checkpoint still under its temporary name is checked before it is
     * renamed: damaged, it is refused and neither name changes.
     */
    @Test
    void committedSnapshotWhoseBytesChangedIsRefusedBeforeTheRename() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
        Path snapshot = snapshots.resolve("state.bin").toAbsolutePath();
        LogDirs.closedLog(dir, SMALL_SEGMENTS, 5, -1);
        Files.writeString(snapshot, "older snapshot");
        long generation = 0x5eed_cafe_f00dL;
        byte[] committed = "state after 3".getBytes(StandardCharsets.UTF_8);
        byte[] onDisk = "state after 4".getBytes(StandardCharsets.UTF_8);
        Path temporary = Checkpoint.temporaryFor(snapshot, generation);
        Files.write(temporary, onDisk);
        new CheckpointStore(new JavaStorage(), dir)
                .write(new Checkpoint(3, generation, snapshot, committed.length, crc32c(committed)));
        // The file checked is the one open would rename, not the snapshot's own name.
        assertSnapshotRefused(dir, snapshots, temporary, onDisk, committed);
    }

    /**
     * Opening the log at {@code dir} refuses the snapshot file {@code checked}, which holds
     * {@code onDisk} where the checkpoint in force recorded the CRC32C of {@code committed}: a
     * {@link WalCorruptedException} at offset 0 that names both CRCs, and neither {@code dir} nor
     * {@code snapshots} changes.
     */
    private static void assertSnapshotRefused(Path dir, Path snapshots, Path checked, byte[] onDisk,
            byte[] committed) throws IOException {
        Map<String, byte[]> walBefore = LogDirs.snapshot(dir);
        Map<String, byte[]> snapshotsBefore = LogDirs.snapshot(snapshots);

        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(dir).close());
        assertEquals(checked, e.file(), "the file checked");
        assertEquals(0, e.offset());
        assertTrue(e.reason().contains(hex(crc32c(onDisk))) && e.reason().contains(hex(crc32c(committed)))
                && e.getMessage().endsWith(WalRefusedException.NOTHING_CHANGED), e.getMessage());
        LogDirs.assertUnchanged(walBefore, dir);
        LogDirs.assertUnchanged(snapshotsBefore, snapshots);
    }

    /** An empty snapshot has the CRC32C of no bytes (0), and opens like any other. */
    @Test
    void emptySnapshotOpens() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshot = Files.createDirectories(tmp.resolve("snapshots")).resolve("state.bin").toAbsolutePath();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            Records.append(wal, 1, 2);
            wal.checkpoint(snapshot, out -> { });
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(2, wal.checkpointSequence());
            assertEquals(0, Files.size(snapshot));
        }
    }

    @Test
    void strayTemporaryFilesAreRemovedAtOpen() throws IOException {
        Path dir = tmp.resolve("wal");
        List<WalRecord> all;
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            all = Records.append(wal, 1, 5);
            wal.checkpoint(2);
        }
        byte[] checkpoint = Files.readAllBytes(dir.resolve("CHECKPOINT"));
        Files.write(dir.resolve("CHECKPOINT.tmp"), new byte[] {'W', 'A', 'L', 0, 1, 2});
        byte[] junk = new byte[512];
        junk[0] = 'W';
        Files.write(dir.resolve("0000000000000009.wal.tmp"), junk);

        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            RecoveryReport report = wal.recoveryReport();
            List<String> removed = report.findings().stream().filter(f -> f.kind() == Kind.TEMPORARY_REMOVED)
                    .map(Finding::file).sorted().toList();
            assertEquals(List.of("0000000000000009.wal.tmp", "CHECKPOINT.tmp"), removed, report.summary());
            assertEquals(List.of(LogDirs.segmentName(1), "CHECKPOINT", "CLOSE_MARK", "wal.lock"), LogDirs.names(dir));
            assertArrayEquals(checkpoint, Files.readAllBytes(dir.resolve("CHECKPOINT")), "the checkpoint in force stays");
            assertEquals(2, wal.checkpointSequence());
            assertEquals(from(all, 3), wal.recover());
            assertEquals(6, wal.append(Records.payload(6)), "no segment 9 was adopted");
        }
    }
}
