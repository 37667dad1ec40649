package io.github.wal4j.sqlite;

import io.github.wal4j.testing.AckWriter;
import io.github.wal4j.testing.internal.ChildSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Child of {@link SqliteCrashRecoveryTest}: several threads commit bank transfers through one
 * {@link SqliteCommitNode} at once until the child is killed (SIGKILL from the parent) or halts
 * itself at an injected crash point.
 *
 * <p>Arguments: WAL directory, database file, ack file, journal mode, number of accounts, cycle,
 * seed, crash point, crash at (the n-th change appended in this run, from 1), sqlite-jdbc's
 * temporary directory, committing threads, a directory for the copy of the database at SQLite's
 * last durable point ({@code -}: none), {@code unsafe} to checkpoint the WAL past SQLite's durable
 * point ({@code safe} otherwise), the checkpoint policy's number of changes, and {@code true} for
 * overlapped apply ({@link SqliteNodeOptions#withOverlappedApply}). Crash points
 * ({@link Point}): {@code none} (run until SIGKILL), {@code append} (between the WAL append and
 * the database transaction), {@code midApply} (inside the database transaction, between the debit
 * and the credit), {@code apply} (after the database commit, before the committers are released
 * and the WAL checkpointed). A halt is {@code Runtime.halt(}{@value #HALT_STATUS}{@code )}: no
 * shutdown hook, no close, as a crash. The hooks are a {@link CommitListener}, a wrapper around the
 * applier and the node's durable-point hook, so the node itself has no test-only code path.
 *
 * <p>The durable copy: each time SQLite reports every applied change durable (after {@code PRAGMA
 * wal_checkpoint(FULL)}, when the database file alone holds them), the database file is copied and
 * renamed into place, so the copy is always one whole durable point: what a power cut that took
 * every unsynced SQLite write would leave.
 *
 * <p>Ack lines, each written (one write call, from any thread) after what it reports:
 * <pre>
 *  S                        started
 *  O applied replayed       the node opened: applied sequence, changes replayed at open
 *  I id from to amount      about to commit this transfer
 *  A id seq                 commit returned: the transfer is acknowledged, with its sequence
 *  H point id seq           about to halt at the crash point, in this transfer's commit
 * </pre>
 */
public final class TransferWriterChild {
    static final int HALT_STATUS = 42;
    /** The file name of the durable copy in its directory. */
    static final String DURABLE_COPY = "durable.db";

    enum Point {
        none, append, midApply, apply
    }

    private TransferWriterChild() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.sqlite.tmpdir", args[9]);
        ChildSupport.watchdog(60);
        Path walDir = Path.of(args[0]);
        Path db = Path.of(args[1]);
        AckWriter ack = new AckWriter(Path.of(args[2]));
        JournalMode mode = JournalMode.valueOf(args[3]);
        int accounts = Integer.parseInt(args[4]);
        long cycle = Long.parseLong(args[5]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[6]));
        Point point = Point.valueOf(args[7]);
        int crashAt = Integer.parseInt(args[8]);
        int threads = Integer.parseInt(args[10]);
        Path durableDir = args[11].equals("-") ? null : Path.of(args[11]);
        boolean unsafe = args[12].equals("unsafe");
        long checkpointEvery = Long.parseLong(args[13]);
        boolean overlapped = Boolean.parseBoolean(args[14]);
        ack.line("S");

        // Which transfer each appended sequence carries, and which one each thread is committing.
        Map<Long, Long> idOf = new ConcurrentHashMap<>();
        ThreadLocal<Long> committing = new ThreadLocal<>();
        long[] haltAt = {Long.MAX_VALUE};
        Runnable halt = () -> {
            System.err.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        };
        CommitListener listener = new CommitListener() {
            @Override
            public void appended(long sequence) {
                idOf.put(sequence, committing.get());
                if (point == Point.append && sequence == haltAt[0]) {
                    hit(ack, point, idOf.get(sequence), sequence);
                    halt.run();
                }
            }

            @Override
            public void applied(long sequence, boolean replay) {
                if (!replay && point == Point.apply && sequence == haltAt[0]) {
                    hit(ack, point, idOf.get(sequence), sequence);
                    halt.run();
                }
            }
        };
        ChangeApplier applier = Bank.applier(sequence -> {
            if (point == Point.midApply && sequence == haltAt[0]) {
                hit(ack, point, idOf.get(sequence), sequence);
                halt.run();
            }
        });
        SqliteNodeOptions options = SqliteNodeOptions.defaults().withOverlappedApply(overlapped).withJournalMode(mode)
                .withSchema(Bank.schema(accounts)).withListener(listener)
                .withCheckpointPolicy(SqliteCheckpointPolicy.defaults().withChanges(checkpointEvery));
        if (durableDir != null) {
            options = options.withDurablePointHook(applied -> copyDurable(db, durableDir));
        }
        if (unsafe) {
            options = options.withCheckpointPastDurablePoint();
        }

        SqliteCommitNode node = null;
        try {
            node = SqliteCommitNode.open(walDir, db, applier, options);
            haltAt[0] = node.appliedSequence() + crashAt;
            ack.line("O " + node.appliedSequence() + " " + node.replayedAtOpen());
            SqliteCommitNode open = node;
            for (int t = 0; t < threads; t++) {
                SplittableRandom own = random.split();
                long base = cycle * 1_000_000L + t * 100_000L;
                Thread committer = new Thread(() -> commitForever(open, ack, own, accounts, base, committing),
                        "committer-" + t);
                committer.start();
            }
        } catch (Throwable e) {
            ChildSupport.bad(ack, "the writer failed" + (node == null ? " to open" : ""), e);
        }
    }

    private static void commitForever(SqliteCommitNode node, AckWriter ack, SplittableRandom random, int accounts,
            long base, ThreadLocal<Long> committing) {
        try {
            for (long i = 0; ; i++) {
                int from = random.nextInt(accounts);
                int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                Bank.Transfer t = new Bank.Transfer(base + i, from, to, 1 + random.nextInt(100));
                committing.set(t.id());
                ack.line("I " + t.text());
                long sequence = node.commit(t.encode());
                ack.line("A " + t.id() + " " + sequence);
            }
        } catch (Throwable e) {
            ChildSupport.bad(ack, "a committer failed", e);
        }
    }

    /** The database file, whole, as SQLite's last durable point left it (see the class comment). */
    private static void copyDurable(Path db, Path dir) {
        try {
            Path tmp = dir.resolve(DURABLE_COPY + ".tmp");
            Files.copy(db, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, dir.resolve(DURABLE_COPY), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void hit(AckWriter ack, Point point, long id, long sequence) {
        try {
            ack.line("H " + point + " " + id + " " + sequence);
        } catch (IOException e) {
            ChildSupport.bad(ack, "writing the halt line failed", e);
        }
    }
}
