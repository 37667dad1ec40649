package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The node's single applier: the body of its applier thread. Takes the changes the committers
 * queued, in WAL sequence order without gaps ({@link ApplyQueue}), and applies them several per
 * SQLite transaction ({@link ChangeTransactions#applyBatch}), a batch bounded by a number of
 * changes, a number of bytes and a time (no change is started in a transaction open longer than
 * that). After each committed batch it records the applied sequence, tells the listener, releases
 * the batch's committers, and lets the {@link CheckpointSchedule} checkpoint.
 *
 * <p>When a batch fails it is rolled back, and its changes are applied again one per transaction,
 * in order, up to the one whose applier failed: those commit normally. The failing change and every
 * change after it get {@link ChangeNotAppliedException} (they are durable in the WAL, and the next
 * open applies them), and the node stops, since nothing may be applied after a missing change.
 * When an applier ended a transaction itself ({@link ApplierEndedTransactionException}), the batch
 * and every change after it get that exception.
 *
 * <p>Holds the node's connection lock while it uses the connection, so that
 * {@link SqliteCommitNode#read} runs between batches.
 */
final class BatchApplier implements Runnable {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    /** Bounds of one batch: changes, bytes of changes, nanoseconds a transaction may start changes for. */
    record Limits(int changes, long bytes, long nanos) {
    }

    private final ApplyQueue queue;
    private final ChangeTransactions transactions;
    private final CheckpointSchedule checkpoints;
    private final ReentrantLock connectionLock;
    private final Limits limits;
    private final CommitListener listener;
    private final NodeState state;
    private final Path databaseFile;
    private final LongConsumer appliedSink;
    private long applied;

    /**
     * @param applied the last change the database holds when the applier starts
     * @param appliedSink told the new applied sequence after each committed transaction
     */
    BatchApplier(ApplyQueue queue, ChangeTransactions transactions, CheckpointSchedule checkpoints,
            ReentrantLock connectionLock, Limits limits, CommitListener listener, NodeState state, Path databaseFile,
            long applied, LongConsumer appliedSink) {
        this.queue = queue;
        this.transactions = transactions;
        this.checkpoints = checkpoints;
        this.connectionLock = connectionLock;
        this.limits = limits;
        this.listener = listener;
        this.state = state;
        this.databaseFile = databaseFile;
        this.applied = applied;
        this.appliedSink = appliedSink;
    }

    @Override
    public void run() {
        try {
            List<PendingChange> batch;
            while ((batch = queue.take(limits.changes(), limits.bytes(), checkpoints.nanosUntilDue())) != null) {
                connectionLock.lock();
                try {
                    if (batch.isEmpty()) {
                        checkpoints.idle(applied);
                    } else if (!apply(batch)) {
                        return;
                    }
                } finally {
                    connectionLock.unlock();
                }
            }
        } catch (InterruptedException e) {
            end("the applier thread was interrupted", new WalException("the applier thread of " + databaseFile
                    + " was interrupted", e));
        } catch (RuntimeException | Error e) {
            end("the applier thread failed", new WalException("the applier thread of " + databaseFile + " failed", e));
            throw e;
        } finally {
            // Whatever is still queued (after a gap that will not fill) is durable in the WAL: the next open applies it.
            queue.kill(c -> notApplied(c.sequence(), "the node stopped before applying it", null));
        }
    }

    /** Applies one batch; false if it failed and the applier must end. */
    private boolean apply(List<PendingChange> batch) {
        int done;
        try {
            done = transactions.applyBatch(batch, System.nanoTime() + limits.nanos());
        } catch (ApplierEndedTransactionException e) {
            failFrom(batch, 0, c -> e, "the applier of change " + e.sequence() + " ended the node's transaction", e);
            return false;
        } catch (ChangeTransactions.BatchFailedException f) {
            return applyOneByOne(batch, f);
        }
        queue.putBack(batch.subList(done, batch.size()));
        committed(batch.subList(0, done));
        return true;
    }

    /** After a batch was rolled back: each change before the failing one in its own transaction. */
    private boolean applyOneByOne(List<PendingChange> batch, ChangeTransactions.BatchFailedException f) {
        int failing = f.index() < 0 ? batch.size() : f.index();
        Throwable cause = f.getCause();
        for (int i = 0; i < failing; i++) {
            PendingChange c = batch.get(i);
            try {
                transactions.apply(c.sequence(), c.change());
            } catch (ApplierEndedTransactionException e) {
                failFrom(batch, i, x -> e, "the applier of change " + c.sequence() + " ended the node's transaction", e);
                return false;
            } catch (SQLException | RuntimeException e) {
                failing = i;
                cause = e;
                break;
            }
            committed(List.of(c));
        }
        if (failing == batch.size()) {
            return true; // the batch failed as a whole, but each change on its own committed
        }
        long sequence = batch.get(failing).sequence();
        Throwable why = cause;
        ChangeNotAppliedException first = notApplied(sequence, "the applier or the database failed (" + why
                + "); its transaction was rolled back", why);
        failFrom(batch, failing, c -> c.sequence() == sequence ? first
                : notApplied(c.sequence(), "change " + sequence + " before it was not applied", first),
                "change " + sequence + " was not applied", first);
        return false;
    }

    /** The changes are committed: records the applied sequence, tells the listener, releases the committers, checkpoints. */
    private void committed(List<PendingChange> done) {
        long bytes = 0;
        for (PendingChange c : done) {
            bytes += c.change().length;
        }
        applied = done.get(done.size() - 1).sequence();
        appliedSink.accept(applied);
        for (PendingChange c : done) {
            listener.applied(c.sequence(), false);
        }
        for (PendingChange c : done) {
            c.applied();
        }
        checkpoints.applied(applied, done.size(), bytes);
    }

    /** Stops the node and fails {@code batch} from {@code from} on, and everything queued after it. */
    private void failFrom(List<PendingChange> batch, int from, Function<PendingChange, WalException> why,
            String reason, WalException cause) {
        state.stop(reason, cause);
        queue.kill(why);
        for (PendingChange c : batch.subList(from, batch.size())) {
            c.failed(why.apply(c));
        }
    }

    private void end(String reason, WalException cause) {
        state.stop(reason, cause);
        LOG.log(System.Logger.Level.ERROR, "wal4j sqlite: " + reason, cause);
    }

    private ChangeNotAppliedException notApplied(long sequence, String why, Throwable cause) {
        return new ChangeNotAppliedException(sequence, "change " + sequence + " is durable in the write-ahead log but"
                + " was not applied to the database " + databaseFile + ": " + why + ". It will be applied at the next"
                + " start, when the node is opened again; do not commit it again. This node accepts no more commits"
                + " until then", cause);
    }
}
