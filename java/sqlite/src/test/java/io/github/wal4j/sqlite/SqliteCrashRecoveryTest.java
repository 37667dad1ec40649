package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.WalException;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a {@link TransferWriterChild} that commits bank transfers through a {@link SqliteCommitNode}
 * into a real SQLite file, again and again on the same WAL and database, then recovers in this JVM
 * (opening the node replays) and checks the database:
 * <ul>
 *   <li>{@code PRAGMA integrity_check} says "ok";</li>
 *   <li>every acknowledged transfer (its commit returned in the child) is there exactly once, with
 *       the sequence number it was acknowledged with; so is the transfer in flight at an injected
 *       crash point (it was durable in the WAL);</li>
 *   <li>no transfer is there twice (the table has no unique constraint, so a double apply would show),
 *       every row is a transfer the child meant to commit, with its accounts and amount, and the rows'
 *       sequence numbers are exactly 1..applied;</li>
 *   <li>every balance equals the initial balance plus the transfers in the table (nothing is
 *       half-applied), so the total never changes;</li>
 *   <li>the WAL's checkpoint equals the applied sequence and nothing is left to replay.</li>
 * </ul>
 * Kill points, mixed at random: SIGKILL soon after start (JVM start, open, replay of what the last
 * crash left), SIGKILL after some acknowledged commits (anywhere in a commit), and {@code
 * Runtime.halt} in the child between the WAL append and the database transaction, in the middle of
 * the database transaction, and between the database commit and the WAL checkpoint. Half of the
 * checks run on a copy of the files, so the next child recovers the crash itself.
 *
 * <p>{@code max(12, wal4j.tries / 80)} kills per journal mode (WAL and DELETE): 24 by default. The
 * seed is printed; {@code -Dwal4j.seed=N} repeats a run.
 */
class SqliteCrashRecoveryTest {
    private static final int ACCOUNTS = 8;
    private static final int MAX_COMMITS_BEFORE_KILL = 40;
    /** Committing threads in each child. */
    private static final int THREADS = 4;
    /** Checkpoint policies (every N changes) the children run with, one chosen per cycle. */
    private static final long[] CHECKPOINT_EVERY = {1, 8, 64, 16_384};

    enum Kill {
        /** SIGKILL within 400 ms of the child's first line: JVM start, node open, replay. */
        SIGKILL_EARLY(null),
        /** SIGKILL 0..15 ms after the n-th acknowledged commit: anywhere in a later commit. */
        SIGKILL(null),
        /** Halt between the WAL append and the database transaction. */
        HALT_AFTER_APPEND(TransferWriterChild.Point.append),
        /** Halt inside the database transaction, between the debit and the credit. */
        HALT_MID_APPLY(TransferWriterChild.Point.midApply),
        /** Halt after the database commit, before the WAL checkpoint. */
        HALT_AFTER_APPLY(TransferWriterChild.Point.apply);

        final TransferWriterChild.Point point;

        Kill(TransferWriterChild.Point point) {
            this.point = point;
        }
    }

    @TempDir
    Path tmp;

    /** Every transfer a child ever announced ("I" line), by id. */
    private final Map<Long, Bank.Transfer> intended = new HashMap<>();
    /** Every acknowledged transfer's id and the sequence number it was acknowledged with. */
    private final Map<Long, Long> acknowledged = new HashMap<>();
    /**
     * The transfers in flight at an injected crash point that are durable in the WAL there, so must
     * be in the database: every point's, and with overlapped apply only those after the commit.
     */
    private final Set<Long> halted = new HashSet<>();

    @Test
    void walJournalModeStaysExactlyOnceAcrossKills() throws Exception {
        run(JournalMode.WAL, false, false);
    }

    @Test
    void deleteJournalModeStaysExactlyOnceAcrossKills() throws Exception {
        run(JournalMode.DELETE, false, false);
    }

