package io.github.wal4j.log;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.RecoveryMode;
import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opening a log: validates every segment and decides, for the first damage it meets, whether it is a
 * torn tail (cut) or corruption (refused, or cut in point-in-time mode).
 *
 * <p>The rule. The valid log ends at the first batch that is incomplete or fails a check. That
 * damage is a <b>torn tail</b> only if it lies in the newest segment and no valid batch after it
 * says (by its durable-through mark) that a record at or after the damage was durable when it was
 * written; everything from the damage on is then unacknowledged and is cut, valid-looking batches
 * after the gap included, so sequence numbers stay contiguous. Otherwise it is <b>corruption</b>:
 * an older segment was synced before a newer one was created, and a durable-through mark or a
 * clean-close seal proves the damaged records were acknowledged. The evidence is named in the
 * report or the exception. Each case is a row of the table in {@code docs/security/wal.md} section
 * 5, decided by the pure {@link Verdict}; this class scans ({@link SegmentCursor}, {@link SegmentProbe}),
 * asks the verdict, and carries it out.
 *
 * <p>Damage to the very last batch of a log that was not closed cleanly, with nothing written after
 * it, cannot be told from a torn write by any byte on disk; it is treated as torn. A clean close
 * writes a seal precisely so that this case is decidable for every log that was closed.
 *
 * <p>Recovery first judges the whole log without changing anything ({@link RecoveryPlan}), so a
 * refusal leaves every file as it was; only then does it act (remove temporary files, cut a torn
 * tail, set damaged files aside in point-in-time mode), syncing each change. An inspection judges
 * the same way and acts on nothing. Runs on the opening thread; one instance per open.
 */
final class Recovery {

    /**
     * The state the writer starts from.
     *
     * @param closeMark the clean-close mark found (null if none): the log ends at or after it
     */
    public record Result(SegmentList segments, ActiveSegment active, long nextSequence, boolean sealed,
            RecoveryReport report, CloseMark closeMark) {
    }

    private final Storage storage;
    private final Path dir;
    private final int maxRecordSize;
    private final RecoveryMode mode;
    private final SegmentKeys keys;
    private final long anchored;

    /**
     * @param keys the protection of new segments and the keys of protected ones
     * @param anchored the durable watermark kept outside the log (0 if none): a log that ends before
     *     it was rolled back and is refused
     */
    public Recovery(Storage storage, Path dir, int maxRecordSize, RecoveryMode mode, SegmentKeys keys,
            long anchored) {
        this.keys = keys;
        this.anchored = anchored;
        this.storage = storage;
        this.dir = dir;
        this.maxRecordSize = maxRecordSize;
        this.mode = mode;
    }

