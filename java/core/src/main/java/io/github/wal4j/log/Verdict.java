package io.github.wal4j.log;

import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.SegmentHeader;

/**
 * Recovery's verdict on what its scan found: one pure function (no I/O, no state) per question, one
 * result type per row of the recovery table of {@code docs/security/wal.md}, section 5. Recovery
 * scans, asks, and carries the verdict out (cut, remove, refuse, or in point-in-time mode cut
 * acknowledged data); an inspection asks the same questions and carries nothing out.
 *
 * <p>The questions: {@link #ofNewestFile} (does the newest file hold any record at all),
 * {@link #of} (what one segment's scan means), {@link #ofEnd} (does the log end before its last clean
 * close). A {@link Corrupt} verdict is damage to acknowledged data: in strict mode open refuses it
 * and changes nothing.
 */
sealed interface Verdict {

    /** Damage to acknowledged data. */
    sealed interface Corrupt extends Verdict {
        /** Where the damage is (0: the segment's start). */
        long offset();

        /** What is wrong, and the evidence that it was acknowledged. */
        String reason();

        /** The bytes from the damage on. */
        long bytes();

        /** The first sequence of the damaged segment (0 if unknown). */
        long firstSequence();

        /** The sequence up to which (exclusive) the log is valid before the damage (0 if unknown). */
        long validUpTo();
    }

    /** Row "end of file, or only zero bytes after the last batch": the end of the log. */
    record Clean(long end) implements Verdict {
    }

    /** Row "end of file, or only zero bytes after the last batch", with {@code zeroBytes} of zeros (preallocated or never written). */
    record ZeroTail(long end, long zeroBytes) implements Verdict {
    }

    /**
     * Row "a recycled segment's data ends where bytes of an earlier use begin": in a segment a newer
     * one follows, its records reached that segment's first sequence; in the newest, no batch header
     * of this use lies at or after the bytes that are not a batch, and no later batch claims them
     * durable. The end of the log (or of this segment's part of it), not damage: nothing is cut, the
     * writer overwrites the {@code staleBytes} as it goes.
     */
    record StaleTail(long end, long staleBytes, String reason) implements Verdict {
    }

    /**
     * Row "damage in the newest segment, and no valid batch after it has durable-through &gt;= the
     * damaged batch's first sequence": never acknowledged; cut at {@code offset}, {@code cut} bytes.
     */
    record TornTail(long offset, long cut, String reason) implements Verdict {
    }

    /**
     * The paragraph "Bytes the page cache holds but the disk may not": the newest segment's batch at
     * {@code offset} (first sequence {@code next}) is not on the device, so it and all after it are a
     * torn tail (their sync failed); cut, {@code cut} bytes.
     */
    record NotOnDisk(long offset, long next, long cut, String reason) implements Verdict {
    }

    /**
     * Row "damage with a later valid batch or clean-close seal whose durable-through &gt;= its first
     * sequence": corruption, that batch proves the damaged records were acknowledged.
     */
    record ProvedByLaterBatch(long offset, String reason, long bytes, long firstSequence, long validUpTo)
            implements Corrupt {
    }

    /**
     * Row "a segment the checkpoint covers whole": garbage, deleted and never judged.
     *
     * @param damage what is wrong with it, or null
     */
    record Covered(long checkpointed, long nextStart, String damage) implements Verdict {
    }

    /**
     * Row "damage in a segment that a newer segment follows": corruption, a segment is synced before
     * the next one is created.
     */
    record NewerSegmentFollows(long offset, String reason, long bytes, long firstSequence, long validUpTo)
            implements Corrupt {
    }

    /**
     * Row "the newest segment is shorter than its header block, or all zeros": a torn tail that holds
     * no record; the file is removed.
     */
    record EmptyNewest(long size) implements Verdict {
    }

    /** Row "damaged segment header (with data after it), sequence gap, missing oldest segment": corruption. */
    record DamagedStart(String reason, long bytes, long firstSequence) implements Corrupt {
        @Override
        public long offset() {
            return 0;
        }

        @Override
        public long validUpTo() {
            return 0;
        }
    }

    /** Row "unknown magic or format version": not this WAL, or a newer wal4j; {@code WalFormatException}. */
    record Foreign(String detail) implements Verdict {
    }

    /**
     * Not a row of the table but a refusal of section 4.4: a protected log with an unprotected
     * segment holding records the checkpoint does not cover, which could have been planted;
     * {@code WalFormatException}, whatever the recovery mode.
     *
     * @param reason what the segment (named before it) holds, and how to protect a plain log
     */
    record Unprotected(String reason) implements Verdict {
    }

    /**
     * The paragraph "A log that ends before its last clean close": the clean-close mark says records
     * up to its last sequence were acknowledged, and the log now ends before it.
     */
    record EndsBeforeCloseMark(String reason, long validUpTo) implements Corrupt {
        @Override
        public long offset() {
            return 0;
        }

        @Override
        public long bytes() {
            return 0;
        }

        @Override
        public long firstSequence() {
            return validUpTo;
        }
    }

    /**
     * Row "the newest segment is shorter than its header block, or all zeros", asked of the newest
     * file before any segment is scanned.
     *
     * @param size the file's size
     * @param headerBlock the header block a header naming this segment declares (its alignment), from a
     *     header that decoded or one whose protected extension the file's end cut off; 0 if none
     * @param allZero whether every byte of the file is zero (only needed when the size does not decide)
     * @return {@link EmptyNewest}, or null if the file holds a header block to scan
     */
    static Verdict ofNewestFile(long size, int headerBlock, boolean allZero) {
        boolean empty = size < SegmentHeader.ENCODED_SIZE || size < headerBlock || allZero;
        return empty ? new EmptyNewest(size) : null;
    }

