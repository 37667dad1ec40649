package io.github.wal4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of the {@code io.github.wal4j.SegmentRotation} events of every log in this JVM,
 * from {@link #start} to {@link #close}: how each rotation made its new segment (created at
 * rotation, prepared with zeros ahead, or recycled from a segment a checkpoint freed). The bench
 * runs one log at a time, so the events are that log's.
 *
 * <p>The recording goes to the JVM's JFR repository (about 100 KB when it starts, then some
 * hundred bytes a second), and {@link #sofar} dumps beside it: {@code bench/run} puts the
 * repository on tmpfs ({@code -XX:FlightRecorderOptions:repository=}), so that neither adds writes
 * to the device a measurement counts. Not an in-memory recording: its dump was seen to miss events
 * still in the threads' buffers.
 *
 * <p>Not thread-safe: one thread (the one that opened the log, or the harness) calls it.
 */
final class Rotations implements AutoCloseable {
    static final String EVENT = "io.github.wal4j.SegmentRotation";

    /**
     * One rotation.
     *
     * @param start when it began
     * @param duration how long the writer spent in it (the sync of the old segment, the new one's header and rename)
     * @param prepared whether the new segment's file was prepared ahead (zeros or recycled)
     * @param recycled whether that file was a segment a checkpoint freed
     */
    record Rotation(Instant start, Duration duration, boolean prepared, boolean recycled) {
    }

    /**
     * How a run of rotations went.
     *
     * @param rotations how many
     * @param prepared how many used a file prepared ahead (recycled ones included)
     * @param recycled how many used a recycled file
     */
    record Tally(long rotations, long prepared, long recycled) {
        static Tally of(List<Rotation> rotations) {
            return new Tally(rotations.size(), rotations.stream().filter(Rotation::prepared).count(),
                    rotations.stream().filter(Rotation::recycled).count());
        }

        /** For example {@code 3 rotations (0 created at rotation, 1 zero-filled ahead, 2 recycled)}. */
        String text() {
            return String.format(Locale.ROOT, "%d rotation%s (%d created at rotation, %d zero-filled ahead, %d recycled)",
                    rotations, rotations == 1 ? "" : "s", rotations - prepared, prepared - recycled, recycled);
        }
    }

    private final Recording recording;

    private Rotations(Recording recording) {
        this.recording = recording;
    }

    /** Starts recording rotations. */
    static Rotations start() {
        Recording recording = new Recording();
        recording.enable(EVENT).withThreshold(Duration.ZERO);
        recording.start();
        return new Rotations(recording);
    }

    /**
     * Every rotation recorded since {@link #start}, oldest first. A dump of a running recording
     * holds what the threads have committed: a rotation's event is committed before the appends
     * that wait for the rotation are acknowledged.
     */
    List<Rotation> sofar() throws IOException {
        Path jfr = Files.createTempFile(dumpDirectory(), "rotations", ".jfr");
        try {
            recording.dump(jfr);
            return RecordingFile.readAllEvents(jfr).stream().filter(e -> e.getEventType().getName().equals(EVENT))
                    .map(e -> new Rotation(e.getStartTime(), e.getDuration(), e.getBoolean("prepared"), e.getBoolean("recycled")))
                    .sorted(Comparator.comparing(Rotation::start)).toList();
        } finally {
            Files.deleteIfExists(jfr);
        }
    }

    /** The parent of the JVM's JFR repository (set once a recording started), else the temporary directory. */
    private static Path dumpDirectory() {
        String repository = System.getProperty("jdk.jfr.repository");
        Path parent = repository == null ? null : Path.of(repository).getParent();
        return parent != null ? parent : Path.of(System.getProperty("java.io.tmpdir"));
    }

    @Override
    public void close() {
        recording.close();
    }
}
