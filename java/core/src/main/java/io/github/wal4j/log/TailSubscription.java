package io.github.wal4j.log;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.WalException;
import io.github.wal4j.WalSubscription;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A push tailer (the contract is {@link WalSubscription}'s): a {@link LogTailer} drained by tasks on
 * the caller's executor, at most one task at a time ({@link #scheduled}). A task delivers what is
 * durable, up to {@code perTask} records, without waiting; when it caught up it hands the
 * subscription to the {@link TailDispatcher}, which submits the next task once the durable mark
 * moved. Nothing is queued for the subscription anywhere: it reads the files itself, so a slow
 * visitor only falls behind in them.
 */
final class TailSubscription implements WalSubscription {
    private final LogTailer tailer;
    private final Executor executor;
    private final PayloadVisitor visitor;
    private final int perTask;
    private final TailDispatcher dispatcher;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    /** Whether a task is submitted or running: at most one at a time. */
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean closed;

    TailSubscription(LogTailer tailer, Executor executor, PayloadVisitor visitor, int perTask,
            TailDispatcher dispatcher) {
        this.tailer = tailer;
        this.executor = executor;
        this.visitor = visitor;
        this.perTask = perTask;
        this.dispatcher = dispatcher;
        // The log closed or failed, or the files were damaged: the tailer ended, and so does this.
        tailer.onEnd(reason -> {
            closed = true;
            dispatcher.forget(this);
            ended.completeExceptionally(reason);
        });
    }

    /** Submits a task unless one is submitted or running, or the subscription ended. */
    void schedule() {
        if (ended.isDone() || !scheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(this::drain);
        } catch (RuntimeException e) {
            finish(e);
        }
    }

    /**
     * Whether a task should be submitted: the durable mark holds a record this subscription has not
     * delivered, its tailer ended, or the log failed.
     */
    boolean wantsTask(WriteMark mark, boolean logFailed) {
        return !ended.isDone() && (logFailed || tailer.isEnded() || tailer.nextSequence() < mark.nextSequence());
    }

    /** How long a durable record may wait before the dispatcher schedules this (zero: at once). */
    long delayNanos() {
        return tailer.delayNanos();
    }

    /** One task: up to {@link #perTask} records, then another task, or the dispatcher's watch. */
    private void drain() {
        try {
            for (int i = 0; i < perTask; i++) {
                ByteBuffer view = closed ? null : tailer.nextView(Duration.ZERO);
                if (view == null || closed) {
                    if (closed) {
                        return;
                    }
                    scheduled.set(false);
                    dispatcher.watch(this);
                    return;
                }
                visitor.visit(tailer.lastSequence(), view);
            }
        } catch (Throwable t) {
            finish(t);
            return;
        }
        scheduled.set(false);
        schedule();
    }

    /** Ends the subscription with {@code failure} (from the log, the executor or the visitor). */
    void finish(Throwable failure) {
        closed = true;
        dispatcher.forget(this);
        ended.completeExceptionally(failure);
        tailer.end(failure instanceof IOException io ? io
                : new WalException("the subscription ended: " + failure, failure));
    }

    @Override
    public long nextSequence() {
        return tailer.nextSequence();
    }

    @Override
    public CompletableFuture<Void> ended() {
        // Not copy(): its dependents would see the reason wrapped in a CompletionException.
        CompletableFuture<Void> copy = new CompletableFuture<>();
        ended.whenComplete((v, t) -> {
            if (t == null) {
                copy.complete(null);
            } else {
                copy.completeExceptionally(t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
            }
        });
        return copy;
    }

    @Override
    public void close() {
        closed = true;
        dispatcher.forget(this);
        ended.complete(null);
        tailer.close();
    }
}
