package io.github.wal4j.inspect;

import io.github.wal4j.KeyProvider;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalKeyException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalUnsafeDirectoryException;
import io.github.wal4j.log.LogInspector;
import io.github.wal4j.spi.Storage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A read-only view of a WAL directory, for operators' tools: its segments and their headers, the
 * batches and records in them, the checkpoint, and the verdict recovery would reach, found by
 * recovery's own reader ({@code Recovery.inspect} and its segment cursor), so that a tool and open
 * can never disagree.
 *
 * <p><b>What it changes: nothing.</b> No method writes, truncates, renames, creates or deletes a
 * file in the WAL directory, the snapshot's directory included; files are opened for reading only.
 * <b>What it locks:</b> only what the caller asks for. {@link #tryLock()} takes the directory lock
 * ({@code wal.lock}, the lock open takes) and holds it until {@link #unlock()} or {@link #close()},
 * so that no process opens the log while a tool reads it; {@link #probeLock()} takes it and releases
 * it at once. Neither creates {@code wal.lock}: without one, nobody can hold the lock. Without the
 * lock, a log that another process has open may change while it is read (a batch being written then
 * looks torn).
 *
 * <p>The options give the I/O layer ({@link WalOptions#ioLayer()} or {@link WalOptions#storage()},
 * chosen as {@code WriteAheadLog.open} chooses it), the maximum record size, the keys of a protected
 * log ({@link WalOptions#keys()}; never printed, used to read only), and whether a directory others
 * can change is accepted ({@link WalOptions#sharedDirectoryAllowed()}).
 *
 * <p>Not thread-safe: one thread uses an inspection at a time.
 */
public interface LogInspection extends Closeable {

    /** The setting that accepts a directory others can change, as open's refusal names it. */
    String SHARED_DIRECTORY_OPTION = io.github.wal4j.log.FileSafety.SHARED_DIRECTORY_OPTION;

    /**
     * Opens {@code dir} for inspection after the checks {@code WriteAheadLog.open} makes of an
     * existing directory, in order and by the same code: a path that is itself a symbolic link is
     * resolved once; only its owner may change it (unless the options allow a shared directory); this
     * process may write to it; it holds only the log's own files, none of them a symbolic link.
     * Then chooses the I/O layer. Changes and locks nothing.
     *
     * @throws WalFormatException if {@code dir} is missing or not a directory, or holds a symbolic
     *     link or files that are not the log's
     * @throws WalUnsafeDirectoryException if other users could change it
     * @throws WalException if this process cannot write to it
     * @throws IllegalArgumentException for an unknown I/O layer name
     * @throws IOException if the layer asked for cannot be used here ({@link LayerUnavailableException})
     */
    static LogInspection open(Path dir, WalOptions options) throws IOException {
        return LogInspector.open(dir, true, options.sharedDirectoryAllowed(), options.ioLayer(), options.storage(),
                options.keys(), options.maxRecordSize());
    }

    /**
     * As {@link #open}, but without open's access checks (who may change the directory, whether this
     * process may write to it): for describing a directory that open would refuse, with the reason
     * from {@link #accessProblem()}. The contents are still checked: only the log's own files, no link.
     */
    static LogInspection openWithoutAccessChecks(Path dir, WalOptions options) throws IOException {
        return LogInspector.open(dir, false, options.sharedDirectoryAllowed(), options.ioLayer(), options.storage(),
                options.keys(), options.maxRecordSize());
    }

    /**
     * The batch alignment a log opened in {@code dir} through {@code storage} gets: at least 4 KiB and
     * the unit in which a write there can tear ({@link Storage#blockSize}), and at least
     * {@code directIoBlock}, the direct-I/O block, when it writes with direct I/O (0: buffered writes).
     */
    static int batchAlignment(Storage storage, Path dir, int directIoBlock) throws IOException {
        return LogInspector.batchAlignment(storage, dir, directIoBlock);
    }

    /** The directory: the real path, with a symbolic link in the given path resolved. */
    Path directory();

    /** The I/O layer this inspection reads through, and why it is that one. */
    IoLayerChoice ioLayer();

    /** The storage of that layer: for a tool's own reads, and to build a {@link #readingThrough} layer on. */
    Storage storage();

    /**
     * This inspection reading every file through {@code storage} instead (a layer over
     * {@link #storage()}, for instance one that counts the bytes read), and reading protected
     * segments and checkpoints with {@code keys} (when not {@code null}; else with the options'
     * keys): a tool can ask for keys only once it needs them. It shares this inspection's lock;
     * closing it releases nothing.
     */
    LogInspection readingThrough(Storage storage, KeyProvider keys);

    /**
     * Why users other than this one could change the directory's files, with the fix, or {@code null}:
     * what open refuses unless {@code WalOptions.withSharedDirectoryAllowed(true)}.
     */
    String accessProblem() throws IOException;

    /** Takes the directory lock if it is free and holds it until {@link #unlock()} or {@link #close()}. */
    LockStatus tryLock() throws IOException;

    /** Tries the directory lock and releases it at once: {@link LockStatus#FREE}, HELD or NO_LOCK_FILE. */
    LockStatus probeLock() throws IOException;

    /** Releases the directory lock if this inspection holds it. */
    void unlock() throws IOException;

    /** What the last lock attempt found, or {@code null} before one. */
    LockStatus lockStatus();

    /** The names of the files in the directory, sorted. */
    List<String> fileNames() throws IOException;

    /** The segment ids, in order. */
    List<Long> segmentIds() throws IOException;

    /** The bytes of all segments: what a full scan reads. */
    long segmentBytes() throws IOException;

    /** The path of segment {@code id}. */
    Path segmentPath(long id);

    /**
     * The checkpoint in force ({@code upToSequence} 0 and no snapshot when there is none).
     *
     * @throws WalCorruptedException if {@code CHECKPOINT} is damaged or fails authentication
     * @throws WalKeyException if it is authenticated under a key the options do not give
     */
    CheckpointInfo checkpoint() throws IOException;

    /**
     * The mark of the last clean close, or {@code null} if the log was never closed cleanly (or by a
     * wal4j that wrote none).
     *
     * @throws WalCorruptedException if {@code CLOSE_MARK} is damaged
     */
    CloseMarkInfo closeMark() throws IOException;

    /** Segment {@code id}'s file and header. */
    SegmentInfo segment(long id) throws IOException;

    /**
     * Segment {@code id} read batch by batch, every batch validated whole as recovery validates it
     * (header, lengths, checksums, seals), to where its valid data ends.
     *
     * @throws WalKeyException if it is protected under a key the options do not give
     */
    SegmentScan scan(long id) throws IOException;

    /**
     * The verdict recovery would reach, by recovery's code ({@code Recovery.inspect}) over the
     * checkpoint, the snapshot and every segment.
     *
     * @throws WalFormatException for a segment of an unknown format or foreign magic
     * @throws RecordTooLargeException for a valid record longer than the options' maximum record
     *     size (written under a larger limit): open refuses the log as a configuration error
     */
    Verdict verify() throws IOException;

    /**
     * What a point-in-time cut at the verdict's first damage ({@link Verdict#damage()}, which must be
     * set) loses, from recovery's scan of the batch headers after it.
     */
    DataLoss loss(Verdict verdict) throws IOException;

    /**
     * Lends every record from {@code from} to {@code to} (inclusive) to {@code visitor}, in order,
     * each batch validated whole first; segments wholly before {@code from} are skipped unread. Stops
     * at the first damage, or at a segment that does not continue the one before, and says where.
     *
     * @param checkpointed the checkpoint's sequence: where the first segment may begin
     * @throws WalFormatException for a segment of an unknown format or foreign magic
     */
    RecordScanEnd records(long checkpointed, long from, long to, Consumer<InspectedRecord> visitor) throws IOException;

    /** Releases the directory lock if this inspection holds it. */
    @Override
    void close() throws IOException;

    /** The I/O layer asked for cannot be used here: the message says why. */
    final class LayerUnavailableException extends IOException {
        private static final long serialVersionUID = 1L;

        public LayerUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
