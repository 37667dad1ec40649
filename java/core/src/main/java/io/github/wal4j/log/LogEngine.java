package io.github.wal4j.log;

import java.util.Optional;
import io.github.wal4j.WalSnapshot;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.Durability;
import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.RecoveryReport;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalLockedException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.SnapshotWriter;
import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.io.SymbolicLinks;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * An open log: the directory lock, the checkpoint in force, the segment list and the writer. The
 * public {@code WriteAheadLog} is a facade over it. Thread-safe.
 */
public final class LogEngine {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j");
    private static final SecureRandom GENERATIONS = new SecureRandom();

    private final Path dir;
    private final WalOptions options;
    private final Storage storage;
    private final Closeable lock;
    private final CheckpointStore checkpoints;
    private final SegmentList segments;
    private final GroupCommitter committer;
    private final RecoveryReport report;
    private final Object checkpointLock = new Object();
    private volatile Checkpoint checkpoint;
    private volatile boolean closed;
    private final boolean directIo;
    private final SegmentKeys keys;
    /** The clean-close mark recovery found (null if none): close writes a new one only if it differs. */
    private final CloseMark closeMarkAtOpen;

    private LogEngine(Path dir, WalOptions options, Storage storage, Closeable lock, CheckpointStore checkpoints,
            Checkpoint checkpoint, Recovery.Result recovered, int alignment, boolean directIo, SegmentKeys keys) {
        this.directIo = directIo;
        this.dir = dir;
        this.options = options;
        this.storage = storage;
        this.lock = lock;
        this.checkpoints = checkpoints;
        this.checkpoint = checkpoint;
        this.segments = recovered.segments();
        this.report = recovered.report();
        this.keys = keys;
        this.closeMarkAtOpen = recovered.closeMark();
        CommitConfig commit = new CommitConfig(storage, dir, keys, options.durability(), options.segmentSize(),
                alignment, directIo, options.maxBatchBytes(), options.durableWatermark(),
                CommitTuning.fromSystemProperties());
        this.committer = new GroupCommitter(commit, segments, recovered.active(), recovered.nextSequence(),
                recovered.sealed());
        committer.start();
    }

