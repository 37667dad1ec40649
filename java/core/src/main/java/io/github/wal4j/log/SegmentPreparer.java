package io.github.wal4j.log;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Writes the next segment's blocks before the writer needs them, from zeros or from the file of a
 * segment a checkpoint freed. Zeros: creates {@code <id>.wal.tmp}
 * (the name {@link ActiveSegment#create} uses and recovery removes: {@link LogFiles#temporary}),
 * writes zeros over the whole segment size in chunks and fdatasyncs it. At rotation the writer
 * {@link #take takes} the file and writes the header over the zeros
 * ({@link ActiveSegment#createPrepared}); its batches then overwrite blocks the file system has
 * already written, so an fdatasync flushes data only. A write into a {@code fallocate}d (unwritten)
 * extent makes ext4 commit a journal transaction at every fdatasync to convert the extent, and a
 * file that grows as it is written (no {@code fallocate}: the java layer) journals its size.
 *
 * <p>Why zeros are safe: until the rename the file is a temporary file that recovery removes
 * ({@code TEMPORARY_REMOVED}), and nothing acknowledged is ever in it; once renamed it is a segment
 * whose bytes after the header are zeros, which recovery reads as the end of the log, as it reads the
 * zeros of a fallocated file ({@link Verdict.ZeroTail}).
 *
 * <p>Recycling ({@code WalOptions.withSegmentRecycling}): a checkpoint {@link #offer offers} a
 * segment it freed instead of deleting it; the file is renamed to a name of its own
 * ({@code <old id>.wal.free}, {@link LogFiles#freed}: never a segment, and recovery removes it as
 * clean, {@code FREED_REMOVED}) and kept, at most {@link #POOL} at a time. A preparation then
 * renames it to {@code <id>.wal.tmp}, syncs the directory (so that the file is durably a temporary
 * file before anything in it changes), writes zeros from its end to the segment size if it is
 * shorter, and fdatasyncs it; {@link #take} says it is recycled, and the writer writes a header with
 * a new salt and the RECYCLED flag over its first block ({@link ActiveSegment#createPrepared}).
 * The earlier use's bytes after that block are never read as records: their checksums are seeded
 * with the earlier salt, and recovery takes them as the end of the data only where it is provable
 * ({@link SegmentCursor#endOfUseAt}, {@link Verdict.StaleTail}). Without a freed file the
 * preparation writes zeros, or, with zero-filling off, prepares nothing.
 *
 * <p>Rules: {@link #take} never waits for a preparation longer than it takes to stop it (the work
 * stops between chunks; a chunk is at most 1 MiB), and one that has not started is simply
 * cancelled; the writer then creates the segment the old way. A failed preparation (ENOSPC, EIO) is
 * not a failure of the log: it is logged (the first at WARNING, later ones at DEBUG), its file
 * removed, and the rotation falls back. The file of a failed sync is never used.
 *
 * <p>Threads: {@link #prepare} and {@link #take} are called by the one caller of the
 * {@link SegmentWriter} (under the commit lock), {@link #close} by the closing thread once the
 * writer stopped; the work runs on the executor (the storage's
 * {@link Storage#backgroundExecutor()}, or a daemon thread started per preparation). With a direct
 * executor the work runs inside {@link #prepare}, on the writer, at a point fixed by the sequence of
 * appends.
 */
final class SegmentPreparer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.github.wal4j");
    /** The largest zero write: a cancel waits for at most one of them. */
    static final int MAX_CHUNK = 1 << 20;

    private enum State { QUEUED, WRITING, SYNCING, READY, DONE }

    /** The prepared file {@link #take} hands over, and whether it was recycled. */
    record Prepared(StorageFile file, boolean recycled) {
    }

    private final Storage storage;
    private final Path dir;
    private final long segmentSize;
    /** Whether a segment without a freed file is prepared with zeros. */
    private final boolean zeroFill;
    /** Whether {@link #offer} keeps freed segments. */
    private final boolean recycling;
    /**
     * How many freed segments are kept at most: two, so that a checkpoint that frees several feeds
     * the next two rotations, and a rotation that comes before the next checkpoint still finds one.
     */
    static final int POOL = 2;
    /**
     * Freed segments' files, renamed to {@code <id>.wal.free}, waiting to be recycled, in the order
     * kept (a preparation takes the first); at most {@link #POOL}. Guarded by {@link #lock}.
     */
    private final ArrayDeque<Path> freed = new ArrayDeque<>(POOL);
    /** Whether an {@link #offer} is renaming its file (outside the lock). Guarded by {@link #lock}. */
    private boolean offering;
    private final int chunk;
    private final Executor executor;
    private final Object lock = new Object();
    /** The preparation in hand (queued, running, ready or failed), or null. Guarded by {@link #lock}. */
    private Job job;
    private boolean warned;
    private boolean closed;

    /**
     * @param segmentSize the size of every segment the writer creates; the file is zeroed to it
     * @param chunk the bytes of one zero write, at most {@link #MAX_CHUNK}
     */
    SegmentPreparer(Storage storage, Path dir, long segmentSize, int chunk) {
        this(storage, dir, segmentSize, chunk, true, false);
    }

    /**
     * @param zeroFill whether a segment is prepared with zeros when no freed file is at hand
     * @param recycling whether freed segments are kept ({@link #offer}) and recycled
     */
    SegmentPreparer(Storage storage, Path dir, long segmentSize, int chunk, boolean zeroFill, boolean recycling) {
        this.zeroFill = zeroFill;
        this.recycling = recycling;
        this.storage = storage;
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.chunk = Math.max(1, Math.min(chunk, MAX_CHUNK));
        Executor given = storage.backgroundExecutor();
        this.executor = given != null ? given : work -> {
            Thread t = new Thread(work, "wal4j-segment-preparer " + dir);
            t.setDaemon(true);
            t.start();
        };
    }

    /** The chunk of zero writes for a segment: an eighth of it, between 4 KiB and {@link #MAX_CHUNK}. */
    static int chunkFor(long segmentSize) {
        return (int) Math.max(4096, Math.min(MAX_CHUNK, segmentSize / 8 / 4096 * 4096));
    }

    /**
     * Keeps the file of {@code segment}, a segment a durable checkpoint covers and that no reader has
     * open (the caller made sure), for recycling: renames it to {@link LogFiles#freed}. The caller syncs
     * the directory after, as after a deletion. False if it is not kept (recycling off, {@link #POOL}
     * files already in hand, closed, or the rename failed): then the caller deletes it.
     */
    boolean offer(Path segment) {
        Path kept = LogFiles.freed(segment);
        synchronized (lock) {
            if (!recycling || closed || freed.size() >= POOL || offering) {
                return false;
            }
            offering = true;
        }
        // The rename runs outside the lock: a rotation's take() must not wait behind it.
        boolean renamed = false;
        try {
            storage.rename(segment, kept);
            renamed = true;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "could not keep " + segment + " for recycling: " + e);
        }
        boolean closedMeanwhile;
        synchronized (lock) {
            offering = false;
            closedMeanwhile = closed;
            if (renamed && !closedMeanwhile) {
                freed.addLast(kept);
            }
        }
        if (renamed && closedMeanwhile) {
            // close() ran while it was renamed and removed nothing of it: the caller's directory sync covers this.
            deleteQuietly(kept);
        }
        return renamed;
    }

    /**
     * Starts preparing segment {@code id} unless it is already in hand (being prepared, ready, or
     * failed: one attempt per segment). With a direct executor it is done when this returns.
     */
    void prepare(long id) {
        Job start;
        synchronized (lock) {
            if (closed || (job != null && job.id >= id)) {
                return;
            }
            if (job != null) {
                // An older id nobody took (not reached by the writer's order of calls): its file
                // is closed and left as a temporary file, which recovery removes.
                closeQuietly(stop(job));
            }
            job = start = new Job(id);
        }
        executor.execute(start);
    }

    /**
     * The prepared, synced file of segment {@code id}, whose ownership passes to the caller; null if
     * there is none (never asked, failed, or still writing zeros: then the work is stopped first, at
     * its next chunk, and its file left for {@link ActiveSegment#create}, which removes it before it
     * creates the segment). A preparation already syncing is waited for, and its file used.
     */
    Prepared take(long id) {
        synchronized (lock) {
            Job j = job;
            if (j == null) {
                return null;
            }
            job = null;
            StorageFile file = stop(j);
            if (file != null && j.id != id) {
                closeQuietly(file);
                return null;
            }
            return file == null ? null : new Prepared(file, j.recycled);
        }
    }

    /**
     * Stops the preparation in hand (waiting for it to stop, as {@link #take} does), closes and
     * removes its file and syncs the directory, so a clean close leaves no temporary file behind.
     * Later calls to {@link #prepare} do nothing.
     */
    @Override
    public void close() {
        Job j;
        StorageFile file;
        List<Path> kept;
        synchronized (lock) {
            closed = true;
            kept = List.copyOf(freed);
            freed.clear();
            j = job;
            job = null;
            file = j == null ? null : stop(j);
        }
        for (Path path : kept) {
            deleteQuietly(path);
        }
        if (j == null || !j.created) {
            if (!kept.isEmpty()) {
                syncDirectoryQuietly();
            }
            return;
        }
        try {
            closeQuietly(file);
            storage.delete(j.path);
            storage.syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            // Recovery removes a temporary file whatever it holds.
            LOG.log(System.Logger.Level.DEBUG, () -> "could not remove " + j.path + ": " + e);
        }
    }

    /**
     * Under {@link #lock}: stops {@code j} and waits until it is quiet. A queued one never starts, one
     * writing zeros stops at its next chunk, one syncing is waited for.
     *
     * @return its file if its sync completed (the caller owns it), else null
     */
    private StorageFile stop(Job j) {
        if (j.state == State.QUEUED) {
            j.state = State.DONE;
            return null;
        }
        if (j.state == State.WRITING) {
            j.cancelled = true;
        }
        while (j.state == State.WRITING || j.state == State.SYNCING) {
            awaitQuietly();
        }
        if (j.state == State.READY) {
            j.state = State.DONE;
            return j.file;
        }
        return null;
    }

    private void deleteQuietly(Path path) {
        try {
            storage.delete(path);
        } catch (IOException | RuntimeException e) {
            // Recovery removes a temporary file whatever it holds.
            LOG.log(System.Logger.Level.DEBUG, () -> "could not remove " + path + ": " + e);
        }
    }

    private void syncDirectoryQuietly() {
        try {
            storage.syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "could not sync " + dir + ": " + e);
        }
    }

    private void awaitQuietly() {
        boolean interrupted = false;
        try {
            lock.wait();
        } catch (InterruptedException e) {
            // The work stops within a chunk: wait on, and keep the interrupt for the caller.
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            try {
                lock.wait(10);
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(StorageFile file) {
        if (file == null) {
            return;
        }
        try {
            file.close();
        } catch (IOException | RuntimeException e) {
            // nothing was promised about this file
        }
    }

    /** One preparation: its state moves QUEUED, WRITING, SYNCING, READY (or DONE), under {@link #lock}. */
    private final class Job implements Runnable {
        final long id;
        final Path path;
        /** Guarded by {@link #lock}. */
        State state = State.QUEUED;
        /** Set under {@link #lock} while WRITING; read between chunks. */
        volatile boolean cancelled;
        volatile boolean created;
        /** Whether the file is a freed segment's (set before READY). */
        volatile boolean recycled;
        /** The synced file once READY. */
        StorageFile file;

        Job(long id) {
            this.id = id;
            this.path = LogFiles.temporary(dir.resolve(LogFiles.segmentName(id)));
        }

        @Override
        public void run() {
            Path source;
            synchronized (lock) {
                if (state != State.QUEUED) {
                    return;
                }
                source = freed.pollFirst();
                if (source == null && !zeroFill) {
                    state = State.DONE;
                    lock.notifyAll();
                    return;
                }
                state = State.WRITING;
            }
            StorageFile f = null;
            boolean synced = false;
            try {
                storage.delete(path);
                long from = 0;
                if (source != null) {
                    // Durably a temporary file before any byte of it changes: a crash from here on
                    // leaves a file recovery removes, never a segment with a half-written header.
                    storage.rename(source, path);
                    created = true;
                    storage.syncDirectory(dir);
                    f = storage.openWrite(path);
                    recycled = true;
                    from = f.size();
                } else {
                    f = storage.create(path);
                    created = true;
                }
                if (from < segmentSize) {
                    ByteBuffer zeros = ByteBuffer.allocateDirect(chunk);
                    for (long at = from; at < segmentSize && !cancelled; at += chunk) {
                        zeros.clear().limit((int) Math.min(chunk, segmentSize - at));
                        f.write(zeros, at);
                    }
                }
                boolean stopped;
                synchronized (lock) {
                    stopped = cancelled;
                    if (!stopped) {
                        state = State.SYNCING;
                    }
                }
                if (!stopped) {
                    f.sync();
                    synced = true;
                }
            } catch (IOException | RuntimeException e) {
                failed(e);
                closeQuietly(f);
                f = null;
                if (created) {
                    // Before the state says DONE: once it does, the writer may create this name.
                    deleteQuietly();
                }
            }
            if (!synced) {
                closeQuietly(f);
            }
            synchronized (lock) {
                if (synced) {
                    file = f;
                    state = State.READY;
                } else {
                    state = State.DONE;
                }
                lock.notifyAll();
            }
        }

        private void deleteQuietly() {
            try {
                storage.delete(path);
            } catch (IOException | RuntimeException e) {
                // recovery removes it
            }
        }

        private void failed(Exception e) {
            boolean first;
            synchronized (lock) {
                first = !warned;
                warned = true;
            }
            LOG.log(first ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, () -> "preparing segment "
                    + path.getFileName() + " ahead of time failed (the log goes on: the segment will be created"
                    + " at rotation, preallocated where the file system can): " + e);
        }
    }
}
