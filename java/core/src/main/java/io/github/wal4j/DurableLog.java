package io.github.wal4j;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The log contract an application (the SQLite commit node, a state machine) depends on, whatever
 * keeps the records: a local {@link WriteAheadLog}, or a replicated log in another module. Small on
 * purpose: append, read back from a sequence, checkpoint, the marks, close.
 *
 * <h2>Contract every implementation keeps</h2>
 * <ul>
 *   <li><b>Acknowledged means durable.</b> When {@link #append} returns or the future of
 *       {@link #appendAsync} completes with a sequence number, that record and every record with a
 *       smaller sequence number survive any crash the implementation names (a power cut for the
 *       local log; the loss of fewer machines than its quorum for a replicated one), until a
 *       checkpoint covers them.</li>
 *   <li><b>Sequences</b> start at 1, are handed out in append order with no gap between records
 *       that are acknowledged, and are never handed out twice, across reopens too.</li>
 *   <li><b>Readers</b> ({@link #replay}, {@link #reader}) return the records after the checkpoint
 *       in force, from the sequence asked for, in order, each once, validated, up to a mark taken
 *       when they start; they never return a record that is not durable (in the local log's
 *       {@link Durability#BUFFERED} mode, see {@link WriteAheadLog#recover()} for what it
 *       returns).</li>
 *   <li><b>Failure</b> is typed: every {@link IOException} thrown is a {@link WalException}
 *       subtype where the log itself refuses or fails ({@link WalClosedException},
 *       {@link WalFailedException}, ...). After a failure nothing more is acknowledged.</li>
 * </ul>
 * Every method is thread-safe. The writer-thread rule of {@link WriteAheadLog} applies to every
 * implementation that completes futures on a thread of its own: a callback attached with a
 * non-async method must not call a blocking method of the log.
 */
public interface DurableLog extends Closeable {
    /**
     * Appends one record and returns its sequence number once it is durable (the contract above).
     * The array is not retained after this returns.
     *
     * @throws NullPointerException if {@code record} is null
     * @throws RecordTooLargeException if the implementation cannot hold a record this large
     * @throws WalFailedException if the log failed
     * @throws WalClosedException if the log is closed
     */
    long append(byte[] record) throws IOException;

    /**
     * Appends one record without waiting; the future completes with its sequence number under the
     * guarantee {@link #append} returning gives, or exceptionally with what {@link #append} throws.
     * Do not modify the array until the future completes.
     *
     * @throws NullPointerException if {@code record} is null
     */
    CompletableFuture<Long> appendAsync(byte[] record);

    /**
     * Streams the records from {@code fromSequence} (at least the first after the checkpoint) to the
     * visitor, zero-copy where the implementation can (the {@link PayloadVisitor} contract: a view
     * valid only during the call).
     *
     * @throws WalCorruptedException if a record fails validation
     * @throws NullPointerException if {@code visitor} is null
     */
    void replay(long fromSequence, PayloadVisitor visitor) throws IOException;

    /**
     * A reader of the records from {@code fromSequence} (at least the first after the checkpoint),
     * each with its own copy of its payload; close it when done.
     *
     * @throws WalCorruptedException if a record fails validation
     */
    WalReader reader(long fromSequence) throws IOException;

    /**
     * Declares that the caller's own store holds the effect of every record up to
     * {@code upToSequence}: readers never return them again and the log may delete them. Durable
     * when this returns. A checkpoint at or below the current one does nothing.
     *
     * @throws IllegalArgumentException if {@code upToSequence} is negative or beyond the last append
     */
    void checkpoint(long upToSequence) throws IOException;

    /** The highest sequence number handed out (appended or recovered), 0 if none. */
    long lastSequence();

    /** Every record up to this sequence number is durable. */
    long durableSequence();

    /**
     * The highest sequence number the log has handed to its storage in a batch whose durability is
     * under way or done: between {@link #durableSequence()} and {@link #lastSequence()}. <b>Not a
     * durability promise</b>: a record up to it may still be lost in a crash, and no reader or
     * tailer returns it before it is durable. It is for an application that paces its own work with
     * the log's syncs (the SQLite node's overlapped apply): in a local log in
     * {@link Durability#SYNC} the records after the durable mark and up to this one are in the one
     * batch whose fdatasync runs now (or is about to), and become durable together when it returns; records after it
     * wait for a later fdatasync. A log that does not know returns {@link #durableSequence()}, the
     * default. Never blocks.
     */
    default long writtenSequence() {
        return durableSequence();
    }

    /** The checkpoint in force: records up to it are not returned by readers. */
    long checkpointSequence();

    /**
     * Where the log lives, for messages and logs (the local log's directory, a replicated log's name
     * and its metadata service): never blocks, works after {@link #close()}.
     */
    String describe();

    /**
     * Makes everything appended durable, then releases the log; later calls of other methods throw
     * {@link WalClosedException}; closing again does nothing.
     *
     * @throws WalFailedException if records that were not yet durable may be lost
     */
    @Override
    void close() throws IOException;
}
