package io.github.wal4j.testing;

import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.WalOptions;
import io.github.wal4j.inspect.InspectedRecord;
import io.github.wal4j.inspect.LogFileNames;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.inspect.SegmentScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Damage done to a closed log's files the way disks and crashes damage them, named in the log's
 * terms (a record, the newest segment's tail), for testing how an application reacts: to
 * {@code WalCorruptedException} when acknowledged data is damaged, to a torn tail that recovery
 * cuts. It finds where things are through the public inspection API
 * ({@link LogInspection}), so it follows the format as the log reads it. The log must be closed; an
 * open log may overwrite the damage, or read what it cached.
 *
 * <p>What each kind makes the next open do, with default options (strict recovery):
 * <ul>
 *   <li>{@link #flipBit} in a record: its checksum fails; an acknowledged record that is not the
 *       torn tail of the newest segment makes open refuse ({@code WalCorruptedException}), and a
 *       record in the newest segment's last batch is cut as a torn tail only if nothing after it
 *       vouches that it was durable (after a clean close, the seal does);</li>
 *   <li>{@link #tearTail}: garbage after the newest segment's last batch, with the clean-close mark
 *       removed, as a crash in the middle of a write leaves it: open cuts it and loses nothing that
 *       was acknowledged;</li>
 *   <li>{@link #removeCloseMark}: the log looks as a crash left it (no proof of a clean close);</li>
 *   <li>{@link #truncateNewest}: the newest segment loses the end of its data, as a file system
 *       that lost the tail of a file does: after a clean close (its mark says how far the log went)
 *       open refuses if records are gone; without the mark it is a torn tail, and cut.</li>
 * </ul>
 *
 * <p>Not thread-safe; each call opens and closes the files it changes.
 */
public final class LogDamage {
    private final Path dir;
    private final WalOptions options;

    private LogDamage(Path dir, WalOptions options) {
        this.dir = dir;
        this.options = options;
    }

    /** Damage to the closed log in {@code dir}, read with default options (unprotected). */
    public static LogDamage of(Path dir) {
        return of(dir, WalOptions.defaults());
    }

    /** Damage to the closed log in {@code dir}, read with {@code options} (its keys, for a protected log). */
    public static LogDamage of(Path dir, WalOptions options) {
        return new LogDamage(dir, options);
    }

    /** Where a record lies: its segment file and the offset of its framing ({@code [length][payload][crc]}). */
    public record Location(Path segment, long offset, int payloadLength) {
    }

    /**
     * Where record {@code sequence} lies.
     *
     * @throws IllegalArgumentException if the log does not hold it (checkpointed, or past the end)
     */
    public Location locate(long sequence) throws IOException {
        Location[] found = new Location[1];
        try (LogInspection inspection = LogInspection.open(dir, options)) {
            long checkpointed = Math.max(0, inspection.checkpoint().upToSequence());
            inspection.records(checkpointed, sequence, sequence, (InspectedRecord r) -> {
                if (r.sequence() == sequence) {
                    found[0] = new Location(dir.resolve(r.segment()), r.offset(), r.payload().remaining());
                }
            });
        }
        if (found[0] == null) {
            throw new IllegalArgumentException("the log in " + dir + " holds no record " + sequence);
        }
        return found[0];
    }

    /**
     * Flips bit {@code bit} (0 to 7) of byte {@code index} of record {@code sequence}'s payload as
     * stored (sealed, in a protected log).
     *
     * @return where the flipped byte is
     */
    public Location flipBit(long sequence, int index, int bit) throws IOException {
        Location at = locate(sequence);
        if (index < 0 || index >= at.payloadLength()) {
            throw new IllegalArgumentException("record " + sequence + " has " + at.payloadLength()
                    + " payload bytes: no byte " + index);
        }
        FileDamage.flipBit(at.segment(), at.offset() + 4 + index, bit);
        return at;
    }

    /**
     * Writes {@code bytes} of garbage (seeded) right after the newest segment's last valid batch and
     * removes the clean-close mark: a write that a crash interrupted.
     *
     * @return the offset the garbage starts at
     */
    public long tearTail(int bytes, long seed) throws IOException {
        if (bytes < 1) {
            throw new IllegalArgumentException("bytes must be at least 1: " + bytes);
        }
        long end;
        Path segment;
        try (LogInspection inspection = LogInspection.open(dir, options)) {
            List<Long> ids = inspection.segmentIds();
            if (ids.isEmpty()) {
                throw new IllegalArgumentException("the log in " + dir + " has no segment");
            }
            long newest = ids.get(ids.size() - 1);
            SegmentScan scan = inspection.scan(newest);
            end = scan.dataEnd();
            segment = inspection.segmentPath(newest);
        }
        byte[] garbage = new byte[bytes];
        new Random(seed).nextBytes(garbage);
        garbage[0] |= 1; // never all zeros: zeros are the end of the data, not a torn write
        FileDamage.write(segment, end, garbage);
        removeCloseMark();
        return end;
    }

    /** Removes the clean-close mark, so the log looks as a crash left it. */
    public void removeCloseMark() throws IOException {
        Files.deleteIfExists(dir.resolve(LogFileNames.CLOSE_MARK));
    }

    /**
     * Cuts the newest segment file {@code bytes} before the end of its valid data (whatever
     * preallocated space follows goes too), as a file system that lost the tail of a file does.
     *
     * @return the size the file was cut to
     */
    public long truncateNewest(long bytes) throws IOException {
        Path segment;
        long end;
        try (LogInspection inspection = LogInspection.open(dir, options)) {
            List<Long> ids = inspection.segmentIds();
            if (ids.isEmpty()) {
                throw new IllegalArgumentException("the log in " + dir + " has no segment");
            }
            long newest = ids.get(ids.size() - 1);
            segment = inspection.segmentPath(newest);
            end = inspection.scan(newest).dataEnd();
        }
        long size = Math.max(0, end - bytes);
        FileDamage.truncate(segment, size);
        return size;
    }
}
