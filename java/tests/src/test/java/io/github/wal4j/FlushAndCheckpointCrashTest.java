package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.fixtures.CheckpointCrashChild;
import io.github.wal4j.fixtures.CrashAsserts;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.fixtures.KeyValueState;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spec's test_wal_flush_and_checkpoint, with real crashes. A child JVM keeps a state machine
 * ({@link KeyValueState}), appends records to one log (64 KiB segments, so checkpoints delete
 * segments), applies them, and checkpoints every 3 to 40 records with {@code checkpoint(snapshot,
 * writer)}; in SYNC cycles each append is acknowledged when it returns, in BUFFERED cycles a batch
 * when {@code flush()} returned. It is killed with SIGKILL at random, half the time just after it
 * started a checkpoint. The same directory is used by every cycle, and each child first rebuilds
 * and checks the state itself, so a child also recovers what the previous one left.
 *
 * <p>After a kill the parent reopens the log, loads the snapshot, replays {@code recover()} on top,
 * and asserts: the snapshot covers exactly {@code checkpointSequence()}, which is at least the last
 * acknowledged checkpoint; no replayed record is covered by it (the state machine refuses a record
 * twice); the result is the state after records 1..L for an L at least every acknowledgement and at
 * most what the child had started to append.
 */
class FlushAndCheckpointCrashTest {
    private static final int CYCLES = 10;

    @TempDir
    Path tmp;

    private long maxAcked;
    /** The protection of this run's log, drawn from the seed (one per run: the cycles share a directory). */
    private Protection protection = Protection.NONE;
    /**
     * Opens (children and checks) since the last cycle whose child completed a checkpoint: a
     * protected log starts a new segment at every open, and only a checkpoint removes them.
     */
    private int opensSinceCheckpoint;
    private long maxCheckpointAcked;
    private long maxIntended;
    private final Set<Long> checkpointsIntended = new HashSet<>();

    @Test
    void stateIsSnapshotPlusReplayOfExactlyTheAcknowledgedPrefix() throws Exception {
        long seed = Seeds.seed("FlushAndCheckpointCrashTest");
        SplittableRandom random = new SplittableRandom(seed);
        // Drawn from a generator of its own, so a seed printed before protection was a dimension
        // still replays the same cycles.
        protection = Protections.draw(new SplittableRandom(seed ^ 0x5DEECE66DL));
        Path dir = tmp.resolve("wal");
        Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
        Path snapshot = snapshots.resolve("state.snap");
        int midCheckpoint = 0;
        int rolledForward = 0;
        int verified = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            Durability durability = random.nextBoolean() ? Durability.SYNC : Durability.BUFFERED;
            boolean atCheckpoint = random.nextBoolean();
            int target = atCheckpoint ? 1 + random.nextInt(4) : 1 + random.nextInt(100);
            int delayMillis = atCheckpoint ? random.nextInt(15) : random.nextInt(100);
            // Every fourth cycle or so the parent does not look: the next child recovers the crash itself.
            boolean verify = cycle == CYCLES - 1 || random.nextInt(4) != 0;
            String where = "seed " + seed + ", cycle " + cycle + " (" + durability + ", " + protection + ", kill "
                    + delayMillis
                    + " ms after " + target + (atCheckpoint ? " checkpoint starts" : " acks") + ")";
            Path ackPath = tmp.resolve("ack-" + cycle + ".txt");
            AckFile ack = new AckFile(ackPath);
            try (CrashJvm child = CrashJvm.start(CheckpointCrashChild.class, tmp, "child-" + cycle, dir.toString(),
                    snapshot.toString(), ackPath.toString(), durability.name(), Long.toString(random.nextLong()),
                    "protection=" + protection.name())) {
                ack.awaitLines(child, lines -> ack.count(atCheckpoint ? "C?" : "A") >= target, 60_000, where);
                Thread.sleep(delayMillis);
                child.kill();
            }
            long checkpointedBefore = maxCheckpointAcked;
            opensSinceCheckpoint++;
            boolean inCheckpoint = readAcks(ackPath, where);
            if (maxCheckpointAcked > checkpointedBefore) {
                opensSinceCheckpoint = 1; // the child's own segment may still hold records after it
            }
            if (inCheckpoint) {
                midCheckpoint++;
            }
            if (verify) {
                rolledForward += verify(dir, snapshot, durability, where) ? 1 : 0;
                verified++;
            }
        }

