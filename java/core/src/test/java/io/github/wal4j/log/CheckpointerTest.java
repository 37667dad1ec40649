package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.RecoveryReport;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.EngineConfigs;
import io.github.wal4j.WalOptions;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Checkpointer} on a temporary directory, with a stand-in for the writer: each step of the
 * protocol, what a failure at each leaves, and the completion at open of a checkpoint whose snapshot
 * rename a crash interrupted.
 */
class CheckpointerTest {
    private static final byte[] STATE = "the state up to here".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;
    private Path snapshots;
    private LogDirectory directory;
    private CheckpointStore store;
    private SegmentList segments;
    private FakeWriter writer;

    /** The writer as a checkpoint sees it: 30 records appended. */
    private static final class FakeWriter implements Checkpointer.Writer {
        long last = 30;
        int syncs;
        Throwable failure;

        @Override
        public long lastSequence() {
            return last;
        }

        @Override
        public void syncAll() {
            syncs++;
        }

        @Override
        public void fail(Throwable cause) {
            failure = cause;
        }
    }

    @BeforeEach
    void open() throws IOException {
        snapshots = Files.createDirectory(tmp.resolve("snapshots"));
        open(new JavaStorage());
    }

    /** Opens the log directory on {@code layer} with segments 1, 2, 3 holding records 1-10, 11-20, 21-30. */
    private void open(Storage layer) throws IOException {
        directory = LogDirectory.open(tmp.resolve("wal"), EngineConfigs.of(WalOptions.defaults()), layer);
        store = new CheckpointStore(directory.storage(), directory.path());
        segments = new SegmentList();
        for (long id = 1; id <= 3; id++) {
            Path path = directory.resolve(LogFiles.segmentName(id));
            if (!Files.exists(path)) {
                Files.createFile(path);
            }
            segments.add(new SegmentList.Entry(id, path, 1 + (id - 1) * 10));
        }
        writer = new FakeWriter();
    }

    @AfterEach
    void close() throws IOException {
        directory.close();
    }

    private Checkpointer checkpointer(Checkpoint inForce) {
        return new Checkpointer(directory, store, inForce, segments, writer, () -> Long.MAX_VALUE);
    }

