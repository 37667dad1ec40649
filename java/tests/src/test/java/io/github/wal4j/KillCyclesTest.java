package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.fixtures.CrashAsserts;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.fixtures.KillCycleChild;
import io.github.wal4j.fixtures.Payloads;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many SIGKILLs on one log directory. Each cycle a child JVM reopens the log (so recovery runs on
 * what the previous kill left), appends from 4 threads with acks, and in some cycles checkpoints
 * {@code checkpoint(upTo)} at acknowledged sequences; it is killed at a random moment: before or
 * during open and recovery, just as appends start, just after a checkpoint started, or after some
 * acks. After every cycle this JVM opens the log, checks it and closes it: in place, or (half the
 * cycles) on a copy of the directory, so that the next child recovers the crashed state itself.
 *
 * <p>What is checked: the checkpoint never goes back and covers at least every acknowledged
 * checkpoint; the records after it are contiguous; every record ever acknowledged, or seen by an
 * earlier check, that the checkpoint does not cover is there exactly once at its sequence, with its
 * payload; per (cycle, thread) records are in order without gaps; no record is one that was never
 * appended (at most one in flight per thread beyond its acks).
 *
 * <p>Protection: each cycle's child (and the check after it) opens the log with the protection of
 * the cycle, drawn from the seed: the first cycle's at random, later ones keep the previous
 * cycle's or (one cycle in four) draw again, so one directory holds runs of AES-256-GCM, HMAC-chain
 * and plain segments. The key provider is always given, so protected segments stay readable after
 * a switch to none. A plain segment that holds records after the checkpoint is refused by a
 * protected open (it could have been planted), so before a cycle switches from none to a
 * protection this JVM converts the log the documented way: open it plain, checkpoint up to its last
 * sequence, close it (docs/security/threat-model.md, "Protecting an existing plain log").
 *
 * <p>Cycles: {@code max(50, wal4j.tries / 20)}.
 */
class KillCyclesTest {
    private static final int THREADS = 4;

    @TempDir
    Path tmp;

    /** Sequence to tag ("c:t:i;") of every record known to exist: acknowledged, or seen by a check. */
    private final NavigableMap<Long, String> known = new TreeMap<>();
    /** The highest index acknowledged per "cycle:thread". */
    private final Map<String, Long> maxAckedIndex = new HashMap<>();
    private final Set<Long> checkpointsIntended = new HashSet<>();
    private long checkpointAcked;
    private long checkpointSeen;