        // A checkpoint of everything leaves one segment, and nothing to replay.
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Protections.apply(CheckpointCrashChild.options(
                Durability.SYNC), protection))) {
            KeyValueState state = KeyValueState.read(snapshot);
            for (WalRecord r : wal.recover()) {
                state.apply(r.sequence(), r.payload());
            }
            KeyValueState last = state;
            wal.checkpoint(snapshot, last::writeTo);
            assertEquals(1, segments(dir), "segments after a checkpoint of the whole log, seed " + seed);
            assertEquals(List.of(), wal.recover());
        }
        long strays;
        try (Stream<Path> s = Files.list(snapshots)) {
            strays = s.filter(p -> !p.equals(snapshot)).count();
        }
        System.out.println("[wal4j] FlushAndCheckpointCrashTest: " + CYCLES + " kills (" + midCheckpoint
                + " during a checkpoint), " + protection + ", " + verified + " verified, " + rolledForward
                + " snapshot roll-forwards at open, final sequence " + maxAcked + "+; " + strays
                + " stray snapshot temporary file(s) left in the snapshot directory by killed checkpoints");
    }

    /**
     * A kill while the snapshot writer is half way through (deterministic: the writer blocks until
     * the kill): the previous snapshot and checkpoint stay in force and nothing is lost.
     */
    @Test
    void killInsideTheSnapshotWriterKeepsThePreviousCheckpoint() throws Exception {
        Path dir = tmp.resolve("wal-hang");
        Path snapshots = Files.createDirectories(tmp.resolve("snapshots-hang"));
        Path snapshot = snapshots.resolve("state.snap");
        Path ackPath = tmp.resolve("ack-hang.txt");
        AckFile ack = new AckFile(ackPath);
        String where = "kill inside the third checkpoint's writer";
        try (CrashJvm child = CrashJvm.start(CheckpointCrashChild.class, tmp, "child-hang", dir.toString(),
                snapshot.toString(), ackPath.toString(), "SYNC", "42", "hang=3")) {
            ack.awaitLines(child, lines -> ack.count("H") == 1, 60_000, "the hanging writer");
            child.kill();
        }
        readAcks(ackPath, where);
        assertEquals(2, AckFile.readAll(ackPath).stream().filter(l -> l.startsWith("C ")).count(),
                "checkpoints completed before the hanging one");
        long stray;
        try (Stream<Path> s = Files.list(snapshots)) {
            stray = s.filter(p -> p.getFileName().toString().endsWith(".wal4j.tmp")).count();
        }
        verify(dir, snapshot, Durability.SYNC, where);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, CheckpointCrashChild.options(Durability.SYNC))) {
            assertEquals(maxCheckpointAcked, wal.checkpointSequence(), "the interrupted checkpoint took effect, " + where);
        }
        long strayAfterOpen;
        try (Stream<Path> s = Files.list(snapshots)) {
            strayAfterOpen = s.filter(p -> p.getFileName().toString().endsWith(".wal4j.tmp")).count();
        }
        System.out.println("[wal4j] FlushAndCheckpointCrashTest, " + where + ": checkpoint " + maxCheckpointAcked
                + " kept; temporary snapshot files: " + stray + " after the kill, " + strayAfterOpen
                + " after reopening");
    }

    /** Folds one cycle's ack file into the totals; returns whether the kill came during a checkpoint. */
    private boolean readAcks(Path ackPath, String where) throws IOException {
        long lastStarted = -1;
        long lastDone = -1;
        for (String line : AckFile.readAll(ackPath)) {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "A" -> maxAcked = Math.max(maxAcked, Long.parseLong(w[1]));
                case "I" -> maxIntended = Math.max(maxIntended, Long.parseLong(w[1]));
                case "C?" -> {
                    lastStarted = Long.parseLong(w[1]);
                    checkpointsIntended.add(lastStarted);
                }
                case "C" -> {
                    lastDone = Long.parseLong(w[1]);
                    maxCheckpointAcked = Math.max(maxCheckpointAcked, lastDone);
                }
                case "S", "R", "H" -> {
                }
                default -> fail("ack line '" + line + "', " + where);
            }
        }
        return lastStarted >= 0 && lastStarted != lastDone;
    }

    /** Reopens, rebuilds the state and checks it; returns whether open rolled a snapshot forward. */
    private boolean verify(Path dir, Path snapshot, Durability durability, String where) throws IOException {
        try (WriteAheadLog wal = CrashAsserts.open(dir, Protections.apply(CheckpointCrashChild.options(durability),
                protection), where)) {
            RecoveryReport report = wal.recoveryReport();
            long cp = wal.checkpointSequence();
            String context = where + ": checkpoint " + cp + ", acked " + maxAcked + ", checkpoint acked "
                    + maxCheckpointAcked + ", intended " + maxIntended + "; " + report.summary();
            assertEquals(cp, report.checkpointSequence(), context);
            assertTrue(cp >= maxCheckpointAcked, "an acknowledged checkpoint was lost, " + context);
            assertTrue(cp == 0 || checkpointsIntended.contains(cp),
                    "the checkpoint in force was never asked for, " + context);

            KeyValueState state;
            if (cp == 0) {
                assertFalse(Files.exists(snapshot), "a snapshot exists but no checkpoint is in force, " + context);
                assertEquals(Optional.empty(), wal.snapshot(), context);
                state = new KeyValueState();
            } else {
                assertEquals(Optional.of(snapshot.toAbsolutePath()), wal.snapshot().map(WalSnapshot::path), context);
                state = KeyValueState.read(snapshot);
                assertEquals(cp, state.applied(), "the snapshot covers another sequence than checkpointSequence(), "
                        + context);
                assertEquals(KeyValueState.reference(cp), state, "the snapshot's content, " + context);
            }
            List<WalRecord> records = wal.recover();
            for (WalRecord r : records) {
                try {
                    state.apply(r.sequence(), r.payload());
                } catch (IllegalStateException e) {
                    fail("replaying recover() on the snapshot: " + e.getMessage() + "; " + context, e);
                }
            }
            long last = state.applied();
            assertEquals(last, wal.lastSequence(), "lastSequence() vs the records replayed, " + context);
            assertTrue(last >= maxAcked, "acknowledged records lost: state reaches " + last + ", " + context);
            assertTrue(last >= maxCheckpointAcked, context);
            assertTrue(last <= maxIntended, "a record that was never appended, state reaches " + last + ", " + context);
            assertEquals(KeyValueState.reference(last), state, "state after snapshot + replay, " + context);
            // Covered segments are deleted (at the latest by the next checkpoint): 64 KiB segments and a
            // checkpoint every 40 records of at most 1.5 KiB leave a handful, plus, in a protected log,
            // the segment each open since the last checkpoint started (this check's open included).
            opensSinceCheckpoint++;
            long bound = 6 + (protection == Protection.NONE ? 0 : opensSinceCheckpoint);
            assertTrue(segments(dir) <= bound, segments(dir) + " segments, more than " + bound + ", " + context);
            return report.findings().stream().anyMatch(f -> f.kind() == RecoveryReport.Kind.SNAPSHOT_ROLLED_FORWARD);
        }
    }

    private static long segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d{16}\\.wal")).count();
        }
    }
}