    private Set<String> files(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return Set.copyOf(entries.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aCheckpointSyncsTheLogCommitsAndDeletesTheSegmentsItCovers() throws IOException {
        Checkpointer checkpointer = checkpointer(Checkpoint.NONE);
        checkpointer.checkpoint(15, null, null);

        assertEquals(1, writer.syncs, "the records up to the checkpoint were made durable first");
        assertEquals(15, checkpointer.inForce().upToSequence());
        assertEquals(checkpointer.inForce(), store.read(), "durable as CHECKPOINT");
        assertEquals(Set.of(LogFiles.LOCK, LogFiles.CHECKPOINT, LogFiles.segmentName(2), LogFiles.segmentName(3)),
                files(directory.path()), "segment 1 (records 1-10) deleted; no temporary left");
        assertEquals(List.of(2L, 3L), segments.snapshot().stream().map(SegmentList.Entry::id).toList());
        assertNull(writer.failure);
    }

    @Test
    void aCheckpointNotAheadOfTheOneInForceIsANoOpAndOneOutsideTheLogIsRefused() throws IOException {
        Checkpointer checkpointer = checkpointer(Checkpoint.NONE);
        checkpointer.checkpoint(15, null, null);
        Checkpoint inForce = checkpointer.inForce();

        checkpointer.checkpoint(15, null, null);
        checkpointer.checkpoint(3, null, null);
        assertSame(inForce, checkpointer.inForce());
        assertEquals(1, writer.syncs, "a no-op touches nothing");

        assertThrows(IllegalArgumentException.class, () -> checkpointer.checkpoint(31, null, null));
        assertThrows(IllegalArgumentException.class, () -> checkpointer.checkpoint(-1, null, null));
        IllegalArgumentException back = assertThrows(IllegalArgumentException.class,
                () -> checkpointer.checkpoint(14, snapshots.resolve("state.snap"), out -> out.write(STATE)));
        assertTrue(back.getMessage().contains("go back"), back.getMessage());
        assertEquals(inForce, store.read());
        assertEquals(Set.of(), files(snapshots));
    }

    @Test
    void aSnapshotCheckpointNamesTheSnapshotItWroteAndRenamedIntoPlace() throws IOException {
        Checkpointer checkpointer = checkpointer(Checkpoint.NONE);
        Path snapshot = snapshots.resolve("state.snap");
        checkpointer.checkpoint(25, snapshot, out -> out.write(STATE));

        Checkpoint inForce = checkpointer.inForce();
        assertEquals(snapshot, inForce.snapshot());
        assertEquals(STATE.length, inForce.snapshotLength());
        assertEquals(inForce, store.read());
        assertArrayEquals(STATE, Files.readAllBytes(snapshot));
        assertEquals(Set.of("state.snap"), files(snapshots), "no temporary left");
        SnapshotCheck.check(directory.storage(), snapshot, inForce);
        assertEquals(List.of(3L), segments.snapshot().stream().map(SegmentList.Entry::id).toList());

        checkpointer.checkpoint(25, snapshot, out -> out.write(1));
        assertEquals(1, checkpointer.inForce().snapshotLength(), "a snapshot at the same sequence replaces it");
    }

    @Test
    void aFailingSnapshotWriterLeavesNoTemporaryAndTheCheckpointInForce() throws IOException {
        Checkpointer checkpointer = checkpointer(Checkpoint.NONE);
        IOException thrown = assertThrows(IOException.class, () -> checkpointer.checkpoint(25,
                snapshots.resolve("state.snap"), out -> {
                    out.write(STATE);
                    throw new IOException("the application's state could not be read");
                }));
        assertEquals("the application's state could not be read", thrown.getMessage());
        assertEquals(Set.of(), files(snapshots));
        assertSame(Checkpoint.NONE, checkpointer.inForce());
        assertEquals(Checkpoint.NONE, store.read());
        assertEquals(3, segments.snapshot().size());
        assertNull(writer.failure, "nothing was committed: the log goes on");
    }

    @Test
    void aSnapshotInsideTheLogDirectoryIsRefused() throws IOException {
        Checkpointer checkpointer = checkpointer(Checkpoint.NONE);
        assertThrows(IllegalArgumentException.class,
                () -> checkpointer.checkpoint(25, directory.resolve("state.snap"), out -> out.write(STATE)));
        assertEquals(Set.of(LogFiles.LOCK, LogFiles.segmentName(1), LogFiles.segmentName(2), LogFiles.segmentName(3)),
                files(directory.path()));
    }

    @Test
    void aFailedCommitStopsTheLogAndKeepsTheSegments() throws IOException {
        directory.close();
        open(new ForwardingStorage(new JavaStorage()) {
            @Override
            public void rename(Path source, Path target) throws IOException {
                if (target.getFileName().toString().equals(LogFiles.CHECKPOINT)) {
                    throw new IOException("rename failed");
                }
                super.rename(source, target);
            }
        });
        Checkpointer checkpointer = checkpointer(Checkpoint.NONE);
        WalFailedException e = assertThrows(WalFailedException.class, () -> checkpointer.checkpoint(25, null, null));
        assertTrue(e.getMessage().contains("rename failed"), e.getMessage());
        assertSame(e.getCause(), writer.failure, "the writer was stopped with the cause");
        assertSame(Checkpoint.NONE, checkpointer.inForce());
        assertEquals(3, segments.snapshot().size(), "no segment is deleted for a checkpoint that may not be in force");
    }

    @Test
    void openRenamesACommittedSnapshotAndRemovesStaleTemporaries() throws IOException {
        Path snapshot = snapshots.resolve("state.snap");
        Checkpointer checkpointer = checkpointer(Checkpoint.NONE);
        checkpointer.checkpoint(25, snapshot, out -> out.write(STATE));
        Checkpoint inForce = checkpointer.inForce();
        // The state a crash leaves between the commit and the rename, beside a snapshot temporary of
        // a checkpoint that never committed and a file that only looks like one.
        Files.move(snapshot, inForce.snapshotTemporary());
        Path stale = Files.write(Checkpoint.temporaryFor(snapshot, 0xdead), STATE);
        Files.write(snapshots.resolve("state.snap.wal4j.tmp"), STATE);
        Files.write(snapshots.resolve("other.snap.1.wal4j.tmp"), STATE);

        Checkpointer.AtOpen found = Checkpointer.inForceAtOpen(directory, store, SegmentKeys.NONE);
        assertEquals(inForce, found.checkpoint());
        assertTrue(found.snapshotRenamePending());
        assertTrue(Files.exists(inForce.snapshotTemporary()), "checking changes nothing");
        assertTrue(Files.exists(stale));

        List<RecoveryReport.Finding> findings = Checkpointer.completeAtOpen(directory, found);
        assertEquals(1, findings.size());
        assertEquals(RecoveryReport.Kind.SNAPSHOT_ROLLED_FORWARD, findings.get(0).kind());
        assertEquals("state.snap", findings.get(0).file());
        assertArrayEquals(STATE, Files.readAllBytes(snapshot));
        assertEquals(Set.of("state.snap", "state.snap.wal4j.tmp", "other.snap.1.wal4j.tmp"), files(snapshots),
                "the committed snapshot renamed, the stale temporary of this snapshot removed, nothing else");

        Checkpointer.AtOpen again = Checkpointer.inForceAtOpen(directory, store, SegmentKeys.NONE);
        assertFalse(again.snapshotRenamePending());
        assertEquals(List.of(), Checkpointer.completeAtOpen(directory, again));
    }

    @Test
    void openRefusesASnapshotThatChangedAndChangesNothing() throws IOException {
        Path snapshot = snapshots.resolve("state.snap");
        checkpointer(Checkpoint.NONE).checkpoint(25, snapshot, out -> out.write(STATE));
        byte[] changed = STATE.clone();
        changed[3] ^= 1;
        Files.write(snapshot, changed);
        WalCorruptedException e = assertThrows(WalCorruptedException.class,
                () -> Checkpointer.inForceAtOpen(directory, store, SegmentKeys.NONE));
        assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
        assertArrayEquals(changed, Files.readAllBytes(snapshot));

        Files.delete(snapshot);
        assertThrows(WalCorruptedException.class, () -> Checkpointer.inForceAtOpen(directory, store, SegmentKeys.NONE));
    }

    @Test
    void deletingCoveredSegmentsKeepsTheNewestAndSurvivesAFailure() throws IOException {
        directory.close();
        open(new ForwardingStorage(new JavaStorage()) {
            @Override
            public void delete(Path path) throws IOException {
                throw new IOException("delete failed");
            }
        });
        Checkpointer checkpointer = checkpointer(Checkpoint.NONE);
        assertEquals(2, checkpointer.deleteCovered(30), "the newest segment stays: the writer appends to it");
        assertEquals(List.of(3L), segments.snapshot().stream().map(SegmentList.Entry::id).toList());
        assertTrue(Files.exists(directory.resolve(LogFiles.segmentName(1))),
                "a failed deletion is left for the next open, not thrown");
    }
}