    /**
     * Prepares the directory, takes the lock, completes any interrupted checkpoint and runs recovery,
     * lending every record after the checkpoint to {@code replay} (if not null) during its scan.
     */
    public static LogEngine open(Path dir, WalOptions options, Storage layer, PayloadVisitor replay)
            throws IOException {
        Storage storage = FileSafety.withFilePermissions(layer, options);
        Path abs = prepareDirectory(storage, dir, options);
        Closeable lock = acquireLock(storage, abs, options);
        try {
            SegmentKeys keys = new SegmentKeys(options.protection(), options.keys(), options.maxRecordSize());
            CheckpointStore checkpoints = new CheckpointStore(storage, abs, keys);
            Checkpoint checkpoint = checkpoints.read();
            if (keys.protects() && checkpoint != Checkpoint.NONE && !checkpoint.authenticated()) {
                authenticateCheckpoint(storage, abs, checkpoints, checkpoint);
            }
            boolean rollForward = checkSnapshot(storage, checkpoint);
            Events.Recovery event = new Events.Recovery();
            event.begin();
            int directAlignment = directIoAlignment(storage, abs, options);
            boolean directIo = directAlignment > 0;
            int alignment = batchAlignment(storage, abs, directAlignment);
            long anchored = options.durableWatermark() == null ? 0 : options.durableWatermark().lastDurable();
            Recovery.Result recovered = new Recovery(storage, abs, options.maxRecordSize(), options.recoveryMode(),
                    keys, anchored).run(checkpoint, alignment, options.segmentSize(), directIo, replay);
            List<RecoveryReport.Finding> snapshotFindings = rollForward ? rollSnapshotForward(storage, checkpoint)
                    : List.of();
            if (checkpoint.snapshot() != null) {
                removeStaleSnapshotTemporaries(storage, checkpoint.snapshot());
            }
            if (!snapshotFindings.isEmpty()) {
                RecoveryReport r = recovered.report();
                List<RecoveryReport.Finding> all = new ArrayList<>(snapshotFindings);
                all.addAll(r.findings());
                recovered = new Recovery.Result(recovered.segments(), recovered.active(), recovered.nextSequence(),
                        recovered.sealed(), new RecoveryReport(List.copyOf(all), r.checkpointSequence(),
                                r.nextSequence(), r.bytesCut(), r.millis()), recovered.closeMark());
            }
            RecoveryReport report = recovered.report();
            event.end();
            if (event.shouldCommit()) {
                event.directory = abs.toString();
                event.summary = report.summary();
                event.bytesCut = report.bytesCut();
                event.nextSequence = report.nextSequence();
                event.commit();
            }
            LOG.log(report.clean() ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                    () -> report.summary() + " [" + abs + ", " + storage.name() + " I/O]");
            LogEngine engine = new LogEngine(abs, options, storage, lock, checkpoints, checkpoint, recovered, alignment,
                    directIo, keys);
            // A segment recovery started (a protected log starts one at every open) may leave the
            // one before it covered by the checkpoint: deleted as a checkpoint deletes them.
            engine.dropCovered(checkpoint.upToSequence());
            return engine;
        } catch (IOException | RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    /**
     * A protected log found an unauthenticated checkpoint. That is the state right after a plain log
     * was checkpointed for migration, as long as no protected segment exists yet: then the same
     * checkpoint is rewritten authenticated (atomically, before any protected segment is created).
     * Once a protected segment exists, every checkpoint this log wrote was authenticated, so an
     * unauthenticated one was put there by someone else and is refused.
     */
    private static void authenticateCheckpoint(Storage storage, Path dir, CheckpointStore checkpoints,
            Checkpoint checkpoint) throws IOException {
        for (String name : storage.list(dir)) {
            if (LogFiles.segmentId(name) < 0) {
                continue;
            }
            Path path = dir.resolve(name);
            try (StorageFile file = storage.openRead(path)) {
                SegmentHeader.Decoded decoded = SegmentCursor.readHeader(file);
                if (decoded.header().map(SegmentHeader::isProtected).orElse(false)) {
                    throw new WalCorruptedException(dir.resolve(LogFiles.CHECKPOINT), 0, "the checkpoint is not "
                            + "authenticated but the log holds protected segments (" + name + "), whose checkpoints "
                            + "are always authenticated: it was replaced; nothing was changed");
                }
            }
        }
        checkpoints.write(checkpoint);
    }

    /**
     * The direct-I/O alignment to use, or 0 for buffered writes: direct I/O is used only when asked
     * for and the layer and file system can do it (probed in the directory); otherwise the log says
     * once why it falls back to buffered writes + fdatasync.
     */
    private static int directIoAlignment(Storage storage, Path dir, WalOptions options) throws IOException {
        if (!options.directIo()) {
            return 0;
        }
        int alignment = storage.directIoAlignment(dir);
        if (alignment > 0 && alignment <= Alignment.MAX) {
            int used = Math.max(alignment, Alignment.BLOCK);
            LOG.log(System.Logger.Level.INFO, () -> "wal4j: direct I/O (O_DIRECT) in " + dir + ", " + used
                    + "-byte blocks");
            return used;
        }
        LOG.log(System.Logger.Level.INFO, () -> "wal4j: direct I/O asked for, but the " + storage.name()
                + " I/O layer cannot do it in " + dir + (alignment > Alignment.MAX ? " (alignment " + alignment
                        + " too large)" : "") + "; using buffered writes + fdatasync");
        return 0;
    }

    /**
     * The alignment of batches in new segments in {@code dir}: whole blocks of the unit the device
     * tears in (at least 4 KiB, {@link Alignment#forBlockSize}), so that no later write ever
     * rewrites a block holding acknowledged data; with direct I/O, also a multiple of its block.
     *
     * @param directAlignment the direct-I/O block ({@link #directIoAlignment}), 0 for buffered writes
     */
    public static int batchAlignment(Storage storage, Path dir, int directAlignment) throws IOException {
        return Math.max(directAlignment, Alignment.forBlockSize(storage.blockSize(dir)));
    }

    /** Whether this log writes its segments with direct I/O. */
    public boolean directIo() {
        return directIo;
    }

    /**
     * If the directory is missing, creates it and its missing parents (with
     * {@link WalOptions#directoryPermissions()}), each made durable (the directory holding it synced)
     * before this returns; then runs {@link FileSafety#checkLogDirectory} on it: only this user can
     * change it, this process can write to it, and it holds only this log's files, none of them a
     * symbolic link. Changes nothing on a refusal.
     *
     * @return the real path of the directory, which the log uses from then on
     */
    private static Path prepareDirectory(Storage storage, Path requested, WalOptions options) throws IOException {
        Path dir = FileSafety.resolve(requested);
        if (Files.isSymbolicLink(dir)) {
            throw new WalFormatException(SymbolicLinks.describe(dir) + " to a missing path: a WAL path that is a"
                    + " link is resolved once at open, and this one leads nowhere; nothing was changed");
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new WalFormatException(dir + " is not a directory: a WAL is a directory of its own");
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> missing = missingDirectories(dir);
            try {
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(options.directoryPermissions()));
                    // The umask may have narrowed a configured wider mode. (createDirectories also
                    // accepts a directory someone else made meanwhile: the check below catches that.)
                    FileSafety.setPermissions(dir, options.directoryPermissions());
                } else {
                    Files.createDirectories(dir);
                }
            } catch (IOException e) {
                throw new WalException("cannot create WAL directory " + dir + ": " + e, e);
            }
            // Each created directory's entry is durable only once the directory holding it is synced.
            for (Path created : missing) {
                storage.syncDirectory(created.getParent());
            }
            dir = dir.toRealPath();
        }
        FileSafety.checkLogDirectory(dir, options.sharedDirectoryAllowed());
        return dir;
    }