    /**
     * SQLite loses its unsynced tail: after each SIGKILL the database is put back as it was at
     * SQLite's last durable point (the child's copy), as a power cut that took every write SQLite
     * had not synced would leave it; the WAL must re-apply every acknowledged change it lost.
     */
    @Test
    void walJournalModeSurvivesSqliteLosingItsUnsyncedTail() throws Exception {
        run(JournalMode.WAL, true, false);
    }

    /**
     * The same, with the WAL checkpointed past SQLite's durable point (a switch only tests reach):
     * the check must fail, which shows it tests the rule.
     */
    @Test
    void checkpointingPastSqlitesDurablePointIsCaught() throws Exception {
        Throwable failure = assertThrows(Throwable.class, () -> run(JournalMode.WAL, true, true));
        System.out.println("[wal4j] SqliteCrashRecoveryTest: with the WAL checkpointed past SQLite's durable point,"
                + " the check fails as it must: " + failure);
        assertTrue(failure instanceof WalException || failure instanceof AssertionError, failure.toString());
        assertTrue(failure.getMessage().contains("checkpointed up to") || failure.getMessage().contains("not in the"
                + " database"), failure.getMessage());
    }

    private void run(JournalMode mode, boolean restoreDurable, boolean unsafe) throws Exception {
        String name = "SqliteCrashRecoveryTest[" + mode + (restoreDurable ? ", durable copy" : "")
                + (unsafe ? ", unsafe" : "") + "]";
        long seed = Seeds.seed(name);
        int cycles = unsafe ? 1 : restoreDurable ? Math.max(6, Seeds.tries() / 160) : Math.max(12, Seeds.tries() / 80);
        SplittableRandom random = new SplittableRandom(seed);
        List<Kill> schedule = restoreDurable ? java.util.Collections.nCopies(cycles, Kill.SIGKILL)
                : schedule(cycles, random);
        Path durableDir = restoreDurable ? Files.createDirectories(tmp.resolve("durable")) : null;
        Path walDir = tmp.resolve("wal");
        Path db = tmp.resolve("bank.db");
        Path sqliteTmp = Files.createDirectories(tmp.resolve("sqlite-tmp"));
        Map<Kill, Integer> kills = new TreeMap<>();
        int onCopies = 0;
        long replayedByParent = 0;
        long replayedByChildren = 0;
        long started = System.nanoTime();

        for (int cycle = 0; cycle < cycles; cycle++) {
            Kill kill = schedule.get(cycle);
            int crashAt = unsafe ? 200 : restoreDurable ? 20 + random.nextInt(200)
                    : 1 + random.nextInt(MAX_COMMITS_BEFORE_KILL);
            long checkpointEvery = unsafe ? 100_000 : restoreDurable ? 8 + random.nextInt(40)
                    : CHECKPOINT_EVERY[random.nextInt(CHECKPOINT_EVERY.length)];
            int delayMillis = kill == Kill.SIGKILL_EARLY ? random.nextInt(401) : random.nextInt(16);
            long childSeed = random.nextLong();
            boolean onCopy = random.nextBoolean();
            String where = "seed " + seed + ", " + name + ", cycle " + cycle + ", checkpoint every " + checkpointEvery
                    + ": " + kill
                    + (kill == Kill.SIGKILL_EARLY ? " " + delayMillis + " ms after start"
                            : kill == Kill.SIGKILL ? " " + delayMillis + " ms after ack " + crashAt
                                    : " at change " + crashAt + " of the run");
            kills.merge(kill, 1, Integer::sum);

            Path ackPath = tmp.resolve("ack-" + cycle + ".txt");
            AckFile ack = new AckFile(ackPath);
            try (CrashJvm child = CrashJvm.start(TransferWriterChild.class, tmp.resolve("logs"), "child-" + cycle,
                    walDir.toString(), db.toString(), ackPath.toString(), mode.name(), Integer.toString(ACCOUNTS),
                    Integer.toString(cycle), Long.toString(childSeed),
                    (kill.point == null ? TransferWriterChild.Point.none : kill.point).name(),
                    Integer.toString(crashAt), sqliteTmp.toString(), Integer.toString(THREADS),
                    durableDir == null ? "-" : durableDir.toString(), unsafe ? "unsafe" : "safe",
                    Long.toString(checkpointEvery), Boolean.toString(NodeDefaults.OVERLAPPED))) {
                switch (kill) {
                    case SIGKILL_EARLY -> {
                        ack.awaitLines(child, lines -> ack.count("S") >= 1, 60_000, where);
                        Thread.sleep(delayMillis);
                        child.kill();
                    }
                    case SIGKILL -> {
                        ack.awaitLines(child, lines -> ack.count("A") >= crashAt, 60_000, where);
                        Thread.sleep(delayMillis);
                        child.kill();
                    }
                    default -> {
                        int status = child.awaitExit(60_000);
                        if (status != TransferWriterChild.HALT_STATUS) {
                            fail(where + ": the child ended with status " + status + " instead of halting with "
                                    + TransferWriterChild.HALT_STATUS + "\n" + child.output());
                        }
                    }
                }
            }
            replayedByChildren += readAcks(AckFile.readAll(ackPath), kill, where);

            if (restoreDurable) {
                restoreDurableCopy(durableDir, db, where);
                replayedByParent += recoverAndCheck(mode, walDir, db, where + " [SQLite's unsynced tail lost]");
            } else if (onCopy) {
                Path copy = tmp.resolve("copy-" + cycle);
                Path copyDb = copy.resolve(db.getFileName());
                Path copyWal = copy.resolve(walDir.getFileName());
                copyFiles(db, copyDb, walDir, copyWal);
                replayedByParent += recoverAndCheck(mode, copyWal, copyDb, where + " [checked on a copy]");
                deleteTree(copy);
                onCopies++;
            } else {
                replayedByParent += recoverAndCheck(mode, walDir, db, where);
            }
        }
        System.out.println("[wal4j] " + name + ": " + THREADS + " committing threads, " + cycles + " kills " + kills + " in "
                + (System.nanoTime() - started) / 1_000_000 + " ms; " + acknowledged.size() + " transfers acknowledged, "
                + halted.size() + " in flight at a halt; " + replayedByParent + " changes replayed by this JVM, "
                + replayedByChildren + " by the children at open; " + onCopies + " checks on a copy");
    }

