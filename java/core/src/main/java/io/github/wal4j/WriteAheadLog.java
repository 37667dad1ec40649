package io.github.wal4j;

import io.github.wal4j.io.IoLayers;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.log.Futures;
import io.github.wal4j.log.LogEngine;
import io.github.wal4j.log.LogReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A crash-safe write-ahead log: a directory of checksummed, append-only segment files.
 *
 * <h2>Durability contract</h2>
 * With the default options ({@link Durability#SYNC}), when {@link #append} returns or the future of
 * {@link #appendAsync} completes, the record and every record with a smaller sequence number have
 * been written and fdatasync'ed, and will be returned by {@link #recover()} after any crash until a
 * checkpoint covers them. A record whose append did not return may or may not survive a crash, but
 * a torn or damaged record is never returned: recovery cuts an unacknowledged torn tail and refuses
 * to open ({@link WalCorruptedException}) when acknowledged data is damaged.
 *
 * <h2>Reading</h2>
 * One call per need, all validating every batch, length, checksum and seal before a record is
 * handed out, all stopping at the mark {@link #recover()} describes:
 * <ul>
 *   <li>{@link #open(Path, WalOptions, PayloadVisitor)}: restart; replays while recovery validates,
 *       reading the log once;</li>
 *   <li>{@link #recover()}: the records after the checkpoint, in one list (small logs);</li>
 *   <li>{@link #reader(long)}: an iterator from a sequence, each record with its own copy;</li>
 *   <li>{@link #replay(long, PayloadVisitor)}: streaming from a sequence, zero-copy;</li>
 *   <li>{@link #tail} and {@link #subscribe}: following the log as it grows, durable records only.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Every method is thread-safe. Concurrent appends are group-committed: one write and one fdatasync
 * cover a batch of them, and sequence numbers follow write order. A blocking {@link #append} that
 * finds the log idle and was alone in the last batch writes and syncs its record on the calling
 * thread (with the native I/O layer, whose system calls an interrupt cannot break), saving two
 * thread hand-offs per append.
 *
 * <h2>The writer-thread rule</h2>
 * A callback attached to a future of {@link #appendAsync} with a non-async method
 * ({@code thenAccept}, {@code whenComplete}, ...) runs on the thread that completes it, which is the
 * log's writer thread (or, as {@code CompletableFuture} does, a thread waiting on that same future
 * at that moment). Futures complete after their batch is written and synced, outside every lock of
 * the log. On the writer thread:
 * <ul>
 *   <li>{@link #appendAsync} and {@link #appendAllAsync} work: the records join the next batch
 *       (they never wait for queue room, since only the writer thread makes room);</li>
 *   <li>every call that would wait for the writer ({@link #append}, {@link #appendAll},
 *       {@link #flush}, {@link #fsync},
 *       the {@code checkpoint} methods, {@link #transaction}, {@link #recover}, {@link #replay},
 *       {@link #reader}, {@link #tail}, {@link #subscribe}, {@link WalTailer#next}, {@link #close})
 *       throws {@link IllegalStateException}
 *       at once, naming the rule and the fix, and changes nothing: it would wait for the thread it
 *       blocks. Attach such a callback with {@code thenAcceptAsync}, {@code whenCompleteAsync}, ...
 *       (it then runs on another thread), or call {@link #appendAsync} instead of {@link #append};</li>
 *   <li>calls that never wait ({@link #lastSequence}, {@link #durableSequence}, {@link #writtenSequence},
 *       {@link #stats}, ...)
 *       work.</li>
 * </ul>
 * A callback should stay short in any case: the next batch waits for it.
 *
 * <h2>Failure</h2>
 * If a write or an fsync fails, the log is failed: the pending and every later call throw
 * {@link WalFailedException}; nothing is acknowledged after the failure and no fsync is retried.
 * Close it and open it again: recovery then keeps everything that was acknowledged.
 *
 * <h2>Exclusivity</h2>
 * An open log holds an exclusive lock on {@code wal.lock} in its directory; a second open of the same
 * directory, from this or another process, throws {@link WalLockedException}.
 *
 * <p>(Longer than most classes here, but most of its lines are Javadoc: the contract of each method
 * is written where a user reads it. The code is a facade: its methods check their arguments and
 * hand the call to the engine.)
 */
public final class WriteAheadLog implements DurableLog {
    private final LogEngine engine;
    private final TransactionLedger ledger = new TransactionLedger();

    private WriteAheadLog(LogEngine engine) {
        this.engine = engine;
    }

    /** Opens (creating if needed) the log in {@code dir} with {@link WalOptions#defaults()}; see {@link #open(Path, WalOptions)}. */
    public static WriteAheadLog open(Path dir) throws IOException {
        return open(dir, WalOptions.defaults());
    }

    /**
     * Opens the log in {@code dir}, creating the directory (mode 0700) if it does not exist, and runs
     * recovery: every segment is validated, a torn unacknowledged tail is cut (and reported in
     * {@link #recoveryReport()}), and an interrupted checkpoint is completed or rolled back. The
     * snapshot the checkpoint in force names is checked against the length and CRC32C the
     * checkpoint recorded, which reads the whole snapshot once (through a 64 KiB buffer: open takes
     * longer with a large snapshot, its memory does not grow); {@link #snapshot()} then names it:
     * load the application's state from there, after open.
     *
     * <p>With protection ({@link WalOptions#withEncryption}, {@link WalOptions#withTamperEvidence})
     * every open starts a new segment, and a record that fails authentication is judged like one that
     * fails its checksum.
     *
     * <p>File handling, always on: files are created {@code rw-------} (or
     * {@link WalOptions#withFilePermissions}); no file in the directory, and no snapshot, is ever
     * opened through a symbolic link; {@code dir} itself may be a link, resolved once here (see
     * {@link #directory()}); a directory other users can write to, or another user owns, is refused
     * unless {@link WalOptions#withSharedDirectoryAllowed}.
     *
     * @throws WalFormatException if {@code dir} is a file, holds files that are not this log's, holds
     *     a symbolic link under one of the log's names, or holds segments of an unknown format, or (in
     *     a protected log) an unprotected segment with records after the checkpoint; nothing is changed
     * @throws WalLockedException if another open log holds the directory
     * @throws WalCorruptedException if acknowledged data is damaged or fails authentication (in
     *     {@link RecoveryMode#STRICT}), or the log ends before its {@link DurableWatermark}, or the
     *     snapshot the checkpoint in force names is missing or holds another length or CRC32C than
     *     recorded (in every recovery mode); nothing is changed
     * @throws WalKeyException if a protected segment's key is missing or wrong; nothing is changed
     * @throws RecordTooLargeException if the log holds a valid record larger than
     *     {@link WalOptions#maxRecordSize()} (written with a larger one, which its segment records):
     *     a configuration error, not damage; nothing is changed, and the message names the size to
     *     open with
     * @throws WalException if the directory cannot be created or written, or other users can write
     *     to it or another user owns it (the message says which, and how to fix it); nothing is changed
     */
    public static WriteAheadLog open(Path dir, WalOptions options) throws IOException {
        return openReplaying(dir, options, null);
    }

    /**
     * Opens the log as {@link #open(Path, WalOptions)} does and replays it in the same pass: every
     * record after the checkpoint goes to {@code replay}, in sequence order, as recovery validates
     * its batch. The log is read once instead of twice ({@code open}, then
     * {@link #replay(long, PayloadVisitor)} from 0, which hands out the same records): the
     * fast way to restart. {@code replay} gets read-only views valid only during each call, under
     * the {@link PayloadVisitor} contract.
     *
     * <p><b>If this throws, discard what {@code replay} built.</b> Recovery's verdict comes after
     * the scan, so records may have been visited before open fails: each was validated (checksum,
     * and in a protected log authentication) and they came in order, but the log did not open (its
     * acknowledged data may be damaged further on, or it may be a rolled-back copy that a
     * {@link DurableWatermark} refuses). Records of an unprotected segment in a protected log are
     * never visited. The newest segment's records are visited last, once its unvouched tail was
     * checked against the disk (a second read of that segment, from the page cache), so a record
     * that only the page cache held is never visited. An exception from {@code replay} ends the open with that exception, before
     * recovery changes anything on disk.
     *
     * @throws NullPointerException if {@code replay} is null
     * @throws IOException as {@link #open(Path, WalOptions)}, or what {@code replay} threw
     */
    public static WriteAheadLog open(Path dir, WalOptions options, PayloadVisitor replay) throws IOException {
        return openReplaying(dir, options, Objects.requireNonNull(replay, "replay"));
    }

    /** Both opens; {@code replay} null for none. */
    private static WriteAheadLog openReplaying(Path dir, WalOptions options, PayloadVisitor replay)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        Storage storage = options.storage() != null ? options.storage() : IoLayers.select(options.ioLayer());
        return new WriteAheadLog(LogEngine.open(dir, options.engineConfig(), storage, replay));
    }

    /**
     * Appends one record and returns its sequence number. In {@link Durability#SYNC} (the default) it
     * returns only after the record and all earlier records are durable; in {@link Durability#BUFFERED}
     * once the record is queued. The array is not retained after this returns.
     *
     * <p>It waits for room first if the in-flight limit ({@link WalOptions#withInFlightLimit}) is
     * reached and its policy blocks; only that wait is interruptible.
     *
     * @throws NullPointerException if {@code record} is null
     * @throws RecordTooLargeException if it is larger than {@link WalOptions#maxRecordSize()}
     * @throws WalOverloadedException if the in-flight limit refused it (fail-fast, or no room within
     *     the timeout): not appended
     * @throws WalInterruptedException if the thread was interrupted while it waited for room: not
     *     appended, the interrupt status set again
     * @throws WalFailedException if this or an earlier write or fsync failed
     * @throws WalClosedException if the log is closed
     */
    @Override
    public long append(byte[] record) throws IOException {
        checkRecord(record);
        return engine.append(record);
    }

    /**
     * Appends one record without waiting. The future completes with the sequence number under the
     * same guarantee as {@link #append} returning, or exceptionally with the exceptions
     * {@link #append} throws. Do not modify the array until the future completes.
     *
     * <p>Back-pressure ({@link WalOptions#withInFlightLimit}): when the limit is reached this call
     * waits for room (policy {@link InFlightLimit.Policy#BLOCK}, interruptibly, at most its
     * timeout) or returns at once (policy {@link InFlightLimit.Policy#FAIL_FAST}); a refused record
     * gets a future already failed with {@link WalOverloadedException} or
     * {@link WalInterruptedException}, and was not appended. On the writer thread it never waits.
     *
     * @throws NullPointerException if {@code record} is null
     */
    @Override
    public CompletableFuture<Long> appendAsync(byte[] record) {
        try {
            checkRecord(record);
            return engine.appendAsync(record);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void checkRecord(byte[] record) throws RecordTooLargeException {
        Objects.requireNonNull(record, "record must not be null (an empty array is a valid, empty record)");
        if (record.length > engine.config().maxRecordSize()) {
            throw new RecordTooLargeException(record.length, engine.config().maxRecordSize());
        }
    }

    /**
     * Appends {@code records} as one atomic group and returns the sequence number of the last one.
     * The records get consecutive sequence numbers, in list order: the first is the returned
     * sequence minus {@code records.size() - 1}. They are durable together: in
     * {@link Durability#SYNC} (the default) this returns only once all of them and every earlier
     * record are durable, and after any crash recovery returns all of them or none, never a prefix
     * (they are written as one batch, which recovery validates and keeps or cuts as a unit; see
     * {@code docs/security/wal.md}, section 4.2). In {@link Durability#BUFFERED} it returns once the
     * group is queued; a crash still keeps all of it or none. Other appends never come between its
     * records. The list and its arrays are not retained after this returns.
     *
     * <p>A group is at most the larger of 1 MiB and one record of {@link WalOptions#maxRecordSize()},
     * counted framed (each payload plus 8 bytes, plus its seal in a protected log). It counts
     * against the in-flight limit ({@link WalOptions#withInFlightLimit}) as its records and bytes,
     * admitted whole or not at all.
     *
     * @throws NullPointerException if {@code records} or one of its elements is null (nothing appended)
     * @throws IllegalArgumentException if {@code records} is empty (nothing appended)
     * @throws RecordTooLargeException if one record is larger than {@link WalOptions#maxRecordSize()}
     *     (nothing appended)
     * @throws GroupTooLargeException if the group is larger than a batch may hold (nothing appended)
     * @throws WalOverloadedException if the in-flight limit refused it (nothing appended)
     * @throws WalInterruptedException if the thread was interrupted while it waited for room
     *     (nothing appended, the interrupt status set again)
     * @throws WalFailedException if this or an earlier write or fsync failed
     * @throws WalClosedException if the log is closed
     * @throws IllegalStateException on the log's writer thread (see the writer-thread rule above)
     */
    public long appendAll(List<byte[]> records) throws IOException {
        return Futures.await(submitAll(records, true));
    }

    /**
     * Appends {@code records} as one atomic group without waiting, as {@link #appendAll(List)} does.
     * The future completes with the sequence number of the last record under the same guarantee as
     * {@link #appendAll} returning, or exceptionally with the {@link IOException}s
     * {@link #appendAll} throws (nothing of the group appended). Do not modify the arrays until the
     * future completes. On the writer thread (in a callback) it works as {@link #appendAsync} does.
     *
     * @throws NullPointerException if {@code records} or one of its elements is null (nothing appended)
     * @throws IllegalArgumentException if {@code records} is empty (nothing appended)
     */
    public CompletableFuture<Long> appendAllAsync(List<byte[]> records) {
        List<byte[]> group = checkedGroup(records);
        try {
            return submitGroup(group, false);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Long> submitAll(List<byte[]> records, boolean callerWaits) throws IOException {
        return submitGroup(checkedGroup(records), callerWaits);
    }

    private CompletableFuture<Long> submitGroup(List<byte[]> group, boolean callerWaits) throws IOException {
        int limit = engine.config().maxRecordSize();
        for (byte[] record : group) {
            if (record.length > limit) {
                throw new RecordTooLargeException(record.length, limit);
            }
        }
        return engine.appendAll(group, callerWaits);
    }

    /** A snapshot of the caller's list (later changes to it do not matter), its elements checked. */
    private static List<byte[]> checkedGroup(List<byte[]> records) {
        Objects.requireNonNull(records, "records");
        List<byte[]> group = new ArrayList<>(records);
        if (group.isEmpty()) {
            throw new IllegalArgumentException("an atomic group needs at least one record: nothing was appended");
        }
        for (int i = 0; i < group.size(); i++) {
            if (group.get(i) == null) {
                throw new NullPointerException("record " + i + " of the group is null (an empty array is a valid,"
                        + " empty record): nothing was appended");
            }
        }
        return group;
    }

    /**
     * Waits until every record appended before this call is written to the OS (it then survives a
     * crash of this process, not a power loss). In {@link Durability#SYNC} it is already.
     */
    public void flush() throws IOException {
        Futures.await(engine.barrier(false, "flush"));
    }

    /** Waits until every record appended before this call is durable (fdatasync). */
    public void fsync() throws IOException {
        Futures.await(engine.barrier(true, "fsync"));
    }

    /**
     * Declares that the caller's own store (a database, say) holds the effect of every record up to
     * {@code upToSequence}: {@link #recover()} never returns them again, and segments holding only
     * such records are deleted. Durable when this returns: the checkpoint file was replaced
     * atomically and its directory synced. A checkpoint at or below the current one does nothing.
     *
     * @throws IllegalArgumentException if {@code upToSequence} is negative or beyond the last append
     */
    @Override
    public void checkpoint(long upToSequence) throws IOException {
        engine.checkpoint(upToSequence, null, null);
    }

    /**
     * Persists a snapshot of the caller's state that reflects every record appended so far, then drops
     * the log prefix it covers. The caller must not append concurrently (or use
     * {@link #checkpoint(Path, long, SnapshotWriter)}).
     */
    public void checkpoint(Path snapshotPath, SnapshotWriter writer) throws IOException {
        engine.checkpoint(engine.lastSequence(), Objects.requireNonNull(snapshotPath, "snapshotPath"),
                Objects.requireNonNull(writer, "writer"));
    }

    /**
     * Persists a snapshot that reflects every record up to {@code upToSequence}, atomically: the
     * writer fills a temporary file in the snapshot's directory, which is fdatasync'ed; the checkpoint
     * file naming it commits; it is renamed over {@code snapshotPath} ({@code ATOMIC_MOVE}) and the
     * directory is fsync'ed; then covered segments are deleted. After a crash at any point, reopening
     * yields either the old snapshot and checkpoint or the new ones (a committed checkpoint whose
     * rename did not happen is completed at open: which one is in force is {@link #snapshot()}, to
     * read after open), and no reader returns a record the snapshot in force covers. If the writer
     * throws, nothing changes.
     */
    public void checkpoint(Path snapshotPath, long upToSequence, SnapshotWriter writer) throws IOException {
        engine.checkpoint(upToSequence, Objects.requireNonNull(snapshotPath, "snapshotPath"),
                Objects.requireNonNull(writer, "writer"));
    }

    /**
     * The records after the checkpoint in force, validated and in order: what the caller must replay.
     * It includes every record appended before the call. For logs larger than the heap use
     * {@link #reader(long)} (an iterator of copies) or, fastest, {@link #replay(long, PayloadVisitor)}
     * (zero-copy).
     *
     * <p><b>What readers see.</b> Every reader ({@code recover}, {@code replay}, {@code reader})
     * reads up to a mark taken when it starts. In {@link Durability#SYNC} that is the
     * durable mark: the reader first waits until every record appended before the call is durable
     * (which costs no extra fdatasync: their batches are synced anyway), and never returns a record
     * that is not, so a replication or change-data-capture consumer never ships a record that a power
     * cut could still erase. In {@link Durability#BUFFERED} it is the write mark: records appended
     * before the call are handed to the OS first and returned, durable or not; a power cut may erase
     * the ones not yet synced. Call {@link #fsync()} first to read only durable records there.
     *
     * @throws WalCorruptedException if the files were damaged since open
     * @throws IllegalStateException on the log's writer thread (see the writer-thread rule above)
     */
    public List<WalRecord> recover() throws IOException {
        List<WalRecord> records = new ArrayList<>();
        try (WalReader reader = engine.reader(0, "recover")) {
            WalRecord record;
            while ((record = reader.next()) != null) {
                records.add(record);
            }
        }
        return records;
    }

    /**
     * Streams the records from {@code fromSequence} (at least the first after the checkpoint) to the
     * visitor without copying them: each payload is lent as a read-only view of the read buffer,
     * <b>valid only during the visitor's call</b> (see {@link PayloadVisitor} for the contract). The
     * validation is that of {@link #reader(long)}: every batch, length, checksum and
     * seal is checked before any of its records is visited. No allocation per record: the fast way
     * to replay a large log.
     *
     * @throws WalCorruptedException if the files were damaged since open
     * @throws NullPointerException if {@code visitor} is null
     * @throws IllegalStateException on the log's writer thread (see the writer-thread rule above)
     */
    @Override
    public void replay(long fromSequence, PayloadVisitor visitor) throws IOException {
        Objects.requireNonNull(visitor, "visitor");
        try (LogReader reader = engine.reader(fromSequence, "replay")) {
            reader.forEach(visitor);
        }
    }

    /**
     * A reader of the records from {@code fromSequence} (at least the first after the checkpoint), up
     * to the mark {@link #recover()} describes (in SYNC, durable records only), taken now. Each
     * {@link WalRecord} it returns owns a copy of its payload; close the reader when done.
     *
     * @throws WalCorruptedException if the files were damaged since open
     * @throws IllegalStateException on the log's writer thread (see the writer-thread rule above)
     */
    @Override
    public WalReader reader(long fromSequence) throws IOException {
        return engine.reader(fromSequence, "reader");
    }

    /**
     * A tailer that follows the log from {@code fromSequence}: each {@link WalTailer#next} returns
     * the next record once it is durable, in order and once, waiting (without polling the files)
     * for the writer to make it so. In {@link Durability#BUFFERED} too it delivers only durable
     * records (after an {@link #fsync()}, a checkpoint, a rotation or {@link #close()}). Several
     * tailers may run, each at its own position, each closed on its own; closing the log ends them
     * with {@link WalClosedException}. {@code options} says what a checkpoint that passes the
     * tailer does ({@link TailOptions.Checkpoints}). To follow from the oldest record the log
     * holds, tail from {@code checkpointSequence() + 1}; to resume, from a saved
     * {@link WalTailer#nextSequence()}.
     *
     * @throws WalTruncatedException if {@code fromSequence} is at or below {@link #checkpointSequence()}
     *     (the log no longer holds it)
     * @throws WalSequenceAheadException if {@code fromSequence} is past {@link #lastSequence()} + 1
     * @throws WalClosedException if the log is closed
     * @throws WalFailedException if the log failed
     * @throws IllegalStateException on the log's writer thread (see the writer-thread rule above)
     */
    public WalTailer tail(long fromSequence, TailOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        return engine.tail(fromSequence, options.checkpoints() == TailOptions.Checkpoints.HOLD_SEGMENTS,
                options.spinBeforePark().toNanos(), options.maxDeliveryDelay().toNanos());
    }

    /**
     * A subscription that hands every durable record from {@code fromSequence} to {@code visitor}
     * (a read-only view valid during the call, the {@link PayloadVisitor} contract), in order and
     * once, in tasks on {@code executor}; see {@link WalSubscription} for threads, back-pressure (it
     * reads the files at the visitor's pace; the writer never buffers for it) and how it ends. The
     * first task is submitted before this returns.
     *
     * @throws NullPointerException if an argument is null
     * @throws WalTruncatedException as {@link #tail}
     * @throws WalSequenceAheadException as {@link #tail}
     * @throws WalClosedException if the log is closed
     * @throws IllegalStateException on the log's writer thread
     */
    public WalSubscription subscribe(long fromSequence, TailOptions options, Executor executor,
            PayloadVisitor visitor) throws IOException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(visitor, "visitor");
        return engine.subscribe(fromSequence, options.checkpoints() == TailOptions.Checkpoints.HOLD_SEGMENTS,
                options.maxRecordsPerTask(), options.maxDeliveryDelay().toNanos(), executor, visitor);
    }

    /**
     * Starts a unit of work that orders WAL append, then apply, then checkpoint; see
     * {@link WalTransaction}.
     */
    public WalTransaction transaction() throws IOException {
        engine.checkMayBlock("transaction");
        engine.ensureOpen();
        return new WalTransaction(this, ledger);
    }

    /**
     * The highest sequence number handed out: of the last record appended (or recovered), 0 if none.
     * After a point-in-time cut of acknowledged records it is the highest sequence the log had
     * written, whose record may be gone: lost sequences are never handed out again.
     */
    @Override
    public long lastSequence() {
        return engine.lastSequence();
    }

    /** Every record up to this sequence number is durable. */
    @Override
    public long durableSequence() {
        return engine.durableSequence();
    }

    /**
     * {@inheritDoc} Here: the last record of the last batch written to the active segment (with one
     * positional write), which is durable once that batch's fdatasync returned; in
     * {@link Durability#BUFFERED} it runs ahead of the durable mark until an {@link #fsync}.
     */
    @Override
    public long writtenSequence() {
        return engine.writtenSequence();
    }

    /** The checkpoint in force: records up to it are not replayed. */
    @Override
    public long checkpointSequence() {
        return engine.checkpointSequence();
    }

    /**
     * The snapshot the checkpoint in force names: the one recovery settled on at open, then the one
     * each {@code checkpoint(Path, ...)} of this session put in place. Its
     * {@link WalSnapshot#upToSequence()} is {@link #checkpointSequence()}, so its state plus the
     * records from {@code upToSequence + 1} ({@link #replay}, {@link #reader}) is the state
     * after every acknowledged record.
     *
     * <p><b>Load your state from this after {@code open}, never before.</b> A crash after a
     * checkpoint committed but before its snapshot was renamed into place leaves the
     * <i>previous</i> snapshot under the snapshot's name; open renames the committed one over it,
     * and the log no longer holds the records between the two. State read from the file before
     * open therefore misses them.
     *
     * <p>Empty if the checkpoint in force names no snapshot: a log never checkpointed, or
     * checkpointed last with {@link #checkpoint(long)} (which says the caller's own store holds
     * the records; a snapshot file written earlier is left where it was, but no longer in force).
     * Never blocks; works on any thread and after {@link #close()}.
     */
    public Optional<WalSnapshot> snapshot() {
        return engine.snapshot();
    }

    /** What recovery found and did when this log was opened. */
    public RecoveryReport recoveryReport() {
        return engine.report();
    }

    /** Counters and latency percentiles since open: appends, bytes, batches, fsyncs, failures. */
    public WalStats stats() {
        return engine.stats();
    }

    /** The active I/O layer: "java" or "native" (or a caller-supplied layer's name). */
    public String ioLayer() {
        return engine.storage().name();
    }

    /** Whether segments are written with direct I/O (asked for with {@link WalOptions#withDirectIo} and supported here). */
    public boolean directIo() {
        return engine.directIo();
    }

    /** The log's directory: the real path, with symbolic links in the path given to open resolved. */
    public Path directory() {
        return engine.directory();
    }

    /** The log's {@link #directory()}, as a string. */
    @Override
    public String describe() {
        return engine.directory().toString();
    }

    /**
     * Waits for every queued append to finish or fail, makes everything durable, writes a clean-close
     * seal, and releases the directory lock. Later calls of other methods throw
     * {@link WalClosedException}; closing again does nothing.
     *
     * @throws WalFailedException if the log had failed or the final fsync failed: records that were
     *     not yet durable may be lost (the directory lock is released all the same)
     */
    @Override
    public void close() throws IOException {
        engine.close();
    }
}
