package io.github.wal4j.bench;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalStats;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * wal4j with the given options; {@link #append} is {@link WriteAheadLog#append} (durable when it
 * returns under {@code Durability.SYNC}), {@link #appendAsync} is {@link WriteAheadLog#appendAsync}.
 * A variant (another I/O layer, direct I/O, encryption, ...) is a new {@link WalOptions}: one line
 * in {@link Subjects}.
 *
 * <p>The steady-state variants ({@link #steady}, {@link #recycled}) also record the log's rotations
 * ({@link Rotations}) from open to close, and count them in {@link #counters()}: the harness takes
 * the window's difference, and {@link #windowNote} says how the window's rotations made their
 * segments. {@link #recycled} also runs a {@link Checkpointer} from the end of the fill to
 * {@link #close}.
 */
public final class Wal4jSubject implements AsyncSubject {
    private final WriteAheadLog wal;
    /** The log's rotations since it opened, or null (not recorded, or the recording ended before the window). */
    private Rotations rotations;
    /** The background checkpoints, or null (none). */
    private Checkpointer checkpointer;

    private Wal4jSubject(WriteAheadLog wal, Rotations rotations) {
        this.wal = wal;
        this.rotations = rotations;
    }

    /**
     * Opens the log; fails if the log did not get the I/O layer (and direct I/O setting) the options
     * ask for, so a silent fallback never passes for the layer under test.
     */
    public static Wal4jSubject open(Path dir, WalOptions options) throws Exception {
        return open(dir, options, null);
    }

    private static Wal4jSubject open(Path dir, WalOptions options, Rotations rotations) throws Exception {
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        String wanted = options.ioLayer();
        if ((!wanted.equals("auto") && !wal.ioLayer().equals(wanted)) || wal.directIo() != options.directIo()) {
            wal.close();
            throw new IllegalStateException("asked for the " + wanted + " layer" + (options.directIo() ? " with direct I/O" : "")
                    + ", got " + wal.ioLayer() + (wal.directIo() ? " with direct I/O" : ""));
        }
        return new Wal4jSubject(wal, rotations);
    }

    /** A factory for {@link Subjects}. */
    public static SubjectFactory with(WalOptions options) {
        return (dir, recordSize) -> open(dir, options);
    }

    /**
     * A factory for {@link Subjects} whose log is in its steady state when it opens: filled past its
     * first rotation into a segment the rotation prepared ({@link SteadyState#reach}). The JFR
     * recording that verified it ends before the warm-up, so none runs in the window.
     */
    public static SubjectFactory steady(WalOptions options) {
        return (dir, recordSize) -> steadyState(dir, options, SteadyState.Goal.PREPARED, 0, false);
    }

    /**
     * {@link #steady}, with the JFR recording of rotations kept through the warm-up and the window,
     * so the window's note counts its rotations by kind; the recording (JFR's own threads while it
     * runs) costs the measured log: 4.6-7.8 % of the records/s at one thread in an A/B
     * (docs/benchmarks.md).
     */
    public static SubjectFactory steadyCounted(WalOptions options) {
        return (dir, recordSize) -> steadyState(dir, options, SteadyState.Goal.PREPARED, 0, true);
    }

    /**
     * A factory for {@link Subjects} whose log, when it opens, writes into a segment recycled from
     * one a checkpoint freed ({@link SteadyState.Goal#RECYCLED}), and from then on is checkpointed
     * up to its durable sequence every {@code checkpointMillis} by a {@link Checkpointer}, so that
     * later rotations find freed segments too. The JFR recording that verified the recycled state
     * ends before the warm-up, so none runs in the window (its note counts checkpoints only).
     *
     * @throws IllegalArgumentException if the options do not recycle segments
     */
    public static SubjectFactory recycled(WalOptions options, long checkpointMillis) {
        if (!options.segmentRecycling()) {
            throw new IllegalArgumentException("the recycled steady state needs withSegmentRecycling(true): " + options);
        }
        return (dir, recordSize) -> steadyState(dir, options, SteadyState.Goal.RECYCLED, checkpointMillis, false);
    }

    /**
     * {@link #recycled}, with the JFR recording of rotations kept through the warm-up and the
     * window, so the window's note counts its rotations by kind (created, zero-filled, recycled); the
     * recording costs the measured log, as for {@link #steadyCounted}.
     *
     * @throws IllegalArgumentException if the options do not recycle segments
     */
    public static SubjectFactory recycledCounted(WalOptions options, long checkpointMillis) {
        recycled(options, checkpointMillis);
        return (dir, recordSize) -> steadyState(dir, options, SteadyState.Goal.RECYCLED, checkpointMillis, true);
    }

    /**
     * Opens the log, reaches {@code goal}, ends the rotations' recording unless {@code recordWindow},
     * then starts the checkpointer if {@code checkpointMillis > 0}.
     */
    private static Wal4jSubject steadyState(Path dir, WalOptions options, SteadyState.Goal goal, long checkpointMillis,
            boolean recordWindow) throws Exception {
        Rotations rotations = Rotations.start();
        Wal4jSubject subject;
        try {
            subject = open(dir, options, rotations);
        } catch (Exception | Error e) {
            rotations.close();
            throw e;
        }
        try {
            SteadyState.reach(subject.wal, dir, options.segmentSize(), goal, rotations);
            if (!recordWindow) {
                subject.rotations = null;
                rotations.close();
            }
            if (checkpointMillis > 0) {
                subject.checkpointer = Checkpointer.start(subject.wal, checkpointMillis);
            }
        } catch (Exception | Error e) {
            subject.close();
            throw e;
        }
        return subject;
    }

    @Override
    public void append(byte[] record) throws Exception {
        wal.append(record);
    }

    @Override
    public CompletableFuture<?> appendAsync(byte[] record) {
        return wal.appendAsync(record);
    }

    /**
     * appends, batches, fsyncs ({@link WalStats}); with rotations recorded also rotations,
     * rotations prepared, rotations recycled ({@link Rotations.Tally}); with a checkpointer also
     * checkpoints.
     */
    @Override
    public Map<String, Long> counters() {
        WalStats s = wal.stats();
        Map<String, Long> c = new LinkedHashMap<>(Map.of("appends", s.appends(), "batches", s.batches(), "fsyncs", s.fsyncs()));
        if (rotations != null) {
            Rotations.Tally t;
            try {
                t = Rotations.Tally.of(rotations.sofar());
            } catch (IOException e) {
                throw new UncheckedIOException("reading the rotations' JFR recording", e);
            }
            c.put("rotations", t.rotations());
            c.put("rotations prepared", t.prepared());
            c.put("rotations recycled", t.recycled());
        }
        if (checkpointer != null) {
            c.put("checkpoints", checkpointer.checkpoints());
        }
        return c;
    }

    /** The window's rotations ({@link Rotations.Tally#text}) and checkpoints, where counted. */
    @Override
    public String windowNote(Map<String, Long> window) {
        return noteOf(window);
    }

    /** {@link #windowNote}: the note of a window's counters' change. */
    static String noteOf(Map<String, Long> window) {
        StringBuilder b = new StringBuilder();
        if (window.containsKey("rotations")) {
            b.append("window: ").append(new Rotations.Tally(window.get("rotations"), window.get("rotations prepared"),
                    window.get("rotations recycled")).text());
        }
        if (window.containsKey("checkpoints")) {
            b.append(b.length() == 0 ? "window: " : ", ").append(window.get("checkpoints")).append(" checkpoints");
        }
        return b.toString();
    }

    /** Stops the checkpointer (throwing if a checkpoint failed, after the log is closed), closes the log, ends the recording. */
    @Override
    public void close() throws Exception {
        try (WriteAheadLog w = wal; Rotations r = rotations; Checkpointer c = checkpointer) {
            // Closed in reverse order: the checkpointer stops before the log closes.
        }
    }
}