    /** Every kind at least once (the three halt points and SIGKILL twice as often), then shuffled. */
    private static List<Kill> schedule(int cycles, SplittableRandom random) {
        Kill[] pattern = {Kill.SIGKILL_EARLY, Kill.SIGKILL, Kill.SIGKILL, Kill.SIGKILL, Kill.HALT_AFTER_APPEND,
            Kill.HALT_AFTER_APPEND, Kill.HALT_MID_APPLY, Kill.HALT_AFTER_APPLY, Kill.HALT_AFTER_APPLY, Kill.SIGKILL,
            Kill.HALT_MID_APPLY, Kill.SIGKILL_EARLY};
        List<Kill> kinds = new ArrayList<>();
        for (int i = 0; i < cycles; i++) {
            kinds.add(pattern[i % pattern.length]);
        }
        for (int i = kinds.size() - 1; i > 0; i--) {
            Collections.swap(kinds, i, random.nextInt(i + 1));
        }
        return kinds;
    }

    /**
     * Puts the database back as it was at SQLite's last durable point: the child's copy of the
     * database file (taken when the file alone held every applied change), without the {@code -wal}
     * and {@code -shm} files, whose unsynced frames a power cut may take.
     */
    private static void restoreDurableCopy(Path durableDir, Path db, String where) throws IOException {
        Path copy = durableDir.resolve(TransferWriterChild.DURABLE_COPY);
        assertTrue(Files.exists(copy), where + ": the child made no durable copy (the open makes the first)");
        for (String suffix : List.of("-wal", "-shm", "-journal")) {
            Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
        }
        Files.copy(copy, db, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads one child's ack lines into the maps and checks them; returns how many changes it replayed at open. */
    private long readAcks(List<String> lines, Kill kill, String where) {
        long replayed = 0;
        int intents = 0;
        int acks = 0;
        long highestAck = 0;
        String halt = null;
        long haltSequence = 0;
        for (String line : lines) {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "S" -> {
                }
                case "O" -> replayed = Long.parseLong(w[2]);
                case "I" -> {
                    Bank.Transfer t = new Bank.Transfer(Long.parseLong(w[1]), Integer.parseInt(w[2]),
                            Integer.parseInt(w[3]), Long.parseLong(w[4]));
                    if (intended.put(t.id(), t) != null) {
                        fail(where + ": transfer id " + t.id() + " announced twice");
                    }
                    intents++;
                }
                case "A" -> {
                    long id = Long.parseLong(w[1]);
                    if (!intended.containsKey(id)) {
                        fail(where + ": acknowledged transfer " + id + " was never announced");
                    }
                    acknowledged.put(id, Long.parseLong(w[2]));
                    highestAck = Math.max(highestAck, Long.parseLong(w[2]));
                    acks++;
                }
                case "H" -> {
                    halt = line;
                    if (kill.point == null || !w[1].equals(kill.point.name())) {
                        fail(where + ": the child halted at '" + line + "'");
                    }
                    // Overlapped, the append and the apply run before the change is durable: only a halt
                    // after the database commit is sure to find it in the WAL.
                    if (!NodeDefaults.OVERLAPPED || kill.point == TransferWriterChild.Point.apply) {
                        halted.add(Long.parseLong(w[2]));
                    }
                    haltSequence = Long.parseLong(w[3]);
                }
                default -> fail(where + ": ack line '" + line + "' (the child's own check failed)");
            }
        }
        if (intents - acks < 0 || intents - acks > THREADS) {
            fail(where + ": " + intents + " transfers announced but " + acks + " acknowledged: at most " + THREADS
                    + " may be in flight");
        }
        if (kill.point != null) {
            if (halt == null) {
                fail(where + ": the child halted without an H line");
            }
            // Changes are applied in WAL order, and the halted one never was: nothing after it was acknowledged.
            assertTrue(highestAck < haltSequence, where + ": change " + highestAck + " was acknowledged, but the"
                    + " child halted before change " + haltSequence + " was applied");
        }
        return replayed;
    }

    /**
     * Opens the node in this JVM (its open replays what the crash left), closes it, and checks the
     * database through a connection of its own and the WAL directly. Returns how many changes the
     * open replayed.
     */
    private long recoverAndCheck(JournalMode mode, Path walDir, Path db, String where) throws Exception {
        long replayed;
        long applied;
        SqliteNodeOptions options = NodeDefaults.options().withJournalMode(mode)
                .withSchema(Bank.schema(ACCOUNTS));
        try (SqliteCommitNode node = SqliteCommitNode.open(walDir, db, Bank.applier(), options)) {
            replayed = node.replayedAtOpen();
            applied = node.appliedSequence();
            assertEquals(applied, node.checkpointSequence(), where + ": the WAL checkpoint after open");
        }

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement s = c.createStatement()) {
            assertEquals("ok", single(s, "PRAGMA integrity_check"), where + ": PRAGMA integrity_check");
            assertEquals(Long.toString(applied), single(s, "SELECT sequence FROM " + SqliteCommitNode.APPLIED_TABLE),
                    where + ": the applied sequence in the database");

            List<long[]> rows = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT transfer_id, from_account, to_account, amount, sequence"
                    + " FROM transfers")) {
                while (r.next()) {
                    rows.add(new long[] {r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)});
                }
            }
            rows.sort(Comparator.comparingLong(row -> row[4]));

            Map<Long, Integer> copies = new HashMap<>();
            for (long[] row : rows) {
                copies.merge(row[0], 1, Integer::sum);
            }
            List<Long> twice = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                    .sorted().toList();
            assertTrue(twice.isEmpty(), where + ": transfers applied more than once: " + twice);
            assertEquals(copies.size(), rows.size(), where + ": distinct transfer ids vs rows");

            long[] expected = new long[ACCOUNTS];
            java.util.Arrays.fill(expected, Bank.INITIAL);
            for (int i = 0; i < rows.size(); i++) {
                long[] row = rows.get(i);
                assertEquals(i + 1, row[4], where + ": the rows' sequence numbers must be exactly 1.." + applied);
                Bank.Transfer t = intended.get(row[0]);
                if (t == null) {
                    fail(where + ": transfer " + row[0] + " in the database was never announced by a child");
                }
                assertEquals(List.of(t.from(), t.to(), t.amount()), List.of((int) row[1], (int) row[2], row[3]),
                        where + ": transfer " + row[0] + " in the database differs from the one announced");
                expected[t.from()] -= t.amount();
                expected[t.to()] += t.amount();
            }
            assertEquals(applied, rows.size(), where + ": one row per applied change");

            for (Map.Entry<Long, Long> e : acknowledged.entrySet()) {
                if (!copies.containsKey(e.getKey())) {
                    fail(where + ": acknowledged transfer " + e.getKey() + " (sequence " + e.getValue()
                            + ") is not in the database");
                }
                long[] row = rows.get((int) (e.getValue() - 1));
                assertEquals(e.getKey(), row[0], where + ": sequence " + e.getValue() + " was acknowledged for "
                        + "transfer " + e.getKey());
            }
            for (long id : halted) {
                assertTrue(copies.containsKey(id), where + ": transfer " + id + " was durable in the WAL at a halt but"
                        + " is not in the database");
            }

            long[] actual = new long[ACCOUNTS];
            long total = 0;
            try (ResultSet r = s.executeQuery("SELECT id, balance FROM accounts ORDER BY id")) {
                int n = 0;
                while (r.next()) {
                    actual[r.getInt(1)] = r.getLong(2);
                    total += r.getLong(2);
                    n++;
                }
                assertEquals(ACCOUNTS, n, where + ": accounts");
            }
            assertEquals(ACCOUNTS * Bank.INITIAL, total, where + ": the total balance");
            assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(actual),
                    where + ": balances vs the transfers in the database (a half-applied transfer?)");
        }

        try (WriteAheadLog wal = WriteAheadLog.open(walDir)) {
            assertEquals(applied, wal.checkpointSequence(), where + ": the WAL's checkpoint");
            assertEquals(applied, wal.lastSequence(), where + ": the WAL's last sequence");
            assertTrue(wal.recover().isEmpty(), where + ": records left in the WAL after recovery");
        }
        return replayed;
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            assertTrue(r.next(), sql + " returned no row");
            String value = r.getString(1);
            assertTrue(!r.next(), sql + " returned more than one row");
            return value;
        }
    }

    /** Copies the database with its journal files (as a crash left them) and the WAL directory. */
    private static void copyFiles(Path db, Path copyDb, Path walDir, Path copyWal) throws IOException {
        Files.createDirectories(copyDb.getParent());
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Path file = db.resolveSibling(db.getFileName() + suffix);
            if (Files.exists(file)) {
                Files.copy(file, copyDb.resolveSibling(copyDb.getFileName() + suffix));
            }
        }
        if (Files.exists(walDir)) {
            Files.createDirectories(copyWal);
            try (Stream<Path> files = Files.list(walDir)) {
                for (Path f : files.toList()) {
                    Files.copy(f, copyWal.resolve(f.getFileName()));
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
