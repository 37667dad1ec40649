package io.github.wal4j.sqlite;

import io.github.wal4j.testing.AckWriter;
import io.github.wal4j.testing.ChildSupport;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child of {@link SqliteCrashRecoveryTest}: commits bank transfers through a {@link SqliteCommitNode}
 * until it is killed (SIGKILL from the parent) or halts itself at an injected crash point.
 *
 * <p>Arguments: WAL directory, database file, ack file, journal mode, number of accounts, cycle,
 * seed, crash point, crash at (the n-th commit of this run, from 1), sqlite-jdbc's temporary
 * directory. Crash points ({@link Point}): {@code none} (run until SIGKILL), {@code append} (between
 * the WAL append and the database transaction), {@code midApply} (inside the database transaction,
 * between the debit and the credit), {@code apply} (after the database commit, before the WAL
 * checkpoint). A halt is {@code Runtime.halt(}{@value #HALT_STATUS}{@code )}: no shutdown hook, no
 * close, as a crash. The hooks are a {@link CommitListener} and a wrapper around the applier, so the
 * node itself has no test-only code.
 *
 * <p>Ack lines, each written (one write call) after what it reports:
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
        ack.line("S");

        // What the hooks need to know: which commit of this run is in progress (0: none, e.g. replay).
        long[] current = {0, 0};   // {commit number, transfer id}
        Runnable halt = () -> {
            System.err.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        };
        CommitListener listener = new CommitListener() {
            @Override
            public void appended(long sequence) {
                if (point == Point.append && current[0] == crashAt) {
                    hit(ack, point, current[1], sequence);
                    halt.run();
                }
            }

            @Override
            public void applied(long sequence, boolean replay) {
                if (!replay && point == Point.apply && current[0] == crashAt) {
                    hit(ack, point, current[1], sequence);
                    halt.run();
                }
            }
        };
        ChangeApplier applier = Bank.applier(sequence -> {
            if (point == Point.midApply && current[0] == crashAt) {
                hit(ack, point, current[1], sequence);
                halt.run();
            }
        });
        SqliteNodeOptions options = SqliteNodeOptions.defaults().withJournalMode(mode)
                .withSchema(Bank.schema(accounts)).withListener(listener);

        SqliteCommitNode node = null;
        try {
            node = SqliteCommitNode.open(walDir, db, applier, options);
            ack.line("O " + node.appliedSequence() + " " + node.replayedAtOpen());
            for (int i = 0; ; i++) {
                int from = random.nextInt(accounts);
                int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                Bank.Transfer t = new Bank.Transfer(cycle * 1_000_000L + i, from, to, 1 + random.nextInt(100));
                current[0] = i + 1;
                current[1] = t.id();
                ack.line("I " + t.text());
                long sequence = node.commit(t.encode());
                ack.line("A " + t.id() + " " + sequence);
            }
        } catch (Throwable e) {
            ChildSupport.bad(ack, "the writer failed" + (node == null ? " to open" : ""), e);
        }
    }

    private static void hit(AckWriter ack, Point point, long id, long sequence) {
        try {
            ack.line("H " + point + " " + id + " " + sequence);
        } catch (java.io.IOException e) {
            ChildSupport.bad(ack, "writing the halt line failed", e);
        }
    }
}
