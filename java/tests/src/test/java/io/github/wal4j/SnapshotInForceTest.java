package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.log.CheckpointStore;
import io.github.wal4j.fixtures.KeyValueState;
import io.github.wal4j.testing.internal.Seeds;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WriteAheadLog#snapshot()} names the snapshot recovery settled on, in every crash state of a
 * snapshot checkpoint, and follows the checkpoints of the session: an application that loads its
 * state from it after open and replays the log on top gets exactly the acknowledged records, none
 * twice. In the state "checkpoint committed, snapshot rename not done" the snapshot file holds the
 * <i>previous</i> snapshot until open renames the new one over it: an application that read it
 * before open lost the records between the two checkpoints.
 */
class SnapshotInForceTest {
    @TempDir
    Path tmp;

    /** Appends records {@code first..last} of {@link KeyValueState} and applies them. */
    private static void appendAndApply(WriteAheadLog wal, KeyValueState state, long first, long last)
            throws IOException {
        for (long s = first; s <= last; s++) {
            byte[] record = KeyValueState.record(s);
            assertEquals(s, wal.append(record));
            state.apply(s, record);
        }
    }

    private static byte[] bytesOf(KeyValueState state) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        state.writeTo(out);
        return out.toByteArray();
    }

    private static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** Reads a whole file: from the file system, or from a {@link SimulatedDisk}. */
    private interface FileBytes {
        byte[] read(Path path) throws IOException;
    }

    /**
     * What the README's start-up does: loads the state from the snapshot the API names (read with
     * {@code files}), checking the API's numbers against it, then replays the log on top.
     */
    private static KeyValueState startUp(WriteAheadLog wal, FileBytes files, String context) throws IOException {
        Optional<WalSnapshot> snapshot = wal.snapshot();
        KeyValueState state = new KeyValueState();
        if (snapshot.isPresent()) {
            WalSnapshot s = snapshot.get();
            byte[] bytes = files.read(s.path());
            assertEquals(s.length(), bytes.length, "the length the API names, " + context);
            assertEquals(s.crc32c(), crc32c(bytes), "the CRC32C the API names, " + context);
            state = KeyValueState.read(new ByteArrayInputStream(bytes), s.path().toString());
            assertEquals(s.upToSequence(), state.applied(), "the sequence the snapshot covers, " + context);
        }
        assertEquals(wal.checkpointSequence(), snapshot.map(WalSnapshot::upToSequence).orElse(0L),
                "the snapshot covers the checkpoint in force, " + context);
        KeyValueState target = state;
        try {
            wal.replay(state.applied() + 1, (sequence, payload) -> {
                byte[] copy = new byte[payload.remaining()];
                payload.get(copy);
                target.apply(sequence, copy);
            });
        } catch (IllegalStateException e) {
            fail("snapshot + replay: " + e.getMessage() + ", " + context, e);
        }
        return state;
    }

    /**
     * A power cut at every file operation of a snapshot checkpoint (on {@link SimulatedDisk}, which
     * also tears or drops what was not synced): after open, the snapshot the API names plus the
     * replay is the state after exactly the acknowledged records 1..5. Some cuts leave the
     * committed checkpoint with its snapshot under the temporary name: there the snapshot file,
     * read before open, is the previous one, covering 3.
     */
    @Test
    void everyPowerCutDuringASnapshotCheckpointLeavesTheSnapshotInForceNamed() throws IOException {
        long seed = Seeds.seed("SnapshotInForceTest");
        int rolledForward = 0;
        int previous = 0;
        int next = 0;
        boolean completed = false;
        for (int cut = 0; !completed; cut++) {
            assertTrue(cut < 500, "the checkpoint never completed without a power cut");
            Path dir = Files.createDirectories(tmp.resolve("wal-" + cut));
            Path snapshot = Files.createDirectories(tmp.resolve("snap-" + cut)).resolve("state.snap");
            SimulatedDisk disk = new SimulatedDisk();
            WalOptions options = WalOptions.defaults().withSegmentSize(4096);
            KeyValueState state = new KeyValueState();
            WriteAheadLog wal = WriteAheadLog.open(dir, options.withStorage(disk));
            try {
                appendAndApply(wal, state, 1, 3);
                wal.checkpoint(snapshot, state::writeTo);
                appendAndApply(wal, state, 4, 5);
                disk.powerOffAfter(cut);
                wal.checkpoint(snapshot, state::writeTo);
                completed = !disk.isOff();
            } catch (IOException e) {
                if (!disk.isOff()) {
                    throw e;
                }
            } finally {
                PowerOff.abandon(wal);
            }
            String context = "power cut after " + cut + " file operations of the checkpoint, seed " + seed;
            SimulatedDisk after = disk.crash(new Random(seed + cut));
            byte[] beforeOpen = after.contents(snapshot.toAbsolutePath());
            try (WriteAheadLog reopened = WriteAheadLog.open(dir, options.withStorage(after))) {
                boolean rolled = reopened.recoveryReport().findings().stream()
                        .anyMatch(f -> f.kind() == RecoveryReport.Kind.SNAPSHOT_ROLLED_FORWARD);
                KeyValueState rebuilt = startUp(reopened, after::contents, context);
                assertEquals(KeyValueState.reference(5), rebuilt, "snapshot + replay, " + context);
                assertEquals(5, reopened.lastSequence(), context);
                long covered = reopened.checkpointSequence();
                assertTrue(covered == 3 || covered == 5, "checkpoint " + covered + ", " + context);
                if (rolled) {
                    rolledForward++;
                    assertEquals(KeyValueState.reference(3), KeyValueState.read(new ByteArrayInputStream(beforeOpen),
                            "state.snap before open"), "the file before open is the previous snapshot, " + context);
                    assertEquals(5, covered, "a roll-forward completes the new checkpoint, " + context);
                } else if (covered == 3) {
                    previous++;
                } else {
                    next++;
                }
            }
        }
        System.out.println("[wal4j] SnapshotInForceTest: power cuts at every file operation of a snapshot"
                + " checkpoint: " + previous + " kept the previous checkpoint, " + rolledForward
                + " rolled the committed snapshot forward at open, " + next + " had the new one in place");
        assertTrue(rolledForward > 0, "no cut fell between the checkpoint commit and the snapshot rename");
        assertTrue(previous > 0 && next > 0, previous + " previous, " + next + " next");
    }

    /**
     * The same crash state built by hand on the file system, on the I/O layer of this run: the
     * checkpoint covering 5 committed, its snapshot still under the temporary name, the snapshot file
     * the previous one (covering 3).
     */
    @Test
    void committedCheckpointWithTheRenamePendingNamesTheNewSnapshot() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshot = Files.createDirectories(tmp.resolve("snapshots")).resolve("state.snap").toAbsolutePath();
        KeyValueState state = new KeyValueState();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            appendAndApply(wal, state, 1, 3);
            wal.checkpoint(snapshot, state::writeTo);
            appendAndApply(wal, state, 4, 5);
        }
        byte[] committed = bytesOf(state);
        long generation = 0x0123_4567_89abL;
        Files.write(Checkpoint.temporaryFor(snapshot, generation), committed);
        new CheckpointStore(new JavaStorage(), dir)
                .write(new Checkpoint(5, generation, snapshot, committed.length, crc32c(committed)));

        KeyValueState readBeforeOpen = KeyValueState.read(snapshot);
        assertEquals(3, readBeforeOpen.applied(), "the premise: the file holds the previous snapshot");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            WalSnapshot inForce = wal.snapshot().orElseThrow(() -> new AssertionError("no snapshot named"));
            assertEquals(new WalSnapshot(snapshot, 5, committed.length, crc32c(committed)), inForce);
            assertEquals(KeyValueState.reference(5), startUp(wal, Files::readAllBytes, "rename pending"));
            // What an application that read the file before open got: records 4 and 5 are nowhere.
            KeyValueState early = readBeforeOpen;
            wal.replay(early.applied() + 1, (sequence, payload) -> fail("replayed " + sequence));
            assertNotEquals(KeyValueState.reference(5), early);
        }
    }

    /** The API follows the checkpoints of the session, and a failed one changes nothing. */
    @Test
    void followsTheCheckpointsOfTheSession() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
        Path first = snapshots.resolve("a.snap").toAbsolutePath();
        Path second = snapshots.resolve("b.snap").toAbsolutePath();
        KeyValueState state = new KeyValueState();
        WalSnapshot atFour;
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(Optional.empty(), wal.snapshot(), "a new log");
            appendAndApply(wal, state, 1, 3);
            wal.checkpoint(2);
            assertEquals(Optional.empty(), wal.snapshot(), "a checkpoint without a snapshot names none");

            wal.checkpoint(first, state::writeTo);
            byte[] three = bytesOf(state);
            assertEquals(Optional.of(new WalSnapshot(first, 3, three.length, crc32c(three))), wal.snapshot());

            appendAndApply(wal, state, 4, 4);
            KeyValueState four = state;
            wal.checkpoint(second, 4, four::writeTo);
            byte[] fourBytes = bytesOf(four);
            atFour = new WalSnapshot(second, 4, fourBytes.length, crc32c(fourBytes));
            assertEquals(Optional.of(atFour), wal.snapshot());

            appendAndApply(wal, state, 5, 5);
            assertThrows(IOException.class, () -> wal.checkpoint(first, out -> {
                out.write(1);
                throw new IOException("the writer failed");
            }));
            assertEquals(Optional.of(atFour), wal.snapshot(), "a failed checkpoint changes nothing");
            wal.checkpoint(4); // at the checkpoint in force: does nothing
            assertEquals(Optional.of(atFour), wal.snapshot());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(Optional.of(atFour), wal.snapshot(), "after reopening");
            assertEquals(KeyValueState.reference(5), startUp(wal, Files::readAllBytes, "reopened"));
            wal.checkpoint(5);
            assertEquals(Optional.empty(), wal.snapshot(),
                    "a checkpoint without a snapshot replaces one with a snapshot: none is in force");
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(Optional.empty(), wal.snapshot());
            assertTrue(Files.exists(second), "the file is left where it was");
        }
    }

    /** The record refuses what no checkpoint can name (null: {@code BadInputTest}). */
    @Test
    void recordRefusesImpossibleValues() {
        Path p = tmp.resolve("s").toAbsolutePath();
        assertThrows(IllegalArgumentException.class, () -> new WalSnapshot(p, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new WalSnapshot(p, 1, -1, 0));
        assertEquals(p, new WalSnapshot(p, 0, 0, 0).path());
    }
}