    @Test
    void everyAcknowledgedRecordSurvivesManyKills() throws Exception {
        long seed = Seeds.seed("KillCyclesTest");
        int cycles = Math.max(50, Seeds.tries() / 20);
        SplittableRandom random = new SplittableRandom(seed);
        Path dir = tmp.resolve("wal");
        Map<String, Integer> kills = new TreeMap<>();
        int beforeOpened = 0;
        int duringCheckpoint = 0;
        int tornCuts = 0;
        int temporariesRemoved = 0;
        int childRecoveries = 0;
        int conversions = 0;
        Map<Protection, Integer> protections = new TreeMap<>();
        Protection protection = null;
        // Whether a cycle without protection may have left plain records that the checkpoint does not cover.
        boolean plainRecords = false;
        long started = System.nanoTime();
        for (int cycle = 0; cycle < cycles; cycle++) {
            boolean checkpoints = random.nextInt(10) < 4;
            Protection lastProtection = protection;
            if (protection == null || random.nextInt(4) == 0) {
                protection = Protections.draw(random);
            }
            protections.merge(protection, 1, Integer::sum);
            int mode = random.nextInt(100);
            String kind;
            int count;
            int delayMillis;
            if (mode < 10) {
                kind = "start";
                count = 0;
                delayMillis = random.nextInt(51);
            } else if (mode < 25) {
                kind = "S";
                count = 1;
                delayMillis = random.nextInt(41);
            } else if (mode < 40) {
                kind = "O";
                count = 1;
                delayMillis = random.nextInt(21);
            } else if (checkpoints && mode < 65) {
                kind = "C?";
                count = 1 + random.nextInt(3);
                delayMillis = random.nextInt(11);
            } else {
                kind = "A";
                count = 1 + random.nextInt(200);
                delayMillis = random.nextInt(101);
            }
            long childSeed = random.nextLong();
            String where = "seed " + seed + ", cycle " + cycle + " (" + protection + ", kill " + delayMillis
                    + " ms after " + (kind.equals("start") ? "the start" : count + " '" + kind + "' line(s)")
                    + (checkpoints ? ", checkpointing" : "") + ")";
            kills.merge(kind, 1, Integer::sum);
            if (protection != Protection.NONE && plainRecords) {
                protect(dir, lastProtection, where + " [converting the plain log before protecting it]");
                conversions++;
                plainRecords = false;
            }
            if (protection == Protection.NONE) {
                plainRecords = true;
            }

            Path ackPath = tmp.resolve("ack-" + cycle + ".txt");
            AckFile ack = new AckFile(ackPath);
            try (CrashJvm child = CrashJvm.start(KillCycleChild.class, tmp, "child-" + cycle, dir.toString(),
                    ackPath.toString(), Integer.toString(cycle), Integer.toString(THREADS), Long.toString(childSeed),
                    Boolean.toString(checkpoints), protection.name())) {
                if (!kind.equals("start")) {
                    ack.awaitLines(child, lines -> ack.count(kind) >= count, 60_000, where);
                }
                Thread.sleep(delayMillis);
                child.kill();
            }

            List<String> lines = AckFile.readAll(ackPath);
            String lastCheckpointLine = null;
            boolean opened = false;
            Map<Integer, Long> lastSeqOfThread = new HashMap<>();
            for (String line : lines) {
                String[] w = line.split(" ");
                switch (w[0]) {
                    case "S" -> {
                    }
                    case "O" -> opened = true;
                    case "A" -> {
                        int t = Integer.parseInt(w[1]);
                        long i = Long.parseLong(w[2]);
                        long seq = Long.parseLong(w[3]);
                        String tag = Payloads.tag(cycle, t, i);
                        String before = known.put(seq, tag);
                        if (before != null && !before.equals(tag)) {
                            fail("sequence " + seq + " acknowledged for " + tag + ", but it held " + before + ", " + where);
                        }
                        Long previous = lastSeqOfThread.put(t, seq);
                        if (previous != null && previous >= seq) {
                            fail("thread " + t + " got sequence " + seq + " after " + previous + ", " + where);
                        }
                        maxAckedIndex.merge(cycle + ":" + t, i, Math::max);
                    }
                    case "C?" -> {
                        checkpointsIntended.add(Long.parseLong(w[1]));
                        lastCheckpointLine = line;
                    }
                    case "C" -> {
                        checkpointAcked = Math.max(checkpointAcked, Long.parseLong(w[1]));
                        lastCheckpointLine = line;
                    }
                    default -> fail("ack line '" + line + "' (the child's own check failed?), " + where);
                }
            }
            if (!opened) {
                beforeOpened++;
            }
            if (lastCheckpointLine != null && lastCheckpointLine.startsWith("C?")) {
                duringCheckpoint++;
            }

            // Half the time the check runs on a copy, so that the next child, not this JVM, recovers
            // what the kill left (and may be killed while it does).
            boolean onCopy = random.nextBoolean();
            RecoveryReport report;
            if (onCopy) {
                Path copy = copyOf(dir, tmp.resolve("copy-" + cycle));
                report = verify(copy, cycle, protection, where + " [checked on a copy]");
                deleteTree(copy);
                childRecoveries++;
            } else {
                report = verify(dir, cycle, protection, where);
            }
            if (report.bytesCut() > 0) {
                tornCuts++;
            }
            temporariesRemoved += (int) report.findings().stream()
                    .filter(f -> f.kind() == RecoveryReport.Kind.TEMPORARY_REMOVED).count();
        }
        System.out.println("[wal4j] KillCyclesTest: " + cycles + " kills " + kills + " in "
                + (System.nanoTime() - started) / 1_000_000 + " ms; protections " + protections + ", " + conversions
                + " plain-to-protected conversions; " + beforeOpened + " before open returned, "
                + duringCheckpoint + " during a checkpoint; parent found " + tornCuts + " torn tails and "
                + temporariesRemoved + " temporary files; " + childRecoveries + " crashed logs left for the next "
                + "child to recover; " + known.size() + " records known, last sequence "
                + (known.isEmpty() ? 0 : known.lastKey()) + ", checkpoint " + checkpointSeen);
    }