    /** What one segment's scan means, by the rows of the table, in the order they are decided. */
    static Verdict of(SegmentScan s) {
        if (s.foreign() != null) {
            return new Foreign(s.foreign()); // row "unknown magic or format version"
        }
        boolean covered = s.nextStart() >= 1 && s.nextStart() <= s.checkpointed() + 1;
        if (s.headerDamage() != null) {
            String reason = "damage at the start of a segment: " + s.headerDamage();
            // Row "a segment the checkpoint covers whole", else row "damaged segment header, sequence gap,
            // missing oldest segment".
            return covered ? new Covered(s.checkpointed(), s.nextStart(), reason)
                    : new DamagedStart(reason, s.size(), s.firstSequence());
        }
        SegmentCursor.Stop stop = s.stop();
        if (covered && s.next() <= s.nextStart()) {
            // Row "a segment the checkpoint covers whole": its valid records, and what damage hides, all
            // lie before the next segment's start. (Valid records past that start would contradict the
            // next header, a stale or foreign segment: judged below as always.)
            return new Covered(s.checkpointed(), s.nextStart(), stop.damaged() ? stop.reason() : null);
        }
        if (s.requiredProtection() != null && s.next() > s.firstSequence() && s.next() - 1 > s.checkpointed()) {
            return new Unprotected("holds records up to " + (s.next() - 1) + " without protection, but the log is "
                    + "opened with " + s.requiredProtection() + " and the checkpoint covers only up to "
                    + s.checkpointed() + ": an unprotected segment in a protected log could have been planted, so it "
                    + "is refused. To protect a plain log, open it without protection, "
                    + "checkpoint up to its last sequence, close it, then open it with protection");
        }
        if (s.missing() != null) {
            // The paragraph "Bytes the page cache holds but the disk may not".
            long offset = s.missing()[0];
            long next = s.missing()[1];
            return new NotOnDisk(offset, next, s.size() - offset, "torn tail: the batch at offset " + offset
                    + " reads from the page cache but not from the disk (the pages of a failed fdatasync are marked"
                    + " clean, never written), and no later batch claims sequence " + next + " or later was durable,"
                    + " so nothing cut was acknowledged");
        }
        if (!stop.damaged()) {
            if (stop.staleBytes() > 0) {
                // Row "a recycled segment's data ends where bytes of an earlier use begin" (a newer segment follows).
                return new StaleTail(stop.offset(), stop.staleBytes(), stop.reason());
            }
            // Row "end of file, or only zero bytes after the last batch".
            return stop.zeroBytes() > 0 ? new ZeroTail(stop.offset(), stop.zeroBytes()) : new Clean(stop.offset());
        }
        long offset = stop.offset();
        if (!s.newest()) {
            // Row "damage in a segment that a newer segment follows".
            return new NewerSegmentFollows(offset, "damage to acknowledged data: " + stop.reason() + "; but a newer "
                    + "segment, " + s.newer() + ", exists, and a segment is synced before the next one is created",
                    s.size() - offset, s.firstSequence(), s.next());
        }
        if (s.durableClaim() == null && s.staleAfterDamage() && s.header() != null && s.header().recycled()) {
            // Row "a recycled segment's data ends where bytes of an earlier use begin" (the newest segment).
            return new StaleTail(offset, s.size() - offset, "end of this use of a recycled segment: " + stop.reason()
                    + ", and no batch of this use lies at or after it, so the " + (s.size() - offset)
                    + " bytes there are an earlier use's");
        }
        if (s.durableClaim() == null) {
            // Row "damage in the newest segment, and no valid batch after it has durable-through >= ...".
            return new TornTail(offset, s.size() - offset, "torn tail: " + stop.reason() + "; no later batch claims "
                    + "sequence " + s.next() + " or later was durable, so nothing cut was acknowledged");
        }
        // Row "damage with a later valid batch or clean-close seal whose durable-through >= its first sequence".
        return new ProvedByLaterBatch(offset, "damage to acknowledged data: " + stop.reason() + "; but "
                + s.durableClaim(), s.size() - offset, s.firstSequence(), s.next());
    }

    /**
     * The paragraph "A log that ends before its last clean close".
     *
     * @param mark the clean-close mark, or null if none
     * @param nextSequence the sequence after the log's last valid record
     * @return {@link EndsBeforeCloseMark}, or null if the log reaches the mark
     */
    static Verdict ofEnd(CloseMark mark, long nextSequence) {
        if (mark == null || nextSequence - 1 >= mark.lastSequence()) {
            return null;
        }
        return new EndsBeforeCloseMark("damage to acknowledged data: the log was closed cleanly with records up to "
                + mark.lastSequence() + " (" + LogFiles.segmentName(mark.segmentId()) + ", data ending at "
                + mark.endOffset() + ", as " + LogFiles.CLOSE_MARK + " records), but it now ends at sequence "
                + (nextSequence - 1) + ": since that close the newest segment was truncated or emptied, or segments"
                + " were deleted; records " + nextSequence + ".." + mark.lastSequence() + " are gone", nextSequence);
    }
}
