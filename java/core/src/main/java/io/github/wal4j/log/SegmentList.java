package io.github.wal4j.log;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The live segments in id order, shared by the writer (which adds at rotation), checkpoints (which
 * remove covered ones) and readers (which take snapshots). Thread-safe.
 */
final class SegmentList {

    /** One segment: its id, file and first sequence number. */
    public record Entry(long id, Path path, long firstSequence) {
    }

    private final List<Entry> entries = new ArrayList<>();

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
}