    /**
     * Runs the same analysis as {@link #run} without changing anything on disk: what recovery would
     * find and do, with damage to acknowledged data reported as {@link Kind#CORRUPTION} instead of
     * thrown. For verification tools; the caller should hold the directory lock or accept that a
     * live writer may be appending meanwhile.
     *
     * @throws RecordTooLargeException as {@link #run} would: a valid record over {@code maxRecordSize}
     * @throws WalFormatException as {@link #run} would: a segment of another format or version
     */
    public static RecoveryReport inspect(Storage storage, Path dir, int maxRecordSize, Checkpoint checkpoint,
            SegmentKeys keys) throws IOException {
        long started = System.nanoTime();
        Recovery recovery = new Recovery(storage, dir, maxRecordSize, RecoveryMode.STRICT, keys, 0);
        LogJudgement j = new LogJudgement(storage, dir, maxRecordSize, RecoveryMode.STRICT, keys);
        j.judgeSegments(checkpoint, null);
        recovery.judgeEnd(j);
        if (j.refusal != null) {
            Verdict.Corrupt c = j.refusal;
            j.plan.report(new Finding(j.refused.getFileName().toString(), Kind.CORRUPTION, c.firstSequence(),
                    c.validUpTo(), c.offset(), c.bytes(), c.reason()));
        }
        return j.plan.toReport(j.checkpointed, j.nextSequence, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Runs recovery and prepares the newest segment for appending (creating the first one in an
     * empty log). A refusal ({@link WalCorruptedException}, {@link WalFormatException}, or
     * {@link RecordTooLargeException} for a valid record over this open's maximum record size) changes
     * nothing; otherwise temporary files are removed, a torn tail is cut and, in point-in-time mode,
     * damaged files are set aside, each change synced before this returns.
     *
     * <p>With {@code directIo} the newest segment is opened for direct I/O when its header's
     * alignment is a multiple of {@code alignment} (the direct-I/O alignment), and a new segment
     * gets that alignment ({@link AppendStart}). Every record after the checkpoint is lent to
     * {@code replay} (if not null) as its batch is validated: the one pass of
     * {@link io.github.wal4j.WriteAheadLog#open(Path, io.github.wal4j.WalOptions, PayloadVisitor)}.
     * A visitor's exception ends recovery before anything on disk is changed.
     */
    public Result run(Checkpoint checkpoint, int alignment, long preallocate, boolean directIo, PayloadVisitor replay)
            throws IOException {
        long started = System.nanoTime();
        LogJudgement j = new LogJudgement(storage, dir, maxRecordSize, mode, keys);
        j.judgeSegments(checkpoint, replay);
        throwRefusal(j);
        if (j.lendNewest && j.lastHeader != null) {
            lendChecked(j.lastHeader, j.lastEnd, j.previous, j.checkpointed + 1, replay);
        }
        judgeEnd(j);
        throwRefusal(j);
        long millis = (System.nanoTime() - started) / 1_000_000;
        // The whole log was judged acceptable: now, and only now, change the disk.
        j.plan.carryOut();
        AppendStart start = new AppendStart(storage, dir, keys, maxRecordSize, alignment, preallocate, directIo);
        ActiveSegment active;
        boolean sealed = j.sealed;
        if (start.needsNewSegment(j.lastHeader, j.next, j.checkpointed, j.followsLoss)) {
            long id = j.ids.isEmpty() ? 1 : j.ids.get(j.ids.size() - 1) + 1;
            active = start.newSegment(j.lastHeader, id, j.nextSequence, j.followsLoss);
            j.segments.add(new SegmentList.Entry(id, active.path, j.nextSequence));
            sealed = false;
        } else {
            active = start.resume(j.lastHeader, j.lastEnd);
        }
        return new Result(j.segments, active, j.nextSequence, sealed,
                j.plan.toReport(j.checkpointed, j.nextSequence, millis), j.closeMark);
    }

    /** Strict recovery refuses damage to acknowledged data; nothing has been changed yet. */
    private static void throwRefusal(LogJudgement j) throws WalCorruptedException {
        if (j.refusal != null) {
            throw new WalCorruptedException(j.refused, j.refusal.offset(), j.refusal.reason()
                    + " (see docs/security/wal.md, 'Recovery steps for an operator')");
        }
    }

    /**
     * Judges where the log ends: against the clean-close mark (unless damage was already found),
     * past the sequences a point-in-time cut took, and against the durable watermark.
     *
     * @throws WalCorruptedException if the log ends before the durable watermark (rolled back)
     */
    private void judgeEnd(LogJudgement j) throws WalCorruptedException {
        long nextSequence = Math.max(j.next, j.checkpointed + 1);
        j.nextSequence = nextSequence;
        CloseMark closeMark = j.closeMark;
        // (Damage to acknowledged data already found means it is not known where the log ends.)
        if (closeMark != null && j.refusal == null && j.lost > 0) {
            // A point-in-time cut above explains why the log ends before the mark: no second finding.
            j.lost = Math.max(j.lost, closeMark.lastSequence());
        } else if (j.refusal == null && Verdict.ofEnd(closeMark, nextSequence) instanceof Verdict.EndsBeforeCloseMark e) {
            if (mode == RecoveryMode.STRICT) {
                j.refuse(dir.resolve(LogFiles.segmentName(closeMark.segmentId())), e);
                return;
            }
            j.plan.report(new Finding(LogFiles.CLOSE_MARK, Kind.CORRUPTION_CUT, nextSequence,
                    closeMark.lastSequence() + 1, 0, 0, "point-in-time recovery: " + e.reason()));
            j.lost = Math.max(j.lost, closeMark.lastSequence());
        }
        if (j.lost >= nextSequence) {
            // Never hand out a sequence twice: a consumer that saw one of the lost records must never
            // see a different record under its number. The next segment says where the gap is.
            long lost = j.lost;
            if (closeMark != null) {
                lost = Math.max(lost, closeMark.lastSequence());
            }
            lost = Math.max(lost, anchored);
            j.plan.report(new Finding(LogFiles.segmentName(j.ids.isEmpty() ? 1 : j.ids.get(j.ids.size() - 1) + 1),
                    Kind.SEQUENCES_SKIPPED, nextSequence, lost + 1, 0, 0, "sequences " + nextSequence + ".." + lost
                            + " were handed out before the point-in-time cut and are never handed out again: the next"
                            + " append gets " + (lost + 1) + " (a new segment marked FOLLOWS_LOSS starts there)"));
            nextSequence = lost + 1;
            j.nextSequence = nextSequence;
            j.followsLoss = true;
        }
        if (nextSequence - 1 < anchored) {
            throw new WalCorruptedException(dir, 0, "rolled back: the log ends at sequence " + (nextSequence - 1)
                    + " but the durable watermark kept outside it says records up to " + anchored + " were durable: "
                    + "the tail was deleted or an older copy of the directory was put back");
        }
    }

    /**
     * Lends the records of the newest segment up to {@code end} (its checked end) to the visitor:
     * a second read of its batches, from the page cache, once the device check has settled where
     * its valid data ends.
     */
    private void lendChecked(SegmentHeader header, long end, SegmentCursor previous, long fromSequence,
            PayloadVisitor replay) throws IOException {
        Path path = dir.resolve(LogFiles.segmentName(header.segmentId()));
        try (StorageFile file = storage.openRead(path)) {
            SegmentCursor cursor = new SegmentCursor(file, header, end, maxRecordSize, keys.sealerFor(header, path),
                    previous);
            while (cursor.next()) {
                cursor.visitBatch(fromSequence, replay);
            }
        }
    }
}
