package io.github.wal4j.log;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.RecoveryMode;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
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
 * Recovery's judgement of a log's segments: scans each in order ({@link SegmentProbe},
 * {@link SegmentCursor}), asks {@link Verdict#of} what it found means, and plans what the verdict
 * asks ({@link RecoveryPlan}), up to the first damage to acknowledged data. In strict mode that
 * damage is kept as {@link #refusal} for the caller to refuse or report; in point-in-time mode its
 * cut is planned. Changes nothing on disk; reads only. The fields are the log as judged so far,
 * for {@link Recovery} to finish. One judgement per open, on the opening thread.
 */
final class LogJudgement {
    private final Storage storage;
    private final Path dir;
    private final int maxRecordSize;
    private final RecoveryMode mode;
    private final SegmentKeys keys;
    private final SegmentProbe probe;

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

    LogJudgement(Storage storage, Path dir, int maxRecordSize, RecoveryMode mode, SegmentKeys keys) {
        this.storage = storage;
        this.dir = dir;
        this.maxRecordSize = maxRecordSize;
        this.mode = mode;
        this.keys = keys;
        this.probe = new SegmentProbe(storage, dir, maxRecordSize);
        this.plan = new RecoveryPlan(storage, dir);
    }

    /** Keeps the damage to acknowledged data that strict recovery refuses; the scan stops there. */
    void refuse(Path path, Verdict.Corrupt corrupt) {
        refusal = corrupt;
        refused = path;
    }

    /**
     * Scans every segment in order and judges each, up to the first damage to acknowledged data;
     * lends the records of every segment but the newest to {@code replay} as they are validated.
     * Plans changes, makes none.
     */
    void judgeSegments(Checkpoint checkpoint, PayloadVisitor replay) throws IOException {
        closeMark = new CloseMarkStore(storage, dir).read();
        List<String> names = storage.list(dir);
        plan.removeTemporaries(names);
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
            plan.reportCut(new Finding(path.getFileName().toString(), Kind.TORN_TAIL, 0, 0, 0, empty.size(),
                    "torn tail: the newest segment holds " + empty.size() + " bytes and no complete header block, so "
                            + "no record; removed"), empty.size());
            plan.delete(path);
            ids.remove(ids.size() - 1);
        }
        this.ids = ids;
        checkpointed = checkpoint.upToSequence();
        long[] nextStarts = probe.nextStarts(ids);
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            Path path = dir.resolve(LogFiles.segmentName(id));
            boolean newest = id == newestId;
            String newer = LogFiles.segmentName(i + 1 < ids.size() ? ids.get(i + 1) : newestId);
            try (StorageFile file = storage.openRead(path)) {
                if (!judgeSegment(i, path, file, newest, newer, nextStarts[i], replay)) {
                    break;
                }
            }
        }
    }

    /**
     * Scans and judges segment {@code ids[i]}, and plans what its verdict asks; false if the scan
     * of the log stops here (damage to acknowledged data).
     */
    private boolean judgeSegment(int i, Path path, StorageFile file, boolean newest, String newer,
            long nextStart, PayloadVisitor replay) throws IOException {
        String name = path.getFileName().toString();
        long size = file.size();
        SegmentProbe.HeaderRead read = SegmentProbe.header(file, size, ids.get(i));
        SegmentHeader header = read.header();
        String gap = header == null ? null : gap(header, next, checkpointed, next < 0);
        if (header == null || gap != null) {
            Verdict verdict = Verdict.of(SegmentScan.ofHeader(name, newest, newer, size, checkpointed, nextStart,
                    read.foreign(), header == null ? read.damage() : gap, header));
            if (verdict instanceof Verdict.Foreign foreign) {
                throw new WalFormatException(path + ": " + foreign.detail());
            }
            if (verdict instanceof Verdict.Covered covered) {
                removeCovered(path, covered);
                return true;
            }
            Verdict.DamagedStart damaged = (Verdict.DamagedStart) verdict;
            if (mode == RecoveryMode.STRICT) {
                refuse(path, damaged);
                return false;
            }
            lost = Math.max(Math.max(lost, next - 1), probe.highestWritten(ids.subList(i, ids.size())));
            plan.setAside(ids.subList(i, ids.size()));
            return false;
        }
        SegmentCursor cursor = new SegmentCursor(file, header, size, maxRecordSize, keys.sealerFor(header, path),
                previous);
        previous = cursor;
        if (!newest) {
            // A recycled segment's data ends where the next segment's records begin (SegmentCursor#endOfUseAt).
            cursor.endOfUseAt(nextStart);
        }
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
        lendNewest = tail != null && lend;
        SegmentCursor.Stop stop = cursor.stop();
        long next = cursor.expectedSequence();
        String claim = newest && stop.damaged()
                ? cursor.findDurableClaim(stop.offset() + header.alignment(), next) : null;
        SegmentScan scan = SegmentScan.ofBatches(name, newest, newer, size, checkpointed, nextStart, header, stop,
                next, claim, keys.protects() && !header.isProtected() ? String.valueOf(keys.protection())
                        : null);
        if (claim == null && newest && stop.damaged() && header.recycled() && !cursor.anyBatchFrom(stop.offset())) {
            scan = scan.withStaleAfterDamage();
        }
        Verdict verdict = Verdict.of(scan);
        if (verdict instanceof Verdict.Covered covered) {
            removeCovered(path, covered);
            return true;
        }
        if (verdict instanceof Verdict.Unprotected unprotected) {
            throw new WalFormatException(path + " " + unprotected.reason());
        }
        if (tail != null && (verdict instanceof Verdict.Clean || verdict instanceof Verdict.ZeroTail
                || verdict instanceof Verdict.TornTail || verdict instanceof Verdict.StaleTail)) {
            long[] missing = notOnTheDisk(path, file, tail, stop.offset());
            if (missing != null) {
                verdict = Verdict.of(scan.withMissing(missing));
            }
        }
        segments.add(new SegmentList.Entry(ids.get(i), path, header.firstSequence()));
        this.next = next;
        lastHeader = header;
        lastEnd = stop.offset();
        sealed = lastWasSeal;
        long first = header.firstSequence();
        if (verdict instanceof Verdict.NotOnDisk cut) {
            this.next = cut.next();
            lastEnd = cut.offset();
            sealed = false;
            plan.reportCut(new Finding(name, Kind.TORN_TAIL, first, cut.next(), cut.offset(), cut.cut(), cut.reason()),
                    cut.cut());
            plan.truncate(path, cut.offset());
            return true;
        }
        if (verdict instanceof Verdict.StaleTail stale) {
            // Nothing to cut: no byte of this use lies there, and the writer overwrites them.
            lastEnd = stale.end();
            plan.report(new Finding(name, Kind.STALE_TAIL, first, next, stale.end(), stale.staleBytes(),
                    stale.reason()));
            return true;
        }
        if (verdict instanceof Verdict.Clean || verdict instanceof Verdict.ZeroTail) {
            plan.report(new Finding(name, stop.zeroBytes() > 0 ? Kind.ZERO_TAIL : Kind.CLEAN, first, next,
                    stop.offset(), stop.zeroBytes(), ""));
            return true;
        }
        if (verdict instanceof Verdict.TornTail torn) {
            plan.reportCut(new Finding(name, Kind.TORN_TAIL, first, next, torn.offset(), torn.cut(), torn.reason()),
                    torn.cut());
            plan.truncate(path, torn.offset());
            return true;
        }
        Verdict.Corrupt corrupt = (Verdict.Corrupt) verdict;
        if (mode == RecoveryMode.STRICT) {
            refuse(path, corrupt);
            return false;
        }
        long offset = corrupt.offset();
        plan.copyAsideAndTruncate(path, offset);
        lost = Math.max(Math.max(lost, next), Math.max(cursor.highestSequenceFrom(offset),
                probe.highestWritten(ids.subList(i + 1, ids.size()))));
        plan.report(new Finding(name, Kind.CORRUPTION_CUT, first, next, offset, size - offset,
                "point-in-time recovery: " + corrupt.reason() + "; records from " + next + " on are lost"));
        plan.setAside(ids.subList(i + 1, ids.size()));
        return false;
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
    private long[] notOnTheDisk(Path path, StorageFile cached, UnvouchedTail tail, long end)
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
     * Plans the deletion of a segment the checkpoint covers whole, finishing what the checkpoint
     * began: a crash brought it back before its deletion was durable. Its records all lie before
     * the next segment's first, at or before the first live record, so nothing in it is ever
     * replayed and damage in it affects no live record: it is never judged.
     */
    private void removeCovered(Path path, Verdict.Covered covered) {
        plan.report(new Finding(path.getFileName().toString(), Kind.COVERED_REMOVED, 0, 0, 0, 0,
                "the checkpoint at " + covered.checkpointed() + " covers every record in it (the next segment starts at "
                        + covered.nextStart() + "): garbage a checkpoint's deletion had left, removed"
                        + (covered.damage() == null ? "" : " unjudged (" + covered.damage() + ")")));
        plan.delete(path);
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
