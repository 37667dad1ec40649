package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;
import io.github.wal4j.sqlite.CommitOrder.AppendFailedException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * Applies the batches the {@link ApplyQueue} hands to a leading committer, on that committer's
 * thread: several changes per SQLite transaction ({@link ChangeTransactions#applyBatch}), a batch
 * bounded by a number of changes, a number of bytes (the queue's bounds) and a time (no change is
 * started in a transaction open longer than that; the rest goes back to the queue). After each
 * committed batch it records the applied sequence, tells the listener, releases the batch's
 * committers, and lets the {@link CheckpointSchedule} checkpoint.
 *
 * <p>When a batch fails it is rolled back, and its changes are applied again one per transaction,
 * in order, up to the one whose applier failed: those commit normally. The failing change and every
 * change after it get {@link ChangeNotAppliedException} (they are durable in the WAL, and the next
 * open applies them), and the node stops, since nothing may be applied after a missing change.
 * When an applier ended a transaction itself ({@link ApplierEndedTransactionException}), the batch
 * and every change after it get that exception. Whatever happens, the leader settles every change
 * of its batch and hands on ({@link ApplyQueue#release}), so that no committer waits for a leader
 * that is gone.
 *
 * <p>With overlapped apply the batch's appends may not be durable when it is applied;
 * {@link ChangeTransactions} waits for them before it commits ({@link CommitOrder}). When one of
 * them failed, the transaction is rolled back: the changes before it in the batch are durable in
 * the WAL and get {@link ChangeNotAppliedException}, it and the changes after it get the append's
 * failure (they may or may not be in the WAL), and the node stops.
 *
 * <p>{@link #lead} holds the node's connection lock while it uses the connection, so that
 * {@link SqliteCommitNode#read} and the {@link IdleCheckpointer} run between batches; the
 * {@link ApplyQueue} lets one leader in at a time.
 */
final class BatchApplier {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j.sqlite");

    private final ApplyQueue queue;
    private final ChangeTransactions transactions;
    private final CheckpointSchedule checkpoints;
    private final ReentrantLock connectionLock;
    private final long batchNanos;
    private final CommitListener listener;
    private final NodeState state;
    private final Path databaseFile;
    private final LongConsumer appliedSink;
    /** The thread applying a batch now, if any: an applier or a listener on it must not call the node. */
    private volatile Thread leader;
    private long applied;

    /**
     * @param batchNanos no change is started in a transaction open for longer than this
     * @param applied the last change the database holds when the node starts
     * @param appliedSink told the new applied sequence after each committed transaction
     */
    BatchApplier(ApplyQueue queue, ChangeTransactions transactions, CheckpointSchedule checkpoints,
            ReentrantLock connectionLock, long batchNanos, CommitListener listener, NodeState state, Path databaseFile,
            long applied, LongConsumer appliedSink) {
        this.queue = queue;
        this.transactions = transactions;
        this.checkpoints = checkpoints;
        this.connectionLock = connectionLock;
        this.batchNanos = batchNanos;
        this.listener = listener;
        this.state = state;
        this.databaseFile = databaseFile;
        this.applied = applied;
        this.appliedSink = appliedSink;
    }

    /** Whether {@code thread} is applying a batch now (so runs the applier or a listener). */
    boolean isApplying(Thread thread) {
        return leader == thread;
    }

    /**
     * Applies {@code batch}, which {@link ApplyQueue#awaitTurn} gave the calling thread, settles
     * every change in it, and hands on. The interrupt flag is cleared while the batch is applied, so
     * that an interrupt meant for this committer does not fail everyone's changes in SQLite's or the
     * applier's code, and restored after.
     *
     * @throws Error what the applier or the database threw that is an {@link Error}, after the node
     *     was stopped and every change in the batch and queued after it failed
     */
    void lead(List<PendingChange> batch) {
        Thread me = Thread.currentThread();
        boolean interrupted = Thread.interrupted();
        List<PendingChange> rest = List.of();
        connectionLock.lock();
        leader = me;
        try {
            rest = apply(batch);
        } catch (RuntimeException | Error e) {
            WalException cause = new WalException("applying changes " + batch.get(0).sequence() + ".."
                    + batch.get(batch.size() - 1).sequence() + " to " + databaseFile + " failed", e);
            LOG.log(System.Logger.Level.ERROR, "wal4j sqlite: applying a batch failed", e);
            failFrom(batch, 0, c -> notApplied(c.sequence(), "applying its batch failed (" + e + ")", cause),
                    "applying a batch failed", cause);
            if (e instanceof Error error) {
                throw error;
            }
        } finally {
            leader = null;
            connectionLock.unlock();
            queue.release(rest);
            if (interrupted) {
                me.interrupt();
            }
        }
    }

    /** Applies one batch; returns the changes not started (the batch's time ran out), or none after a failure. */
    private List<PendingChange> apply(List<PendingChange> batch) {
        int done;
        try {
            done = transactions.applyBatch(batch, System.nanoTime() + batchNanos);
        } catch (ApplierEndedTransactionException e) {
            failFrom(batch, 0, c -> e, "the applier of change " + e.sequence() + " ended the node's transaction", e);
            return List.of();
        } catch (ChangeTransactions.BatchFailedException f) {
            applyOneByOne(batch, f);
            return List.of();
        } catch (AppendFailedException f) {
            appendFailed(batch, f.index(), f.getCause());
            return List.of();
        }
        committed(batch.subList(0, done));
        return batch.subList(done, batch.size());
    }

    /** After a batch was rolled back: each change before the failing one in its own transaction. */
    private void applyOneByOne(List<PendingChange> batch, ChangeTransactions.BatchFailedException f) {
        int failing = f.index() < 0 ? batch.size() : f.index();
        Throwable cause = f.getCause();
        for (int i = 0; i < failing; i++) {
            PendingChange c = batch.get(i);
            try {
                transactions.apply(c);
            } catch (ApplierEndedTransactionException e) {
                failFrom(batch, i, x -> e, "the applier of change " + c.sequence() + " ended the node's transaction", e);
                return;
            } catch (AppendFailedException e) {
                appendFailed(batch, i, e.getCause());
                return;
            } catch (SQLException | RuntimeException e) {
                failing = i;
                cause = e;
                break;
            }
            committed(List.of(c));
        }
        if (failing == batch.size()) {
            return; // the batch failed as a whole, but each change on its own committed
        }
        long sequence = batch.get(failing).sequence();
        Throwable why = cause;
        ChangeNotAppliedException first = notApplied(sequence, "the applier or the database failed (" + why
                + "); its transaction was rolled back", why);
        failFrom(batch, failing, c -> c.sequence() == sequence ? first
                : notApplied(c.sequence(), "change " + sequence + " before it was not applied", first),
                "change " + sequence + " was not applied", first);
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
        queue.completed(done);
        checkpoints.applied(applied, done.size(), bytes);
    }

    /**
     * The append of {@code batch}'s change {@code failing} failed and the transaction was rolled back:
     * the changes before it are durable ({@link ChangeNotAppliedException}), it and every change
     * after it, in the batch or queued, get the append's failure, and the node stops.
     */
    private void appendFailed(List<PendingChange> batch, int failing, Throwable cause) {
        long sequence = batch.get(failing).sequence();
        WalException failure = cause instanceof WalException w ? w
                : new WalException("the write-ahead log append of change " + sequence + " failed", cause);
        LOG.log(System.Logger.Level.ERROR, "wal4j sqlite: the WAL append of change " + sequence
                + " failed while its batch was being applied; the batch's transaction was rolled back", cause);
        Function<PendingChange, WalException> why = c -> c.sequence() < sequence
                ? notApplied(c.sequence(), "the WAL append of change " + sequence + ", in the same SQLite transaction,"
                        + " failed (" + cause + "), so the transaction was rolled back", failure)
                : appendUnknown(c.sequence(), sequence, failure);
        for (PendingChange c : batch.subList(0, failing)) {
            queue.fail(c, why.apply(c));
        }
        failFrom(batch, failing, why, "the WAL append of change " + sequence + " failed", failure);
    }

    /** The exception of a change not applied because the append of {@code failed} (at or before it) failed. */
    private WalException appendUnknown(long sequence, long failed, WalException failure) {
        String which = sequence == failed ? "its write-ahead log append failed"
                : "the write-ahead log append of change " + failed + " before it failed";
        return new WalException("change " + sequence + " was not committed: " + which + " (" + failure.getMessage()
                + "), so it may or may not be in the WAL and may or may not be applied at the next open, as with any"
                + " append that was not acknowledged; the database does not have it. This node accepts no more"
                + " commits until it is opened again", failure);
    }

    /** Stops the node and fails {@code batch} from {@code from} on, and everything queued after it. */
    private void failFrom(List<PendingChange> batch, int from, Function<PendingChange, WalException> why,
            String reason, WalException cause) {
        state.stop(reason, cause);
        queue.kill(why);
        for (PendingChange c : batch.subList(from, batch.size())) {
            queue.fail(c, why.apply(c));
        }
    }

    /** The exception of a change durable in the WAL that this node will not apply. */
    ChangeNotAppliedException notApplied(long sequence, String why, Throwable cause) {
        return new ChangeNotAppliedException(sequence, "change " + sequence + " is durable in the write-ahead log but"
                + " was not applied to the database " + databaseFile + ": " + why + ". It will be applied at the next"
                + " start, when the node is opened again; do not commit it again. This node accepts no more commits"
                + " until then", cause);
    }
}
