package io.github.wal4j;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A blocking reader that follows the log as it grows, from {@link WriteAheadLog#tail}: each call
 * returns the next record, in sequence order, each record once, waiting up to a timeout for the
 * writer to make one durable. It does not poll the files: the writer wakes it when the durable
 * mark moves, or, with a maximum delivery delay ({@link TailOptions#withMaxDeliveryDelay}), no
 * commit wakes it and it reads the log's in-memory durable mark itself at least that often.
 *
 * <h2>What it delivers</h2>
 * Only durable records: it never reads past the log's durable mark (records written and
 * fdatasync'ed), so no record it delivered is erased by a power cut. In {@link Durability#SYNC} a
 * record is deliverable as soon as its batch's fdatasync returned (the same moment its append is
 * acknowledged); in {@link Durability#BUFFERED} only once something made it durable:
 * {@link WriteAheadLog#fsync()}, a checkpoint, a segment rotation or {@link WriteAheadLog#close()}.
 * Every batch is validated whole (lengths, checksums, seals) before any of its records is handed out.
 *
 * <h2>Threads</h2>
 * One consumer thread at a time calls {@link #next} and {@link #nextView} (calls from several
 * threads are serialized, but then the order across threads is theirs to keep); {@link #close()},
 * {@link #nextSequence()} and {@link #lastSequence()} may be called from any thread, and a close
 * wakes a consumer blocked in {@code next}. Neither blocking call may run on the log's writer thread
 * (a callback attached to an {@code appendAsync} future with a non-async method): it would wait for
 * the thread it blocks, so it throws {@link IllegalStateException} at once. A tailer costs the
 * writer nothing while it reads; it reads the files at its own pace, so a slow consumer never makes
 * the writer buffer anything.
 *
 * <h2>What it costs the writer</h2>
 * While a tailer waits (parked in {@code next}), each commit that moves the durable mark costs the
 * committing thread one wake-up of it: a futex wake, about 5-6 us of that thread's CPU on a 2-vCPU
 * VM, however many tailers wait (each woken one wakes the next). With many appending threads it is
 * shared by the records of a batch and costs little; a lone appender commits its own records, so
 * it pays it once per record (its tailer is parked at almost every commit). With
 * {@link TailOptions#withMaxDeliveryDelay} no commit wakes the tailer: the commit path's part in
 * tailing is one volatile read, and a record reaches the tailer up to that delay after it became
 * durable (docs/benchmarks.md, "Tailing readers", has the measurements).
 *
 * <h2>Ending</h2>
 * Once ended, every later call of {@code next} or {@code nextView} throws the exception that ended it:
 * <ul>
 *   <li>{@link WalClosedException} after {@link #close()}, or once the log was closed (records not
 *       yet delivered stay in the log for a tailer after reopen);</li>
 *   <li>{@link WalTruncatedException} with {@link TailOptions.Checkpoints#FAIL_TAILER}, when the
 *       checkpoint in force covers the next record;</li>
 *   <li>{@link WalFailedException} once the log failed and every record durable before the failure
 *       was delivered;</li>
 *   <li>{@link WalCorruptedException} if the files were damaged since open.</li>
 * </ul>
 * An interrupt while waiting throws {@link java.io.InterruptedIOException} (the interrupt flag set
 * again) and does not end the tailer.
 *
 * <p>To resume after a crash, save {@link #nextSequence()} with what the record did, and tail from it
 * after the reopen: nothing is lost or delivered twice.
 */
public interface WalTailer extends Closeable {

    /**
     * The next record, with its own copy of the payload (the caller may keep it), waiting up to
     * {@code timeout} for one to become durable.
     *
     * <p>With a maximum delivery delay it parks for at most that delay at a time (never past the
     * timeout), then looks at the durable mark itself: a record is returned up to that delay after
     * it became durable, and the last look is at the timeout, so a record durable by then is
     * returned, not {@code null}.
     *
     * @return the record, or {@code null} if none became durable within {@code timeout} (a zero
     *     timeout only takes what is durable already)
     * @throws WalClosedException if this tailer or the log was closed
     * @throws WalTruncatedException see the class comment
     * @throws WalFailedException if the log failed and everything durable before was delivered
     * @throws java.io.InterruptedIOException if interrupted while waiting
     * @throws IllegalStateException on the log's writer thread
     */
    WalRecord next(Duration timeout) throws IOException;

    /**
     * As {@link #next}, without a copy: the payload as a read-only view of the tailer's read buffer,
     * from position to limit, <b>valid only until the next call of this tailer</b> ({@code next},
     * {@code nextView}, {@code close}): the memory is reused then. Its sequence is
     * {@link #lastSequence()}. The caller may move the view's position and limit.
     *
     * @return the payload, or {@code null} if no record became durable within {@code timeout}
     * @throws IOException as {@link #next}
     */
    ByteBuffer nextView(Duration timeout) throws IOException;

    /** The sequence of the record returned last, or the starting sequence minus one before the first. */
    long lastSequence();

    /** The sequence this tailer delivers next: the position to save for a resume. */
    long nextSequence();

    /**
     * Ends this tailer and releases its file and the segments it held; other tailers and the log
     * are unaffected. Idempotent, callable from any thread (also the writer thread), never waits
     * for the writer or for a consumer blocked in {@code next} (which it wakes). With
     * {@link TailOptions.Checkpoints#HOLD_SEGMENTS} it deletes the covered segments only it kept,
     * after a checkpoint in progress (on the writer thread it leaves them to the next checkpoint).
     */
    @Override
    void close();
}
