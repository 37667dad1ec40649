package io.github.wal4j.log;

import io.github.wal4j.RecoveryReport;
import io.github.wal4j.SnapshotWriter;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The checkpoints of an open log: the one in force, the protocol that replaces it (with or without
 * a snapshot), and the deletion of the segments it covers; at open, the completion of what a crash
 * interrupted ({@link #inForceAtOpen}, {@link #completeAtOpen}).
 *
 * <p>A checkpoint with a snapshot goes, in this order: the snapshot to a temporary file beside its
 * target, fdatasync'ed, its directory fsync'ed; the new {@code CHECKPOINT} prepared
 * ({@link CheckpointStore#prepare}); the checkpoint committed (rename, directory fsync): from here
 * it is in force, even if what follows fails; the snapshot renamed into place and its directory
 * fsync'ed; the covered segments deleted. A crash before the commit leaves the old checkpoint and
 * its snapshot; a crash after it leaves the new checkpoint, whose snapshot the next open finds
 * under its temporary name and renames. A checkpoint without a snapshot is the same without the
 * snapshot's steps.
 *
 * <p>Not thread-safe for {@link #checkpoint}: the caller runs one at a time, never beside the log's
 * close. {@link #inForce()} may be read from any thread.
 */
final class Checkpointer {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j");
    /** The generations of checkpoints: random, so that a snapshot temporary of any run is told apart. */
    private static final SecureRandom GENERATIONS = new SecureRandom();
    /** How every snapshot temporary's name ends ({@link Checkpoint#temporaryFor}). */
    private static final String SNAPSHOT_TEMPORARY_SUFFIX = ".wal4j.tmp";

    /** What a checkpoint needs of the log's writer. */
    interface Writer {
        /** The sequence of the last record appended (0 if none): a checkpoint covers at most up to it. */
        long lastSequence();

        /** Returns once every record appended before the call is written and synced. */
        void syncAll() throws IOException;

        /** Stops the log for good: a checkpoint failed while committing, so its state is unknown. */
        void fail(Throwable cause);
    }

    /**
     * The checkpoint open found in force, checked and not yet completed.
     *
     * @param snapshotRenamePending whether its snapshot still has its temporary name: the
     *     checkpoint committed, the crash came before the rename ({@link #completeAtOpen} does it)
     */
    record AtOpen(Checkpoint checkpoint, boolean snapshotRenamePending) {
    }

    private final LogDirectory directory;
    private final Storage storage;
    private final CheckpointStore store;
    private final SegmentList segments;
    private final Writer writer;
    /** The lowest sequence a tailer holding segments still needs ({@link TailRegistry#heldFrom()}). */
    private final LongSupplier heldFrom;
    private volatile Checkpoint inForce;
    /** Takes freed segments for recycling ({@link SegmentPreparer#offer}); null: they are deleted. */
    private final SegmentPreparer recycler;

    /**
     * @param inForce the checkpoint in force (from {@link #inForceAtOpen}, or {@link Checkpoint#NONE})
     * @param segments the live segments, from which the covered ones are removed
     */
    Checkpointer(LogDirectory directory, CheckpointStore store, Checkpoint inForce, SegmentList segments,
            Writer writer, LongSupplier heldFrom) {
        this(directory, store, inForce, segments, writer, heldFrom, null);
    }

    /**
     * As {@link #Checkpointer(LogDirectory, CheckpointStore, Checkpoint, SegmentList, Writer, LongSupplier)},
     * offering each segment a checkpoint frees to {@code recycler} (if not null) before deleting it.
     */
    Checkpointer(LogDirectory directory, CheckpointStore store, Checkpoint inForce, SegmentList segments,
            Writer writer, LongSupplier heldFrom, SegmentPreparer recycler) {
        this.recycler = recycler;
        this.heldFrom = heldFrom;
        this.directory = directory;
        this.storage = directory.storage();
        this.store = store;
        this.inForce = inForce;
        this.segments = segments;
        this.writer = writer;
    }

    /**
     * Reads the checkpoint in force before recovery and checks, changing nothing but a migration,
     * that the snapshot it names is there with the length and CRC32C it recorded
     * ({@link SnapshotCheck}, on the temporary name if the rename is pending).
     *
     * <p>The migration: a protected log that finds an unauthenticated checkpoint is in the state
     * right after a plain log was checkpointed to be migrated, as long as no protected segment
     * exists yet; then the same checkpoint is rewritten authenticated (atomically, before any
     * protected segment is created). Once a protected segment exists, every checkpoint this log
     * wrote was authenticated, so an unauthenticated one was put there by someone else.
     *
     * @throws WalCorruptedException if the checkpoint or its snapshot is damaged, or an
     *     unauthenticated checkpoint sits beside protected segments
     */
    static AtOpen inForceAtOpen(LogDirectory directory, CheckpointStore store, SegmentKeys keys) throws IOException {
        Checkpoint checkpoint = store.read();
        if (keys.protects() && checkpoint != Checkpoint.NONE && !checkpoint.authenticated()) {
            refuseIfProtectedSegments(directory);
            store.write(checkpoint);
        }
        if (checkpoint.snapshot() == null) {
            return new AtOpen(checkpoint, false);
        }
        Path found = SnapshotCheck.committedFile(directory.storage(), checkpoint);
        SnapshotCheck.check(directory.storage(), found, checkpoint);
        return new AtOpen(checkpoint, !found.equals(checkpoint.snapshot()));
    }

    /**
     * Completes at open, once recovery accepted the log, what a crash left of the checkpoint in
     * force: renames its committed snapshot into place (durable when this returns), and removes
     * temporaries of snapshots whose checkpoint never committed.
     *
     * @return the finding of the rename, if there was one
     */
    static List<RecoveryReport.Finding> completeAtOpen(LogDirectory directory, AtOpen found) throws IOException {
        Checkpoint checkpoint = found.checkpoint();
        List<RecoveryReport.Finding> findings = List.of();
        if (found.snapshotRenamePending()) {
            renameSnapshot(directory.storage(), checkpoint);
            findings = List.of(new RecoveryReport.Finding(checkpoint.snapshot().getFileName().toString(),
                    RecoveryReport.Kind.SNAPSHOT_ROLLED_FORWARD, 0, 0, 0, checkpoint.snapshotLength(),
                    "the checkpoint covering up to " + checkpoint.upToSequence() + " had committed"));
        }
        if (checkpoint.snapshot() != null) {
            removeStaleSnapshotTemporaries(directory, checkpoint.snapshot());
        }
        return findings;
    }

    /** The checkpoint in force. */
    Checkpoint inForce() {
        return inForce;
    }

    /**
     * Makes the checkpoint at {@code upTo} the one in force, with a snapshot that {@code snapshotWriter}
     * writes to {@code snapshotPath} if that is given, then deletes the segments it covers. A
     * checkpoint at or before the one in force is a no-op without a snapshot; with one, a snapshot at
     * the same sequence replaces it. Durable when this returns.
     *
     * @throws IllegalArgumentException if {@code upTo} is outside [0, {@link Writer#lastSequence()}],
     *     a snapshot would go back before the checkpoint in force, or {@code snapshotPath} is inside
     *     the log's directory; nothing was changed
     * @throws WalFailedException if the commit failed: the log is stopped ({@link Writer#fail}), and
     *     the next open completes or rolls back this checkpoint
     * @throws IOException any other failure before the commit; the checkpoint in force stays
     */
    void checkpoint(long upTo, Path snapshotPath, SnapshotWriter snapshotWriter) throws IOException {
        long last = writer.lastSequence();
        if (upTo < 0 || upTo > last) {
            throw new IllegalArgumentException("checkpoint sequence " + upTo + " is outside [0, " + last
                    + "], the records appended so far");
        }
        Checkpoint current = inForce;
        if (snapshotPath == null ? upTo <= current.upToSequence() : upTo < current.upToSequence()) {
            if (snapshotPath != null) {
                throw new IllegalArgumentException("snapshot at sequence " + upTo
                        + " would go back before the checkpoint in force at " + current.upToSequence());
            }
            return;
        }
        // Everything appended so far is written and synced first: the checkpoint needs the records
        // up to upTo durable, and no batch write then runs beside the checkpoint's files.
        writer.syncAll();
        Events.Checkpoint event = new Events.Checkpoint();
        event.begin();
        Checkpoint next;
        Path prepared;
        if (snapshotPath == null) {
            next = new Checkpoint(upTo, GENERATIONS.nextLong(), null, 0, 0);
            prepared = store.prepare(next);
        } else {
            next = writeSnapshot(upTo, snapshotPath.toAbsolutePath().normalize(), snapshotWriter);
            try {
                prepared = store.prepare(next);
            } catch (IOException | RuntimeException e) {
                deleteQuietly(next.snapshotTemporary(), e);
                throw e;
            }
        }
        try {
            store.commit(prepared);
            if (next.snapshot() != null) {
                renameSnapshot(storage, next);
            }
        } catch (IOException | RuntimeException e) {
            // The new checkpoint may or may not be durable; only a reopen can tell, so stop here.
            writer.fail(e);
            throw new WalFailedException("checkpoint up to " + upTo + " failed while committing; the log "
                    + "is stopped and reopening completes or rolls back the checkpoint: " + e.getMessage(), e);
        }
        inForce = next;
        int deleted = deleteCovered(upTo);
        event.end();
        if (event.shouldCommit()) {
            event.upToSequence = upTo;
            event.snapshotBytes = next.snapshotLength();
            event.segmentsDeleted = deleted;
            event.commit();
        }
    }

    /**
     * Deletes the segments a durable checkpoint at {@code upTo} covers, but none that holds a record
     * a tailer holding segments still has to read ({@link #heldFrom}). A failure here loses nothing:
     * a segment that survives is covered by the checkpoint, recovery lists it again and a later
     * checkpoint deletes it; so it is logged, not thrown. With recycling the newest of them, up to
     * {@link SegmentPreparer#POOL}, may be kept instead ({@link SegmentPreparer#offer}), each renamed to
     * {@code <id>.wal.free}, if no reader of the log has
     * it open ({@link SegmentList#retireIfUnread}); the directory sync covers that rename too.
     *
     * @return how many segments were taken off the live list
     */
    int deleteCovered(long upTo) {
        List<SegmentList.Entry> removed = segments.removeCoveredBy(Math.min(upTo, heldFrom.getAsLong() - 1));
        List<Path> files = new ArrayList<>(removed.size());
        boolean kept = false;
        boolean full = recycler == null;
        // The newest freed segments are offered, until the recycler's pool is full: the others were
        // freed by earlier checkpoints and are the first to be deleted.
        for (int i = removed.size() - 1; i >= 0; i--) {
            SegmentList.Entry entry = removed.get(i);
            if (!full && segments.retireIfUnread(entry.id())) {
                boolean taken = recycler.offer(entry.path());
                segments.forgetRetired(entry.id());
                if (taken) {
                    kept = true;
                    continue;
                }
                full = true;
            }
            files.add(entry.path());
        }
        try {
            directory.deleteAll(files);
            if (kept && files.isEmpty()) {
                storage.syncDirectory(directory.path());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, () -> "wal4j: could not delete segments covered by the checkpoint at "
                    + upTo + " in " + directory.path() + " (they are deleted after the next open): " + e);
        }
        return removed.size();
    }

    /**
     * Writes the snapshot of a checkpoint at {@code upTo} under a temporary name beside
     * {@code snapshot}, fdatasyncs it and fsyncs its directory, so that the checkpoint naming it may
     * commit. On failure the temporary file is deleted.
     */
    private Checkpoint writeSnapshot(long upTo, Path snapshot, SnapshotWriter snapshotWriter) throws IOException {
        directory.checkSnapshotTarget(snapshot);
        removeStaleSnapshotTemporaries(directory, snapshot);
        long generation = GENERATIONS.nextLong();
        Path temporary = Checkpoint.temporaryFor(snapshot, generation);
        long length;
        int crc;
        try (StorageFile file = storage.create(temporary)) {
            StorageOutputStream out = new StorageOutputStream(file);
            snapshotWriter.write(out);
            out.flush();
            file.sync();
            length = out.length();
            crc = out.crc();
            // The temporary file's name must be durable before the checkpoint naming it commits.
            storage.syncDirectory(snapshot.getParent());
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(temporary, e);
            throw e;
        }
        return new Checkpoint(upTo, generation, snapshot, length, crc);
    }

    /** Renames the committed snapshot of {@code checkpoint} into place; durable when this returns. */
    private static void renameSnapshot(Storage storage, Checkpoint checkpoint) throws IOException {
        storage.rename(checkpoint.snapshotTemporary(), checkpoint.snapshot());
        storage.syncDirectory(checkpoint.snapshot().getParent());
    }

    /**
     * Removes temporary files of snapshots at {@code snapshot} whose checkpoint never committed (a
     * crash while the snapshot was being written). They are garbage: no checkpoint in force names
     * them. Their deletion need not be durable: one that comes back is garbage still.
     */
    private static void removeStaleSnapshotTemporaries(LogDirectory directory, Path snapshot) throws IOException {
        Path parent = snapshot.getParent();
        String prefix = snapshot.getFileName() + ".";
        for (String name : directory.listOther(parent)) {
            if (name.length() >= prefix.length() + SNAPSHOT_TEMPORARY_SUFFIX.length() && name.startsWith(prefix)
                    && name.endsWith(SNAPSHOT_TEMPORARY_SUFFIX)) {
                directory.storage().delete(parent.resolve(name));
            }
        }
    }

    /**
     * Refuses an unauthenticated checkpoint in a protected log once a protected segment exists
     * (see {@link #inForceAtOpen}).
     */
    private static void refuseIfProtectedSegments(LogDirectory directory) throws IOException {
        for (String name : directory.list()) {
            if (LogFiles.segmentId(name) < 0) {
                continue;
            }
            try (StorageFile file = directory.storage().openRead(directory.resolve(name))) {
                SegmentHeader.Decoded decoded = SegmentCursor.readHeader(file);
                if (decoded.header().map(SegmentHeader::isProtected).orElse(false)) {
                    throw new WalCorruptedException(directory.resolve(LogFiles.CHECKPOINT), 0, "the checkpoint is not "
                            + "authenticated but the log holds protected segments (" + name + "), whose checkpoints "
                            + "are always authenticated: it was replaced");
                }
            }
        }
    }

    private void deleteQuietly(Path path, Throwable owner) {
        try {
            storage.delete(path);
        } catch (IOException suppressed) {
            owner.addSuppressed(suppressed);
        }
    }
}
