package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.Durability;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalLockedException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The node's contract, one case at a time, in this JVM (the crash cases are in {@link SqliteCrashRecoveryTest}). */
class SqliteCommitNodeTest {
    private static final int ACCOUNTS = 4;

    @TempDir
    Path tmp;

    private Path walDir() {
        return tmp.resolve("wal");
    }

    private Path db() {
        return tmp.resolve("bank.db");
    }

    private static SqliteNodeOptions options() {
        return NodeDefaults.options().withSchema(Bank.schema(ACCOUNTS));
    }

    private static byte[] transfer(long id) {
        return new Bank.Transfer(id, (int) (id % ACCOUNTS), (int) ((id + 1) % ACCOUNTS), 7).encode();
    }

    private SqliteCommitNode open(ChangeApplier applier, SqliteNodeOptions options) throws Exception {
        return SqliteCommitNode.open(walDir(), db(), applier, options);
    }

    private SqliteCommitNode open() throws Exception {
        return open(Bank.applier(), options());
    }

    /** transfer ids in sequence order, read through a connection of the test's own. */
    private List<Long> transfers() throws SQLException {
        return Bank.transfers(db());
    }

    @ParameterizedTest
    @EnumSource(JournalMode.class)
    void commitAppliesRecordsTheSequenceAndCheckpoints(JournalMode mode) throws Exception {
        SqliteNodeOptions options = options().withJournalMode(mode);
        try (SqliteCommitNode node = open(Bank.applier(), options)) {
            assertEquals(0, node.appliedSequence());
            for (long id = 1; id <= 3; id++) {
                assertEquals(id, node.commit(transfer(id)));
                assertEquals(id, node.appliedSequence());
                // The default policy checkpoints every 16384 changes or 1 s: not after each commit.
                assertTrue(node.checkpointSequence() < id, "checkpoint " + node.checkpointSequence());
            }
            assertEquals(mode.name().toLowerCase(java.util.Locale.ROOT),
                    node.read(c -> single(c, "PRAGMA journal_mode")));
            assertEquals(mode == JournalMode.WAL ? "1" : "3", node.read(c -> single(c, "PRAGMA synchronous")));
            assertEquals("3", node.read(c -> single(c, "SELECT sequence FROM wal4j_applied")));
        }
        assertEquals(List.of(1L, 2L, 3L), transfers());
        try (SqliteCommitNode node = open(Bank.applier(), options)) {
            assertEquals(3, node.appliedSequence());
            assertEquals(3, node.checkpointSequence(), "close made SQLite durable and checkpointed the WAL");
            assertEquals(0, node.replayedAtOpen());
            assertEquals(4, node.commit(transfer(4)));
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), transfers());
    }

    /**
     * A node on a log the caller opened ({@link io.github.wal4j.DurableLog}): it replays what the log
     * holds past the database, commits through it, and closes it with itself.
     */
    @Test
    void openOnACallersLogReplaysCommitsAndClosesIt() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(walDir())) {
            wal.append(transfer(1)); // in the WAL, never applied: the node must replay it
        }
        WriteAheadLog wal = WriteAheadLog.open(walDir());
        try (SqliteCommitNode node = SqliteCommitNode.open(wal, db(), Bank.applier(), options())) {
            assertEquals(1, node.replayedAtOpen());
            assertEquals(1, node.appliedSequence());
            assertEquals(2, node.commit(transfer(2)));
            assertEquals(2, wal.lastSequence(), "the node appends to the log it was given");
        }
        assertThrows(WalClosedException.class, () -> wal.append(transfer(3)), "closing the node closes its log");
        assertEquals(List.of(1L, 2L), transfers());
    }

    /** A bad argument closes the log handed over, so its lock is not left held. */
    @Test
    void openOnACallersLogClosesItOnABadArgument() throws Exception {
        WriteAheadLog wal = WriteAheadLog.open(walDir());
        assertThrows(IllegalArgumentException.class,
                () -> SqliteCommitNode.open(wal, tmp.resolve("a?b.db"), Bank.applier(), options()));
        assertThrows(WalClosedException.class, () -> wal.append(transfer(1)));
        WriteAheadLog.open(walDir()).close(); // the lock was released
    }

    /** SQLite would create the database 0644 less the umask; its -wal and -shm files copy the database's mode. */
    @Test
    void newDatabaseAndItsSqliteFilesAreOwnerOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "POSIX permissions are not supported here");
        try (SqliteCommitNode node = open()) {
            node.commit(transfer(1));
            List<Path> files;
            try (Stream<Path> list = Files.list(tmp)) {
                files = list.filter(p -> p.getFileName().toString().startsWith("bank.db")).sorted().toList();
            }
            assertTrue(files.contains(db()) && files.size() >= 2, "the database and its -wal file: " + files);
            for (Path file : files) {
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(file)), file.toString());
            }
        }
    }

    @Test
    void openReplaysWhatTheWalHoldsAndTheDatabaseDoesNot() throws Exception {
        try (SqliteCommitNode node = open()) {
            node.commit(transfer(1));
        }
        // A crash between append and apply leaves this: records in the WAL, not in the database.
        try (WriteAheadLog wal = WriteAheadLog.open(walDir())) {
            wal.append(transfer(2));
            wal.append(transfer(3));
        }
        List<Long> replayed = new ArrayList<>();
        CommitListener listener = new CommitListener() {
            @Override
            public void applied(long sequence, boolean replay) {
                assertTrue(replay);
                replayed.add(sequence);
            }
        };
        try (SqliteCommitNode node = open(Bank.applier(), options().withListener(listener))) {
            assertEquals(2, node.replayedAtOpen());
            assertEquals(3, node.appliedSequence());
            assertEquals(3, node.checkpointSequence());
        }
        assertEquals(List.of(2L, 3L), replayed);
        assertEquals(List.of(1L, 2L, 3L), transfers());
    }

    @Test
    void openSkipsWhatTheDatabaseAlreadyApplied() throws Exception {
        try (SqliteCommitNode node = open()) {
            node.commit(transfer(1));
        }
        // A crash between the database commit and the WAL checkpoint leaves this: the record in the
        // WAL and, with its sequence number, in the database.
        try (WriteAheadLog wal = WriteAheadLog.open(walDir())) {
            assertEquals(2, wal.append(transfer(2)));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db())) {
            c.setAutoCommit(false);
            Bank.applier().apply(c, 2, transfer(2));
            try (Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE wal4j_applied SET sequence = 2");
            }
            c.commit();
        }
        try (SqliteCommitNode node = open()) {
            assertEquals(0, node.replayedAtOpen());
            assertEquals(2, node.appliedSequence());
            assertEquals(2, node.checkpointSequence());
        }
        assertEquals(List.of(1L, 2L), transfers());
    }

    @Test
    void aFailedApplyLeavesTheChangeInTheWalStopsTheNodeAndIsAppliedAtTheNextOpen() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean(true);
        ChangeApplier flaky = (c, sequence, change) -> {
            Bank.applier().apply(c, sequence, change);   // partly applied, then refused: rolled back
            if (refuse.get() && sequence == 2) {
                throw new SQLException("disk full (simulated)");
            }
        };
        try (SqliteCommitNode node = open(flaky, options())) {
            node.commit(transfer(1));
            ChangeNotAppliedException e = assertThrows(ChangeNotAppliedException.class, () -> node.commit(transfer(2)));
            assertEquals(2, e.sequence());
            assertTrue(e.getMessage().contains("durable in the write-ahead log"), e.getMessage());
            assertTrue(e.getMessage().contains("applied at the next start"), e.getMessage());
            assertInstanceOf(SQLException.class, e.getCause());
            assertTrue(node.stopped());
            assertEquals(1, node.appliedSequence());
            assertEquals(List.of(1L), node.read(c -> {
                try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM transfers")) {
                    r.next();
                    return List.of(r.getLong(1));
                }
            }));
            NodeStoppedException stopped = assertThrows(NodeStoppedException.class, () -> node.commit(transfer(3)));
            assertTrue(stopped.getMessage().contains("not appended"), stopped.getMessage());
        }
        assertEquals(List.of(1L), transfers());
        refuse.set(false);
        try (SqliteCommitNode node = open(flaky, options())) {
            assertEquals(1, node.replayedAtOpen());
            assertEquals(3, node.commit(transfer(3)));
        }
        assertEquals(List.of(1L, 2L, 3L), transfers());
    }

    @Test
    void aChangeThatFailsAgainAtReplayKeepsTheNodeClosedAndStaysInTheWal() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean(true);
        ChangeApplier refusing = (c, sequence, change) -> {
            if (refuse.get()) {
                throw new SQLException("refused (simulated)");
            }
            Bank.applier().apply(c, sequence, change);
        };
        try (SqliteCommitNode node = open(refusing, options())) {
            assertThrows(ChangeNotAppliedException.class, () -> node.commit(transfer(1)));
        }
        ChangeNotAppliedException e = assertThrows(ChangeNotAppliedException.class, () -> open(refusing, options()));
        assertEquals(1, e.sequence());
        assertTrue(e.getMessage().contains("applied at the next start"), e.getMessage());
        // Nothing was left open: the WAL is not locked, and the change is still there.
        refuse.set(false);
        try (SqliteCommitNode node = open(refusing, options())) {
            assertEquals(1, node.replayedAtOpen());
        }
        assertEquals(List.of(1L), transfers());
    }

    @Test
    void theApplierCannotCommitOrEndTheTransaction() throws Exception {
        List<String> refused = new ArrayList<>();
        ChangeApplier rude = (c, sequence, change) -> {
            Bank.applier().apply(c, sequence, change);
            for (String call : List.of("commit", "rollback", "setAutoCommit", "close")) {
                try {
                    switch (call) {
                        case "commit" -> c.commit();
                        case "rollback" -> c.rollback();
                        case "setAutoCommit" -> c.setAutoCommit(true);
                        default -> c.close();
                    }
                } catch (SQLException e) {
                    refused.add(call);
                }
            }
            assertFalse(c.isClosed());
            assertFalse(c.getAutoCommit());
        };
        try (SqliteCommitNode node = open(rude, options())) {
            node.commit(transfer(1));
        }
        assertEquals(List.of("commit", "rollback", "setAutoCommit", "close"), refused);
        assertEquals(List.of(1L), transfers());
    }

    @Test
    void refusesADatabaseAheadOfItsWal() throws Exception {
        try (SqliteCommitNode node = open()) {
            node.commit(transfer(1));
            node.commit(transfer(2));
        }
        deleteTree(walDir());
        WalException e = assertThrows(WalException.class, this::open);
        assertTrue(e.getMessage().contains("has applied changes up to 2"), e.getMessage());
        assertTrue(e.getMessage().contains("ends at 0"), e.getMessage());
    }

    @Test
    void refusesAnOlderCopyOfTheDatabase() throws Exception {
        try (SqliteCommitNode node = open()) {
            node.commit(transfer(1));
        }
        Path old = tmp.resolve("old.db");
        Files.copy(db(), old);
        try (SqliteCommitNode node = open()) {
            node.commit(transfer(2));
            node.commit(transfer(3));
        }
        Files.copy(old, db(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        WalException e = assertThrows(WalException.class, this::open);
        assertTrue(e.getMessage().contains("checkpointed up to 3"), e.getMessage());
        assertTrue(e.getMessage().contains("changes 2..3"), e.getMessage());
    }

    @Test
    void anotherWriterOfTheAppliedSequenceIsNoticedNotSkipped() throws Exception {
        // Two nodes with two WALs on one database: the second one's first commit finds the applied
        // sequence moved under it.
        try (SqliteCommitNode first = open();
                SqliteCommitNode second = SqliteCommitNode.open(tmp.resolve("other-wal"), db(), Bank.applier(),
                        options())) {
            first.commit(transfer(1));
            ChangeNotAppliedException e = assertThrows(ChangeNotAppliedException.class, () -> second.commit(transfer(2)));
            assertTrue(String.valueOf(e.getCause()).contains("only writer")
                    || String.valueOf(e.getCause()).contains("SQLITE_BUSY"), String.valueOf(e.getCause()));
        }
        assertEquals(List.of(1L), transfers());
    }

    @Test
    void aSecondNodeOnTheSameWalIsLockedOut() throws Exception {
        try (SqliteCommitNode node = open()) {
            assertThrows(WalLockedException.class, this::open);
            node.commit(transfer(1));
        }
    }

    @Test
    void aTooLargeChangeIsRefusedAndTheNodeGoesOn() throws Exception {
        SqliteNodeOptions options = options().withWalOptions(WalOptions.defaults().withMaxRecordSize(24));
        try (SqliteCommitNode node = open(Bank.applier(), options)) {
            assertThrows(RecordTooLargeException.class, () -> node.commit(new byte[25]));
            assertFalse(node.stopped());
            assertEquals(1, node.commit(transfer(1)));
        }
    }

    @Test
    void theListenerSeesAppendThenApplyThenCheckpoint() throws Exception {
        List<String> steps = java.util.Collections.synchronizedList(new ArrayList<>());
        CommitListener listener = new CommitListener() {
            @Override
            public void appended(long sequence) {
                steps.add("appended " + sequence);
            }

            @Override
            public void applied(long sequence, boolean replay) {
                steps.add("applied " + sequence + (replay ? " (replay)" : ""));
            }

            @Override
            public void checkpointed(long sequence) {
                steps.add("checkpointed " + sequence);
                throw new IllegalStateException("a listener that throws is ignored");
            }
        };
        try (SqliteCommitNode node = open(Bank.applier(), options().withListener(listener))) {
            node.commit(transfer(1));
            node.commit(transfer(2));
        }
        // The default policy does not checkpoint after two changes; close does, once, after both.
        assertEquals(List.of("appended 1", "applied 1", "appended 2", "applied 2", "checkpointed 2"), steps);
    }

    @Test
    void optionsAndLifecycle() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> NodeDefaults.options()
                .withWalOptions(WalOptions.defaults().withDurability(Durability.BUFFERED)));
        assertThrows(IllegalArgumentException.class, () -> SqliteCommitNode.open(walDir(), tmp.resolve("a?b.db"),
                Bank.applier()));
        SqliteCommitNode node = open();
        node.close();
        node.close();
        assertThrows(WalClosedException.class, () -> node.commit(transfer(1)));
        assertThrows(SQLException.class, () -> node.read(c -> 1));
        try (SqliteCommitNode again = open()) {
            assertThrows(NullPointerException.class, () -> again.commit(null));
        }
    }

    @Test
    void readDiscardsWhatTheQueryWrote() throws Exception {
        try (SqliteCommitNode node = open()) {
            node.read(c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("UPDATE accounts SET balance = 0");
                }
            });
            assertEquals(Long.toString(ACCOUNTS * Bank.INITIAL),
                    node.read(c -> single(c, "SELECT sum(balance) FROM accounts")));
            node.commit(transfer(1));
        }
        assertEquals(List.of(1L), transfers());
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
