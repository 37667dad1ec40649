package io.github.wal4j;

import java.io.Closeable;
import java.util.concurrent.CompletableFuture;

/**
 * A push-style tailer from {@link WriteAheadLog#subscribe}: hands each durable record, in sequence
 * order and once, to a {@link PayloadVisitor} on an executor the caller chose.
 *
 * <h2>Delivery</h2>
 * What and when as for {@link WalTailer}: only durable records (in {@link Durability#BUFFERED}
 * once an fsync, checkpoint, rotation or close made them durable), each batch validated whole
 * first. The visitor gets a read-only view of the payload valid only during its call (the
 * {@link PayloadVisitor} contract). One call at a time: calls never overlap, and each happens
 * after the previous one returned (happens-before), even when the executor runs them on different
 * threads.
 *
 * <h2>Threads and back-pressure</h2>
 * The visitor runs in tasks the subscription submits to the executor, one task at a time, each
 * delivering up to {@link TailOptions#maxRecordsPerTask()} records. The subscription reads the
 * log's files itself, at the pace its visitor returns: a slow visitor falls behind in the files, it
 * never makes the writer hold or queue anything for it. When it has caught up, it submits nothing
 * until the writer publishes a new durable mark; the log's tail dispatcher thread (one per log,
 * started by the first subscription) then submits the next task, so neither the writer thread nor a
 * pooled thread waits for records. With {@link TailOptions#withMaxDeliveryDelay} the commits do not
 * wake the dispatcher for it: while every subscription it watches has a delay, the dispatcher looks
 * at the durable mark itself, at least as often as the shortest delay, and a record's task comes up
 * to that delay after the record became durable. Back-pressure is the same with a delay. An executor that runs tasks on the calling thread runs the
 * visitor on that dispatcher thread. The visitor may call back into the log ({@code append},
 * {@code checkpoint}, {@code tail}, closing this subscription or the log): it never runs on the
 * writer thread and holds no lock of the log.
 *
 * <h2>Ending</h2>
 * {@link #ended()} completes normally after {@link #close()}, and exceptionally with what ended
 * it otherwise: {@link WalClosedException} when the log closed, {@link WalTruncatedException},
 * {@link WalFailedException}, {@link WalCorruptedException} as for {@link WalTailer}, the exception
 * the visitor threw (the record it was given is not delivered again), or the
 * {@link java.util.concurrent.RejectedExecutionException} of an executor that refused a task.
 * Callbacks on {@code ended()} run on the thread that ended it.
 */
public interface WalSubscription extends Closeable {

    /** The sequence the visitor gets next: the position to save for a resume. */
    long nextSequence();

    /**
     * Completes when the subscription ended (see the class comment), exceptionally with the reason
     * itself (not wrapped); a new future per call, so completing it changes nothing.
     */
    CompletableFuture<Void> ended();

    /**
     * Ends the subscription: after this returns, at most one more visitor call runs (the one in
     * progress, or the one about to start), none after it. Idempotent, callable from any thread,
     * the visitor's included; never waits for the visitor or the writer (see
     * {@link WalTailer#close()} for the segments it held).
     */
    @Override
    void close();
}