    /**
     * {@code dir} and each of its ancestors that does not exist, deepest first: what
     * {@code Files.createDirectories} will create. Each has a parent (the root always exists).
     */
    private static List<Path> missingDirectories(Path dir) {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && p.getParent() != null && !Files.exists(p); p = p.getParent()) {
            missing.add(p);
        }
        return missing;
    }

    private static Closeable acquireLock(Storage storage, Path dir, WalOptions options) throws IOException {
        Path lockFile = dir.resolve(LogFiles.LOCK);
        long deadline = System.nanoTime() + options.lockTimeout().toNanos();
        while (true) {
            Closeable lock = storage.tryLock(lockFile);
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new WalLockedException(lockFile);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WalLockedException(lockFile);
            }
        }
    }

    /**
     * Checks, without changing anything, that the snapshot the checkpoint in force names is there
     * with the length and CRC32C it recorded ({@link SnapshotCheck}: one streamed read of it). A
     * checkpoint commits before its snapshot is renamed into place; if the crash came between the
     * two, the committed snapshot still sits under its temporary name, and that file is checked,
     * before any rename.
     *
     * @return whether the rename must be completed (after recovery accepted the log)
     */
    private static boolean checkSnapshot(Storage storage, Checkpoint checkpoint) throws IOException {
        if (checkpoint.snapshot() == null) {
            return false;
        }
        Path found = SnapshotCheck.committedFile(storage, checkpoint);
        SnapshotCheck.check(storage, found, checkpoint);
        return !found.equals(checkpoint.snapshot());
    }

    /**
     * Removes temporary files of snapshots whose checkpoint never committed (a crash while the
     * snapshot was being written). They are garbage: no checkpoint in force names them.
     */
    private static void removeStaleSnapshotTemporaries(Storage storage, Path snapshot) throws IOException {
        Path parent = snapshot.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String prefix = snapshot.getFileName() + ".";
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, prefix + "*.wal4j.tmp")) {
            for (Path entry : entries) {
                storage.delete(entry);
            }
        }
    }

    private static List<RecoveryReport.Finding> rollSnapshotForward(Storage storage, Checkpoint checkpoint)
            throws IOException {
        storage.rename(checkpoint.snapshotTemporary(), checkpoint.snapshot());
        storage.syncDirectory(checkpoint.snapshot().getParent());
        return List.of(new RecoveryReport.Finding(checkpoint.snapshot().getFileName().toString(),
                RecoveryReport.Kind.SNAPSHOT_ROLLED_FORWARD, 0, 0, 0, checkpoint.snapshotLength(),
                "the checkpoint covering up to " + checkpoint.upToSequence() + " had committed"));
    }

    public WalOptions options() {
        return options;
    }

    public GroupCommitter committer() {
        return committer;
    }

    public Storage storage() {
        return storage;
    }

    public Path directory() {
        return dir;
    }

    public RecoveryReport report() {
        return report;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** The last sequence the checkpoint in force covers (0: none). */
    public long checkpointSequence() {
        return checkpoint.upToSequence();
    }

    /** The snapshot the checkpoint in force names, as the API describes it; empty if it names none. */
    public Optional<WalSnapshot> snapshot() {
        Checkpoint inForce = checkpoint;
        return inForce.snapshot() == null ? Optional.empty() : Optional.of(new WalSnapshot(inForce.snapshot(),
                inForce.upToSequence(), inForce.snapshotLength(), inForce.snapshotCrc()));
    }

    public void ensureOpen() throws IOException {
        if (closed) {
            throw new WalClosedException("write-ahead log " + dir + " is closed");
        }
        WalException failed = committer.failure();
        if (failed != null) {
            throw new WalFailedException(failed.getMessage(), failed.getCause());
        }
    }

    /**
     * A reader from {@code fromSequence}, but never before the checkpoint, up to the readable mark
     * ({@link GroupCommitter#readableMark()}): in SYNC mode only durable records.
     *
     * @param call the public method, for the writer-thread refusal's message
     */
    public LogReader reader(long fromSequence, String call) throws IOException {
        committer.checkMayBlock(call);
        ensureOpen();
        // Everything appended before this call is made readable first, so a reader sees it: in SYNC
        // mode durable (a record reaches the durable mark only once synced, and the barrier waits for
        // the sync its batch gets anyway), in BUFFERED mode written (an acknowledged record may still
        // sit in the queue).
        Futures.await(committer.barrier(options.durability() == Durability.SYNC, call));
        GroupCommitter.WriteMark mark = committer.readableMark();
        return new LogReader(storage, segments.snapshot(), mark,
                Math.max(fromSequence, checkpoint.upToSequence() + 1), options.maxRecordSize(), keys);
    }

    /**
     * Makes the checkpoint at {@code upTo} durable, with a snapshot if {@code snapshotPath} is given,
     * then deletes the segments it covers. Serialized with other checkpoints and close.
     */
    public void checkpoint(long upTo, Path snapshotPath, SnapshotWriter writer) throws IOException {
        committer.checkMayBlock("checkpoint");
        synchronized (checkpointLock) {
            ensureOpen();
            long last = committer.lastSequence();
            if (upTo < 0 || upTo > last) {
                throw new IllegalArgumentException("checkpoint sequence " + upTo + " is outside [0, " + last
                        + "], the records appended so far");
            }
            Checkpoint current = checkpoint;
            if (snapshotPath == null ? upTo <= current.upToSequence() : upTo < current.upToSequence()) {
                if (snapshotPath != null) {
                    throw new IllegalArgumentException("snapshot at sequence " + upTo
                            + " would go back before the checkpoint in force at " + current.upToSequence());
                }
                return;
            }
            // Everything appended so far is written and synced first: the checkpoint needs the
            // records up to upTo durable, and no batch write then runs beside the checkpoint's files.
            Futures.await(committer.barrier(true, "checkpoint"));
            Events.Checkpoint event = new Events.Checkpoint();
            event.begin();
            Checkpoint next;
            Path prepared;
            if (snapshotPath == null) {
                next = new Checkpoint(upTo, GENERATIONS.nextLong(), null, 0, 0);
                prepared = checkpoints.prepare(next);
            } else {
                next = writeSnapshot(upTo, snapshotPath.toAbsolutePath().normalize(), writer);
                try {
                    prepared = checkpoints.prepare(next);
                } catch (IOException | RuntimeException e) {
                    deleteQuietly(next.snapshotTemporary(), e);
                    throw e;
                }
            }
            try {
                checkpoints.commit(prepared);
                if (next.snapshot() != null) {
                    storage.rename(next.snapshotTemporary(), next.snapshot());
                    storage.syncDirectory(next.snapshot().getParent());
                }
            } catch (IOException | RuntimeException e) {
                // The new checkpoint may or may not be durable; only a reopen can tell, so stop here.
                committer.fail(e);
                throw new WalFailedException("checkpoint up to " + upTo + " failed while committing; the log "
                        + "is stopped and reopening completes or rolls back the checkpoint: " + e.getMessage(), e);
            }
            checkpoint = next;
            int deleted = dropCovered(upTo);
            event.end();
            if (event.shouldCommit()) {
                event.upToSequence = upTo;
                event.snapshotBytes = next.snapshotLength();
                event.segmentsDeleted = deleted;
                event.commit();
            }
        }
    }

    /** Counters and latency percentiles since open. */
    public io.github.wal4j.WalStats stats() {
        return committer.stats(storage.name());
    }

    private void deleteQuietly(Path path, Throwable owner) {
        try {
            storage.delete(path);
        } catch (IOException suppressed) {
            owner.addSuppressed(suppressed);
        }
    }

    private Checkpoint writeSnapshot(long upTo, Path snapshot, SnapshotWriter writer) throws IOException {
        Path parent = snapshot.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new WalException("snapshot directory " + parent + " does not exist");
        }
        if (Files.isSymbolicLink(snapshot)) {
            // The rename at commit would replace the link, not write through it; refused all the
            // same, so that a link planted there is reported instead of silently dropped.
            throw new WalFormatException(SymbolicLinks.describe(snapshot) + ": wal4j never writes a snapshot"
                    + " through or over a symbolic link; give the real path. Nothing was changed");
        }
        if (Files.isSameFile(parent, dir)) {
            throw new IllegalArgumentException("keep snapshots outside the WAL directory " + dir
                    + ": it holds only the log's own files");
        }
        removeStaleSnapshotTemporaries(storage, snapshot);
        long generation = GENERATIONS.nextLong();
        Path temporary = Checkpoint.temporaryFor(snapshot, generation);
        long length;
        int crc;
        try (StorageFile file = storage.create(temporary)) {
            StorageOutputStream out = new StorageOutputStream(file);
            writer.write(out);
            out.flush();
            file.sync();
            length = out.length();
            crc = out.crc();
            // The temporary file's name must be durable before the checkpoint naming it commits.
            storage.syncDirectory(parent);
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(temporary, e);
            throw e;
        }
        return new Checkpoint(upTo, generation, snapshot, length, crc);
    }

    /**
     * Deletes the segments a durable checkpoint covers. A failure here loses nothing: a segment that
     * survives is covered by the checkpoint, recovery lists it again and a later checkpoint deletes it.
     */
    private int dropCovered(long upTo) {
        List<SegmentList.Entry> removed = segments.removeCoveredBy(upTo);
        try {
            for (SegmentList.Entry entry : removed) {
                storage.delete(entry.path());
            }
            if (!removed.isEmpty()) {
                storage.syncDirectory(dir);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "wal4j: could not delete segments covered by the checkpoint at "
                    + upTo + " in " + dir + " (they are deleted after the next open): " + e);
        }
        return removed.size();
    }

    /** Drains the writer, seals and syncs, releases the lock. Idempotent. */
    public void close() throws IOException {
        committer.checkMayBlock("close");
        synchronized (checkpointLock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                CloseMark mark = committer.close();
                if (!mark.equals(closeMarkAtOpen)) {
                    try {
                        new CloseMarkStore(storage, dir).write(mark);
                    } catch (IOException e) {
                        throw new WalException("closing " + dir + ": every record is durable and sealed, but the"
                                + " clean-close mark (" + LogFiles.CLOSE_MARK + ") could not be written, so a later"
                                + " truncation of the newest segment may go unnoticed: " + e.getMessage(), e);
                    }
                }
            } finally {
                lock.close();
            }
        }
    }
}
