package io.github.wal4j.bench;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.log.LogFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Brings a new log to its steady state before a measurement: the log writes into a segment its own
 * rotation made, not into the first segment that open created ({@code fallocate}d on the native
 * layer, grown as written on the java layer). With the default options
 * ({@code withSegmentPreparation(true)}) that segment was zero-filled and synced ahead, so its
 * batches overwrite written blocks, as in any long-running log.
 *
 * <p>How, fast: {@code appendAsync} of {@value #FILL_RECORD}-byte records from the calling thread
 * (at most {@value #IN_FLIGHT} in flight, fewer for segments under 128 MiB: a sixteenth of a segment) until the preparer has created the next segment's
 * temporary file (the active segment is past half full); then no appends until that file has its
 * full size (the zeros written; a rotation waits for the sync that follows), then appends (at most
 * {@value #IN_FLIGHT_AT_ROTATION} in flight) until the next segment's file exists, and then waits
 * for every fill append: the last ones are durable in the new segment, so the rotation is complete. A JFR recording of
 * {@code io.github.wal4j.SegmentRotation} during the rotation says whether it used a prepared
 * segment; if not (the preparation lost a race), the fill goes on into the next rotation, at most
 * {@value #ATTEMPTS} times, then fails. The log is left quiet: nothing in flight, the new segment
 * holding a few fill records (the measurement then runs from near its start).
 */
final class SteadyState {
    static final int FILL_RECORD = 256 << 10;
    static final int IN_FLIGHT = 32;
    /**
     * In flight while the log rotates: what is in flight when the new segment appears lands in it,
     * ahead of the measurement; {@value} records keep that under 1 MiB.
     */
    static final int IN_FLIGHT_AT_ROTATION = 4;
    static final int ATTEMPTS = 3;
    private static final String ROTATION = "io.github.wal4j.SegmentRotation";
    private static final long TIMEOUT_NANOS = Duration.ofMinutes(2).toNanos();

    private SteadyState() {
    }

    /**
     * Returns once {@code wal} (open on {@code dir}, new, with segments of {@code segmentSize} bytes)
     * rotated into a prepared segment and has nothing in flight.
     *
     * @return the file name of the segment the log now writes into
     * @throws IllegalStateException if no rotation used a prepared segment in {@value #ATTEMPTS} tries
     */
    static String reach(WriteAheadLog wal, Path dir, long segmentSize) throws Exception {
        byte[] record = Harness.record(FILL_RECORD, 7);
        // What is in flight when the preparer starts lands in the active segment: a sixteenth of it at most.
        int fillInFlight = (int) Math.max(1, Math.min(IN_FLIGHT, segmentSize / 16 / FILL_RECORD));
        int rotationInFlight = Math.min(fillInFlight, IN_FLIGHT_AT_ROTATION);
        ArrayDeque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        // One recording over the whole fill: a recording started just before the rotation, the first
        // in the JVM, was seen to miss its event.
        try (Recording recording = new Recording()) {
            recording.enable(ROTATION).withThreshold(Duration.ZERO);
            recording.start();
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                long next = newestSegment(dir) + 1;
                Path segment = dir.resolve(LogFiles.segmentName(next));
                Path temporary = LogFiles.temporary(segment);
                // Past half of the active segment: the preparer starts on the next one.
                while (!Files.exists(temporary) && !Files.exists(segment)) {
                    append(wal, record, inFlight, fillInFlight, deadline);
                }
                drain(inFlight);
                while (Files.exists(temporary) && Files.size(temporary) < segmentSize) {
                    check(deadline, "the preparation of " + temporary.getFileName());
                    Thread.sleep(5);
                }
                // From its last zero write to the sync, which a rotation waits for: a few instructions.
                Thread.sleep(20);
                while (!Files.exists(segment)) {
                    append(wal, record, inFlight, rotationInFlight, deadline);
                }
                drain(inFlight);
                if (preparedRotationInto(recording, next)) {
                    return segment.getFileName().toString();
                }
            }
        }
        throw new IllegalStateException("no rotation used a prepared segment in " + ATTEMPTS + " tries (" + dir + ")");
    }

    /**
     * Whether the newest rotation in the recording used a prepared file, and the recording holds
     * every rotation since the log opened ({@code segmentId - 1} of them: open created segment 1),
     * so the newest is the one into segment {@code segmentId}. The event's segment name is not
     * compared: the first such event in a JVM was seen with it null.
     */
    private static boolean preparedRotationInto(Recording recording, long segmentId) throws Exception {
        Path jfr = Files.createTempFile("steady", ".jfr");
        try {
            // A dump of a running recording holds what its threads have flushed: the rotation's
            // thread committed its event before the fill's last append was acknowledged.
            recording.dump(jfr);
            List<RecordedEvent> rotations = RecordingFile.readAllEvents(jfr).stream()
                    .filter(e -> e.getEventType().getName().equals(ROTATION))
                    .sorted(Comparator.comparing(RecordedEvent::getStartTime)).toList();
            return rotations.size() == segmentId - 1 && rotations.get(rotations.size() - 1).getBoolean("prepared");
        } finally {
            Files.deleteIfExists(jfr);
        }
    }

    private static void append(WriteAheadLog wal, byte[] record, ArrayDeque<CompletableFuture<?>> inFlight, int limit,
            long deadline) throws Exception {
        check(deadline, "the fill");
        while (inFlight.size() >= limit) {
            inFlight.removeFirst().get();
        }
        inFlight.addLast(wal.appendAsync(record));
    }

    private static void drain(ArrayDeque<CompletableFuture<?>> inFlight) throws Exception {
        while (!inFlight.isEmpty()) {
            inFlight.removeFirst().get();
        }
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException(what + " took more than " + Duration.ofNanos(TIMEOUT_NANOS));
        }
    }

    /** The highest segment id among the directory's segment files. */
    static long newestSegment(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{16}\\.wal"))
                    .mapToLong(LogFiles::segmentId).max()
                    .orElseThrow(() -> new IllegalStateException("no segment in " + dir));
        }
    }
}
