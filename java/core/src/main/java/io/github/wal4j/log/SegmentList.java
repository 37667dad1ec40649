package io.github.wal4j.log;

import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The live segments in id order, shared by the writer (which adds at rotation), checkpoints (which
 * remove covered ones) and readers (which take snapshots). It also counts the read handles the
 * log's readers and tailers hold on each segment file ({@link #openForRead}), so that a checkpoint
 * recycles only a file nobody reads ({@link #retireIfUnread}): a deleted file stays readable
 * through a handle opened before, a recycled one is overwritten under it. Thread-safe.
 */
final class SegmentList {

    /** One segment: its id, file and first sequence number. */
    public record Entry(long id, Path path, long firstSequence) {
    }

    private final List<Entry> entries = new ArrayList<>();
    /** Open read handles per segment id. Guarded by this. */
    private final Map<Long, Integer> readers = new HashMap<>();
    /** Segment ids taken for recycling whose file may still have its name: no reader opens them. Guarded by this. */
    private final Set<Long> retired = new HashSet<>();

    public synchronized void add(Entry entry) {
        entries.add(entry);
    }

    /** A copy of the current list. */
    public synchronized List<Entry> snapshot() {
        return new ArrayList<>(entries);
    }

    /**
     * Removes and returns the segments whose every record is at or below {@code upToSequence}; the
     * newest segment is never removed because the writer appends to it.
     */
    public synchronized List<Entry> removeCoveredBy(long upToSequence) {
        List<Entry> removed = new ArrayList<>();
        while (entries.size() > 1 && entries.get(1).firstSequence() <= upToSequence + 1) {
            removed.add(entries.remove(0));
        }
        return removed;
    }

    /**
     * Opens segment {@code entry} for a reader of this log, counted until the handle is closed.
     *
     * @throws NoSuchFileException if the file was deleted or taken for recycling by a checkpoint
     */
    StorageFile openForRead(Storage storage, Entry entry) throws IOException {
        long id = entry.id();
        synchronized (this) {
            if (retired.contains(id)) {
                throw new NoSuchFileException(entry.path().toString(), null, "taken for recycling by a checkpoint");
            }
            readers.merge(id, 1, Integer::sum);
        }
        StorageFile file;
        try {
            file = storage.openRead(entry.path());
        } catch (IOException | RuntimeException e) {
            endRead(id);
            throw e;
        }
        return new ForwardingStorageFile(file) {
            private boolean closed;

            @Override
            public void close() throws IOException {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    super.close();
                } finally {
                    endRead(id);
                }
            }
        };
    }

    private synchronized void endRead(long id) {
        readers.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
    }

    /**
     * Takes segment {@code id} (already off the live list) for recycling if no reader of this log has
     * it open; from then on no reader opens it ({@link #openForRead} fails as for a deleted file).
     * False if one has it open: the caller deletes it instead.
     */
    synchronized boolean retireIfUnread(long id) {
        if (readers.containsKey(id)) {
            return false;
        }
        retired.add(id);
        return true;
    }

    /** Segment {@code id}'s file no longer has its name (renamed or gone): nothing needs to refuse its opening. */
    synchronized void forgetRetired(long id) {
        retired.remove(id);
    }
}