    private static Path copyOf(Path dir, Path copy) throws IOException {
        Files.createDirectories(copy);
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
        }
        return copy;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /**
     * Makes a log that plain cycles wrote to ready for a protected open: opens it without protection
     * (after the checks of the previous cycle, so nothing new is learnt), checkpoints up to its last
     * sequence and closes it.
     */
    private void protect(Path dir, Protection previous, String where) throws Exception {
        try (WriteAheadLog wal = CrashAsserts.open(dir, KillCycleChild.options(Protection.NONE), where)) {
            long last = wal.lastSequence();
            assertEquals(Protection.NONE, previous, where);
            if (last > wal.checkpointSequence()) {
                wal.checkpoint(last);
                checkpointsIntended.add(last);
                checkpointAcked = Math.max(checkpointAcked, last);
                known.headMap(last, true).clear();
            }
        }
    }

    /** Opens the log, checks it against everything known, adds what it holds to what is known, closes it. */
    private RecoveryReport verify(Path dir, int cycle, Protection protection, String where) throws Exception {
        try (WriteAheadLog wal = CrashAsserts.open(dir, KillCycleChild.options(protection), where)) {
            RecoveryReport report = wal.recoveryReport();
            long cp = wal.checkpointSequence();
            String context = where + ": checkpoint " + cp + "; " + report.summary();
            assertTrue(cp >= checkpointSeen, "the checkpoint went back from " + checkpointSeen + ", " + context);
            assertTrue(cp >= checkpointAcked, "acknowledged checkpoint " + checkpointAcked + " lost, " + context);
            assertTrue(cp == 0 || checkpointsIntended.contains(cp), "a checkpoint never asked for, " + context);
            checkpointSeen = cp;

            List<WalRecord> records = wal.recover();
            assertEquals(cp + records.size(), wal.lastSequence(), "lastSequence vs recover(), " + context);
            Map<String, Long> lastIndex = new HashMap<>();
            Set<String> tags = new HashSet<>();
            for (int k = 0; k < records.size(); k++) {
                WalRecord r = records.get(k);
                assertEquals(cp + 1 + k, r.sequence(), "sequences not contiguous after the checkpoint, " + context);
                long[] origin = Payloads.parseTag(r.payload());
                assertNotNull(origin, "record " + r.sequence() + " has no tag: " + Payloads.describe(r.payload()) + ", "
                        + context);
                int c = (int) origin[0];
                int t = (int) origin[1];
                long i = origin[2];
                String tag = Payloads.tag(c, t, i);
                assertArrayEquals(Payloads.tagged(c, t, i, KillCycleChild.MAX_FILLER), r.payload(),
                        "payload of record " + r.sequence() + " (" + tag + "), " + context);
                assertTrue(c <= cycle && t >= 0 && t < THREADS, "record " + r.sequence() + " is " + tag + ", " + context);
                assertTrue(tags.add(tag), tag + " appears twice (again at sequence " + r.sequence() + "), " + context);
                String expected = known.get(r.sequence());
                if (expected != null) {
                    assertEquals(expected, tag, "record " + r.sequence() + " holds another record than before, "
                            + context);
                }
                String thread = c + ":" + t;
                Long previous = lastIndex.put(thread, i);
                if (previous != null) {
                    assertEquals(previous + 1, i, "thread " + thread + "'s records out of order or with a gap at "
                            + "sequence " + r.sequence() + ", " + context);
                }
                // A thread appends one record at a time: at most one beyond its last ack was in flight.
                long acked = maxAckedIndex.getOrDefault(thread, -1L);
                assertTrue(i <= acked + 1, tag + " at sequence " + r.sequence() + " was never appended: thread "
                        + thread + " had its record " + acked + " acknowledged last, " + context);
            }
            for (Map.Entry<Long, String> e : known.tailMap(cp, false).entrySet()) {
                long seq = e.getKey();
                assertTrue(seq <= wal.lastSequence(), "record " + seq + " (" + e.getValue() + "), acknowledged or "
                        + "seen before, is lost: the log ends at " + wal.lastSequence() + ", " + context);
                // present at the right place: checked against `known` in the loop above
            }
            for (WalRecord r : records) {
                long[] o = Payloads.parseTag(r.payload());
                known.put(r.sequence(), Payloads.tag((int) o[0], (int) o[1], o[2]));
            }
            known.headMap(cp, true).clear();
            return report;
        }
    }
}
