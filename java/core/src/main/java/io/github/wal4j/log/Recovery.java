package io.github.wal4j.log;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.RecoveryMode;
import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
public final class Recovery {

    /**
     * The state the writer starts from.
     *
     * @param closeMark the clean-close mark found (null if none): the log ends at or after it
     */
    public record Result(SegmentList segments, ActiveSegment active, long nextSequence, boolean sealed,
            RecoveryReport report, CloseMark closeMark) {
    }

    /** What the judgement of the log found so far: the log as adopted, and the plan that carries it out. */
    private static final class Judgement {
        final RecoveryPlan plan;
        final SegmentList segments = new SegmentList();
        CloseMark closeMark;
        List<Long> ids;
        long checkpointed;
        long next = -1;
        SegmentHeader lastHeader;
        long lastEnd;
        boolean sealed;
        SegmentCursor previous;
        /** The newest segment's records reach the visitor only once its tail was checked on the device. */
        boolean lendNewest;
        /** The highest sequence a point-in-time cut of acknowledged records took (0: no such cut). */
        long lost;
        long nextSequence;
        boolean followsLoss;
        /** Damage to acknowledged data that strict recovery refuses, and the file it is in; null if none. */
        Verdict.Corrupt refusal;
        Path refused;

        Judgement(RecoveryPlan plan) {
            this.plan = plan;
        }

        void refuse(Path path, Verdict.Corrupt corrupt) {
            refusal = corrupt;
            refused = path;
        }
    }

    private final Storage storage;
    private final Path dir;
    private final int maxRecordSize;
    private final RecoveryMode mode;
    private final SegmentKeys keys;
    private final long anchored;
    private final SegmentProbe probe;

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
        this.probe = new SegmentProbe(storage, dir, maxRecordSize);
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
        Judgement j = recovery.judgeSegments(checkpoint, null);
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
        Judgement j = judgeSegments(checkpoint, replay);
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
    private static void throwRefusal(Judgement j) throws WalCorruptedException {
        if (j.refusal != null) {
            throw new WalCorruptedException(j.refused, j.refusal.offset(), j.refusal.reason()
                    + " (nothing was changed; see docs/security/wal.md, 'Recovery steps for an operator')");
        }
    }

