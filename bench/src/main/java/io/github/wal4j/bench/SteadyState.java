package io.github.wal4j.bench;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.log.LogFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Brings a new log to its steady state before a measurement: the log writes into a segment its own
 * rotation made, not into the first segment that open created ({@code fallocate}d on the native
 * layer, grown as written on the java layer). For {@link Goal#PREPARED}, with the default options
 * ({@code withSegmentPreparation(true)}), that segment was zero-filled and synced ahead, so its
 * batches overwrite written blocks, as in any long-running log. For {@link Goal#RECYCLED}, with
 * {@code withSegmentRecycling(true)}, it is the file of an earlier segment a checkpoint freed: its
 * blocks were written by the earlier use, as in a long-running log that checkpoints, and no zeros
 * were written for it.
 *
 * <p>How, fast: {@code appendAsync} of {@value #FILL_RECORD}-byte records from the calling thread
 * (at most {@value #IN_FLIGHT} in flight, fewer for segments under 128 MiB: a sixteenth of a segment) until the preparer has created the next segment's
 * temporary file (the active segment is past half full); then no appends until that file has its
 * full size (the zeros written; a rotation waits for the sync that follows), then appends (at most
 * {@value #IN_FLIGHT_AT_ROTATION} in flight) until the next segment's file exists, and then waits
 * for every fill append: the last ones are durable in the new segment, so the rotation is complete.
 * For {@link Goal#RECYCLED} every try first checkpoints up to the durable sequence, from this
 * thread, while the active segment holds a few records only, so the segments before it are freed
 * before the preparer (at half of it) looks for a freed file; the first rotation of a new log
 * cannot be recycled (nothing was freed yet), so that goal gets one more try. The
 * {@link Rotations} recording, started before the log's first rotation, says whether the newest
 * rotation reached the goal; if not (the preparation lost a race), the fill goes on into the next
 * rotation, at most {@link Goal#tries()} times, then fails. The log is left quiet: nothing in
 * flight, the new segment holding a few fill records (the measurement then runs from near its start).
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
    private static final long TIMEOUT_NANOS = Duration.ofMinutes(2).toNanos();

    /** What the segment the log rotates into must be. */
    enum Goal {
        /** Prepared ahead (zeros or recycled): the JFR event's {@code prepared}. */
        PREPARED("prepared", ATTEMPTS),
        /** Recycled from a segment a checkpoint freed: the event's {@code recycled}. */
        RECYCLED("recycled", ATTEMPTS + 1);

        private final String word;
        private final int tries;

        Goal(String word, int tries) {
            this.word = word;
            this.tries = tries;
        }

        /** How many rotations the fill tries before it fails. */
        int tries() {
            return tries;
        }

        boolean reachedBy(Rotations.Rotation r) {
            return this == PREPARED ? r.prepared() : r.recycled();
        }
    }

    private SteadyState() {
    }

    /**
     * Returns once {@code wal} (open on {@code dir}, new, with segments of {@code segmentSize} bytes)
     * rotated into a prepared segment and has nothing in flight ({@link Goal#PREPARED}).
     *
     * @return the file name of the segment the log now writes into
     * @throws IllegalStateException if no rotation used a prepared segment in {@value #ATTEMPTS} tries
     */
    static String reach(WriteAheadLog wal, Path dir, long segmentSize) throws Exception {
        // One recording over the whole fill: a recording started just before the rotation, the first
        // in the JVM, was seen to miss its event.
        try (Rotations rotations = Rotations.start()) {
            return reach(wal, dir, segmentSize, Goal.PREPARED, rotations);
        }
    }

    /**
     * Returns once {@code wal} (open on {@code dir}, new, with segments of {@code segmentSize} bytes)
     * rotated into a segment that meets {@code goal} and has nothing in flight.
     *
     * @param rotations a recording started before the log's first rotation
     * @return the file name of the segment the log now writes into
     * @throws IllegalStateException if no rotation met the goal in {@link Goal#tries()} tries
     */
    static String reach(WriteAheadLog wal, Path dir, long segmentSize, Goal goal, Rotations rotations) throws Exception {
        byte[] record = Harness.record(FILL_RECORD, 7);
        // What is in flight when the preparer starts lands in the active segment: a sixteenth of it at most.
        int fillInFlight = (int) Math.max(1, Math.min(IN_FLIGHT, segmentSize / 16 / FILL_RECORD));
        int rotationInFlight = Math.min(fillInFlight, IN_FLIGHT_AT_ROTATION);
        ArrayDeque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        for (int attempt = 1; attempt <= goal.tries(); attempt++) {
            if (goal == Goal.RECYCLED) {
                // Nothing in flight: the durable sequence is the last fill record, in the active segment.
                wal.checkpoint(wal.durableSequence());
            }
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
            if (rotatedInto(rotations, next, goal)) {
                return segment.getFileName().toString();
            }
        }
        throw new IllegalStateException("no rotation used a " + goal.word + " segment in " + goal.tries() + " tries ("
                + dir + ")");
    }

    /**
     * Whether the newest rotation in the recording met the goal, and the recording holds every
     * rotation since the log opened ({@code segmentId - 1} of them: open created segment 1), so the
     * newest is the one into segment {@code segmentId}. The event's segment name is not compared:
     * the first such event in a JVM was seen with it null.
     */
    private static boolean rotatedInto(Rotations rotations, long segmentId, Goal goal) throws Exception {
        List<Rotations.Rotation> all = rotations.sofar();
        return all.size() == segmentId - 1 && goal.reachedBy(all.get(all.size() - 1));
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