    /**
     * Scans every segment in order and judges each, up to the first damage to acknowledged data;
     * lends the records of every segment but the newest to {@code replay} as they are validated.
     * Plans changes, makes none.
     */
    private Judgement judgeSegments(Checkpoint checkpoint, PayloadVisitor replay) throws IOException {
        Judgement j = new Judgement(new RecoveryPlan(storage, dir));
        j.closeMark = new CloseMarkStore(storage, dir).read();
        List<String> names = storage.list(dir);
        j.plan.removeTemporaries(names);
        List<Long> ids = new ArrayList<>();
        for (String name : names) {
            long id = LogFiles.segmentId(name);
            if (id >= 0) {
                ids.add(id);
            }
        }
        ids.sort(null);
        // The newest segment when the crash came: only damage in it can be a torn tail. If it holds
        // no record and is removed, the one before it is still not the newest: it was synced before
        // that one was created, so damage in it is damage to acknowledged data.
        long newestId = ids.isEmpty() ? -1 : ids.get(ids.size() - 1);
        if (!ids.isEmpty() && probe.newestFile(newestId) instanceof Verdict.EmptyNewest empty) {
            Path path = dir.resolve(LogFiles.segmentName(newestId));
            j.plan.reportCut(new Finding(path.getFileName().toString(), Kind.TORN_TAIL, 0, 0, 0, empty.size(),
                    "torn tail: the newest segment holds " + empty.size() + " bytes and no complete header block, so "
                            + "no record; removed"), empty.size());
            j.plan.delete(path);
            ids.remove(ids.size() - 1);
        }
        j.ids = ids;
        j.checkpointed = checkpoint.upToSequence();
        long[] nextStarts = probe.nextStarts(ids);
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            Path path = dir.resolve(LogFiles.segmentName(id));
            boolean newest = id == newestId;
            String newer = LogFiles.segmentName(i + 1 < ids.size() ? ids.get(i + 1) : newestId);
            try (StorageFile file = storage.openRead(path)) {
                if (!judgeSegment(j, i, path, file, newest, newer, nextStarts[i], replay)) {
                    break;
                }
            }
        }
        return j;
    }

    /**
     * Scans and judges segment {@code ids[i]}, and plans what its verdict asks; false if the scan
     * of the log stops here (damage to acknowledged data).
     */
    private boolean judgeSegment(Judgement j, int i, Path path, StorageFile file, boolean newest, String newer,
            long nextStart, PayloadVisitor replay) throws IOException {
        String name = path.getFileName().toString();
        long size = file.size();
        long checkpointed = j.checkpointed;
        SegmentProbe.HeaderRead read = SegmentProbe.header(file, size, j.ids.get(i));
        SegmentHeader header = read.header();
        String gap = header == null ? null : gap(header, j.next, checkpointed, j.next < 0);
        if (header == null || gap != null) {
            Verdict verdict = Verdict.of(SegmentScan.ofHeader(name, newest, newer, size, checkpointed, nextStart,
                    read.foreign(), header == null ? read.damage() : gap, header));
            if (verdict instanceof Verdict.Foreign foreign) {
                throw new WalFormatException(path + ": " + foreign.detail() + "; nothing was changed");
            }
            if (verdict instanceof Verdict.Covered covered) {
                removeCovered(j, path, covered);
                return true;
            }
            Verdict.DamagedStart damaged = (Verdict.DamagedStart) verdict;
            if (mode == RecoveryMode.STRICT) {
                j.refuse(path, damaged);
                return false;
            }
            j.lost = Math.max(Math.max(j.lost, j.next - 1), probe.highestWritten(j.ids.subList(i, j.ids.size())));
            j.plan.setAside(j.ids.subList(i, j.ids.size()));
            return false;
        }
        SegmentCursor cursor = new SegmentCursor(file, header, size, maxRecordSize, keys.sealerFor(header, path),
                j.previous);
        j.previous = cursor;
        boolean lastWasSeal = false;
        // An unprotected segment in a protected log may have been planted: its live records are
        // refused by the verdict, after the scan, so none may reach the visitor before that.
        boolean lend = replay != null && (!keys.protects() || header.isProtected());
        UnvouchedTail tail = newest ? new UnvouchedTail() : null;
        while (cursor.next()) {
            if (cursor.overLimitSequence() != 0) {
                // Valid under the limit its segment records: the options are wrong, not the data.
                throw new RecordTooLargeException(path, cursor.overLimitSequence(), cursor.overLimitSize(),
                        maxRecordSize, header.maxRecordSize());
            }
            BatchHeader batch = cursor.batch();
            lastWasSeal = batch.isSeal();
            if (tail != null) {
                tail.add(cursor.batchOffset(), batch.firstSequence(), batch.recordCount(), batch.durableThrough());
            } else if (lend) {
                cursor.visitBatch(checkpointed + 1, replay);
            }
        }
        j.lendNewest = tail != null && lend;
        SegmentCursor.Stop stop = cursor.stop();
        long next = cursor.expectedSequence();
        String claim = newest && stop.damaged()
                ? cursor.findDurableClaim(stop.offset() + header.alignment(), next) : null;
        SegmentScan scan = SegmentScan.ofBatches(name, newest, newer, size, checkpointed, nextStart, header, stop,
                next, lastWasSeal, claim, keys.protects() && !header.isProtected() ? String.valueOf(keys.protection())
                        : null);
        Verdict verdict = Verdict.of(scan);
        if (verdict instanceof Verdict.Covered covered) {
            removeCovered(j, path, covered);
            return true;
        }
        if (verdict instanceof Verdict.Unprotected unprotected) {
            throw new WalFormatException(path + unprotected.reason());
        }
        if (tail != null && (verdict instanceof Verdict.Clean || verdict instanceof Verdict.ZeroTail
                || verdict instanceof Verdict.TornTail)) {
            long[] missing = notOnTheDisk(j.plan, path, file, tail, stop.offset());
            if (missing != null) {
                verdict = Verdict.of(scan.withMissing(missing));
            }
        }
        j.segments.add(new SegmentList.Entry(j.ids.get(i), path, header.firstSequence()));
        j.next = next;
        j.lastHeader = header;
        j.lastEnd = stop.offset();
        j.sealed = lastWasSeal;
        long first = header.firstSequence();
        if (verdict instanceof Verdict.NotOnDisk cut) {
            j.next = cut.next();
            j.lastEnd = cut.offset();
            j.sealed = false;
            j.plan.reportCut(new Finding(name, Kind.TORN_TAIL, first, cut.next(), cut.offset(), cut.cut(), cut.reason()),
                    cut.cut());
            j.plan.truncate(path, cut.offset());
            return true;
        }
        if (verdict instanceof Verdict.Clean || verdict instanceof Verdict.ZeroTail) {
            j.plan.report(new Finding(name, stop.zeroBytes() > 0 ? Kind.ZERO_TAIL : Kind.CLEAN, first, next,
                    stop.offset(), stop.zeroBytes(), ""));
            return true;
        }
        if (verdict instanceof Verdict.TornTail torn) {
            j.plan.reportCut(new Finding(name, Kind.TORN_TAIL, first, next, torn.offset(), torn.cut(), torn.reason()),
                    torn.cut());
            j.plan.truncate(path, torn.offset());
            return true;
        }
        Verdict.Corrupt corrupt = (Verdict.Corrupt) verdict;
        if (mode == RecoveryMode.STRICT) {
            j.refuse(path, corrupt);
            return false;
        }
        long offset = corrupt.offset();
        j.plan.copyAsideAndTruncate(path, offset);
        j.lost = Math.max(Math.max(j.lost, next), Math.max(cursor.highestSequenceFrom(offset),
                probe.highestWritten(j.ids.subList(i + 1, j.ids.size()))));
        j.plan.report(new Finding(name, Kind.CORRUPTION_CUT, first, next, offset, size - offset,
                "point-in-time recovery: " + corrupt.reason() + "; records from " + next + " on are lost"));
        j.plan.setAside(j.ids.subList(i + 1, j.ids.size()));
        return false;
    }

    /**
     * Judges where the log ends: against the clean-close mark (unless damage was already found),
     * past the sequences a point-in-time cut took, and against the durable watermark.
     *
     * @throws WalCorruptedException if the log ends before the durable watermark (rolled back)
     */
    private void judgeEnd(Judgement j) throws WalCorruptedException {
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
                    + "the tail was deleted or an older copy of the directory was put back; nothing was changed");
        }
    }

    /**
     * Checks the newest segment's unvouched batches ({@link UnvouchedTail}) against the disk.
     * Where the layer can read the device, returns the offset and first sequence of the first batch
     * whose bytes the disk does not hold (null if it holds them all); where it cannot, plans to
     * write them again and sync them before the log is adopted, so that the page cache's word
     * becomes true, and returns null.
     *
     * @param end where the valid data ends
     */
    private long[] notOnTheDisk(RecoveryPlan plan, Path path, StorageFile cached, UnvouchedTail tail, long end)
            throws IOException {
        long from = tail.from();
        if (from < 0 || from >= end) {
            return null;
        }
        try (StorageFile device = storage.openDeviceRead(path)) {
            if (device == null) {
                plan.rewrite(path, from, end);
                return null;
            }
            long difference = UnvouchedTail.firstDifference(cached, device, from, end);
            return difference < 0 ? null : tail.batchAt(difference);
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

    /**
     * Plans the deletion of a segment the checkpoint covers whole, finishing what the checkpoint
     * began: a crash brought it back before its deletion was durable. Its records all lie before
     * the next segment's first, at or before the first live record, so nothing in it is ever
     * replayed and damage in it affects no live record: it is never judged.
     */
    private static void removeCovered(Judgement j, Path path, Verdict.Covered covered) {
        j.plan.report(new Finding(path.getFileName().toString(), Kind.COVERED_REMOVED, 0, 0, 0, 0,
                "the checkpoint at " + covered.checkpointed() + " covers every record in it (the next segment starts at "
                        + covered.nextStart() + "): garbage a checkpoint's deletion had left, removed"
                        + (covered.damage() == null ? "" : " unjudged (" + covered.damage() + ")")));
        j.plan.delete(path);
    }

    /** Why this segment does not continue the log, or null if it does. */
    private static String gap(SegmentHeader header, long previousNext, long checkpointed, boolean first) {
        long start = header.firstSequence();
        if (header.followsLoss() && start > Math.max(previousNext, 0)) {
            return null; // a point-in-time cut lost the sequences before it (SegmentHeader, FOLLOWS_LOSS)
        }
        if (first) {
            return start > checkpointed + 1 ? "records " + (checkpointed + 1) + ".." + (start - 1)
                    + " are missing: the oldest segment starts at " + start + ", the checkpoint covers up to "
                    + checkpointed : null;
        }
        if (start == previousNext || (start <= checkpointed + 1 && start > previousNext)) {
            return null;
        }
        return "segment starts at sequence " + start + " but the previous segment ends before " + previousNext;
    }
}
