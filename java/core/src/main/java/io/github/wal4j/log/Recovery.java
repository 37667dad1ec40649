package io.github.wal4j.log;

import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.RecoveryMode;
import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * report or the exception.
 *
 * <p>Damage to the very last batch of a log that was not closed cleanly, with nothing written after
 * it, cannot be told from a torn write by any byte on disk; it is treated as torn. A clean close
 * writes a seal precisely so that this case is decidable for every log that was closed.
 *
 * <p>Recovery first judges the whole log without changing anything, so a refusal leaves every file
 * as it was; only then does it act (remove temporary files, cut a torn tail, set damaged files
 * aside in point-in-time mode), syncing each change.
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

    /** A change to the disk that recovery decided on; run only once the whole log was judged. */
    @FunctionalInterface
    private interface Action {
        void run() throws IOException;
    }

    private final Storage storage;
    private final Path dir;
    private final int maxRecordSize;
    private final RecoveryMode mode;
    private final boolean inspectOnly;
    private final SegmentKeys keys;
    private final long anchored;
    private final List<Finding> findings = new ArrayList<>();
    private final List<Action> actions = new ArrayList<>();
    private long bytesCut;

    /**
     * @param keys the protection of new segments and the keys of protected ones
     * @param anchored the durable watermark kept outside the log (0 if none): a log that ends before
     *     it was rolled back and is refused
     */
    public Recovery(Storage storage, Path dir, int maxRecordSize, RecoveryMode mode, SegmentKeys keys,
            long anchored) {
        this(storage, dir, maxRecordSize, mode, false, keys, anchored);
    }

    private Recovery(Storage storage, Path dir, int maxRecordSize, RecoveryMode mode, boolean inspectOnly,
            SegmentKeys keys, long anchored) {
        this.keys = keys;
        this.anchored = anchored;
        this.storage = storage;
        this.dir = dir;
        this.maxRecordSize = maxRecordSize;
        this.mode = mode;
        this.inspectOnly = inspectOnly;
    }

    /**
     * Runs the same analysis as {@link #run} without changing anything on disk: what recovery would
     * find and do, with damage to acknowledged data reported as {@link Kind#CORRUPTION} instead of
     * thrown. For verification tools; the caller should hold the directory lock or accept that a
     * live writer may be appending meanwhile.
     *
     * @throws RecordTooLargeException as {@link #run} would: a valid record over {@code maxRecordSize}
     */
    public static RecoveryReport inspect(Storage storage, Path dir, int maxRecordSize, Checkpoint checkpoint,
            SegmentKeys keys) throws IOException {
        return new Recovery(storage, dir, maxRecordSize, RecoveryMode.STRICT, true, keys, 0)
                .run(checkpoint, 0, 0, false, null).report();
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
     * gets that alignment. Every record after the checkpoint is lent to {@code replay} (if not null)
     * as its batch is validated: the one pass of
     * {@link io.github.wal4j.WriteAheadLog#open(Path, io.github.wal4j.WalOptions, PayloadVisitor)}.
     * A visitor's exception ends recovery before anything on disk is changed.
     */
    public Result run(Checkpoint checkpoint, int alignment, long preallocate, boolean directIo, PayloadVisitor replay)
            throws IOException {
        long started = System.nanoTime();
        CloseMark closeMark = new CloseMarkStore(storage, dir).read();
        List<String> names = storage.list(dir);
        planTemporaryRemoval(names);
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
        if (!ids.isEmpty() && holdsNoRecord(newestId)) {
            ids.remove(ids.size() - 1);
        }

        SegmentList segments = new SegmentList();
        long checkpointed = checkpoint.upToSequence();
        long[] nextStarts = nextStarts(ids);
        long next = -1;
        SegmentHeader lastHeader = null;
        long lastEnd = 0;
        boolean sealed = false;
        SegmentCursor previous = null;
        // The newest segment's records reach the visitor only once its tail was checked on the device.
        boolean lendNewest = false;
        // The highest sequence a point-in-time cut of acknowledged records took (0: no such cut).
        long lost = 0;
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            Path path = dir.resolve(LogFiles.segmentName(id));
            String name = path.getFileName().toString();
            boolean newest = id == newestId;
            // Where a newer segment says this one's records end; at or before the first live record,
            // every record here is covered by the checkpoint (see coveredGarbage).
            long nextStart = nextStarts[i];
            boolean covered = nextStart >= 1 && nextStart <= checkpointed + 1;
            try (StorageFile file = storage.openRead(path)) {
                long size = file.size();
                String[] problem = new String[1];
                SegmentHeader header = readHeader(file, path, size, id, problem);
                String gap = header == null ? null : gap(header, next, checkpointed, next < 0);
                if (header == null || gap != null) {
                    String reason = "damage at the start of a segment: " + (header == null ? problem[0] : gap);
                    if (covered) {
                        coveredGarbage(path, checkpointed, nextStart, reason);
                        continue;
                    }
                    if (refuse(path, 0, reason, size, header == null ? 0 : header.firstSequence(), 0)) {
                        break;
                    }
                    lost = Math.max(Math.max(lost, next - 1), highestWritten(ids.subList(i, ids.size())));
                    planSetAside(ids.subList(i, ids.size()));
                    break;
                }
                SegmentCursor cursor = new SegmentCursor(file, header, size, maxRecordSize,
                        keys.sealerFor(header, path), previous);
                previous = cursor;
                boolean lastWasSeal = false;
                // An unprotected segment in a protected log may have been planted: its live records
                // are refused below, after the scan, so none may reach the visitor before that.
                boolean lend = replay != null && (!keys.protects() || header.isProtected());
                UnvouchedTail tail = newest ? new UnvouchedTail() : null;
                while (cursor.next()) {
                    if (cursor.overLimitSequence() != 0) {
                        // Valid under the limit its segment records: the options are wrong, not the data.
                        throw new RecordTooLargeException(path, cursor.overLimitSequence(), cursor.overLimitSize(),
                                maxRecordSize, header.maxRecordSize());
                    }
                    lastWasSeal = cursor.batchIsSeal();
                    if (tail != null) {
                        tail.add(cursor.batchOffset(), cursor.batchFirstSequence(), cursor.batchRecordCount(),
                                cursor.batchDurableThrough());
                    } else if (lend) {
                        cursor.visitBatch(checkpointed + 1, replay);
                    }
                }
                lendNewest = tail != null && lend;
                SegmentCursor.Stop stop = cursor.stop();
                if (covered && cursor.expectedSequence() <= nextStart) {
                    // Its valid records, and what damage hides, all lie before the next segment's
                    // start: garbage. (Valid records past that start would contradict the next
                    // header, a stale or foreign segment: judged below as always.)
                    coveredGarbage(path, checkpointed, nextStart, stop.damaged() ? stop.reason() : null);
                    continue;
                }
                if (keys.protects() && !header.isProtected() && cursor.expectedSequence() > header.firstSequence()
                        && cursor.expectedSequence() - 1 > checkpointed) {
                    throw new WalFormatException(path + " holds records up to " + (cursor.expectedSequence() - 1)
                            + " without protection, but the log is opened with " + keys.protection() + " and the "
                            + "checkpoint covers only up to " + checkpointed + ": an unprotected segment in a "
                            + "protected log could have been planted, so it is refused; nothing was changed. To "
                            + "protect a plain log, open it without protection, checkpoint up to its last "
                            + "sequence, close it, then open it with protection");
                }
                segments.add(new SegmentList.Entry(id, path, header.firstSequence()));
                next = cursor.expectedSequence();
                lastHeader = header;
                lastEnd = stop.offset();
                sealed = lastWasSeal;
                long[] missing = tail == null || (stop.damaged() && cursor.findDurableClaim(stop.offset()
                        + header.alignment(), cursor.expectedSequence()) != null) ? null
                        : notOnTheDisk(path, file, tail, stop.offset());
                if (missing != null) {
                    long offset = missing[0];
                    next = missing[1];
                    lastEnd = offset;
                    sealed = false;
                    long cut = size - offset;
                    bytesCut += cut;
                    findings.add(new Finding(name, Kind.TORN_TAIL, header.firstSequence(), next, offset, cut,
                            "torn tail: the batch at offset " + offset + " reads from the page cache but not from the"
                                    + " disk (the pages of a failed fdatasync are marked clean, never written), and no"
                                    + " later batch claims sequence " + next + " or later was durable, so nothing cut"
                                    + " was acknowledged"));
                    actions.add(() -> truncate(path, offset));
                    continue;
                }
                if (!stop.damaged()) {
                    findings.add(new Finding(name, stop.zeroBytes() > 0 ? Kind.ZERO_TAIL : Kind.CLEAN,
                            header.firstSequence(), next, stop.offset(), stop.zeroBytes(), ""));
                    continue;
                }
                String claim = newest
                        ? cursor.findDurableClaim(stop.offset() + header.alignment(), cursor.expectedSequence())
                        : "a newer segment, " + LogFiles.segmentName(i + 1 < ids.size() ? ids.get(i + 1) : newestId)
                                + ", exists, and a segment is synced before the next one is created";
                long offset = stop.offset();
                if (claim == null) {
                    long cut = size - offset;
                    bytesCut += cut;
                    findings.add(new Finding(name, Kind.TORN_TAIL, header.firstSequence(), next, offset, cut,
                            "torn tail: " + stop.reason() + "; no later batch claims sequence " + next
                                    + " or later was durable, so nothing cut was acknowledged"));
                    actions.add(() -> truncate(path, offset));
                    continue;
                }
                String reason = "damage to acknowledged data: " + stop.reason() + "; but " + claim;
                if (refuse(path, offset, reason, size - offset, header.firstSequence(), next)) {
                    break;
                }
                actions.add(() -> {
                    copyAside(path);
                    truncate(path, offset);
                });
                lost = Math.max(Math.max(lost, next), Math.max(cursor.highestSequenceFrom(offset),
                        highestWritten(ids.subList(i + 1, ids.size()))));
                findings.add(new Finding(name, Kind.CORRUPTION_CUT, header.firstSequence(), next, offset,
                        size - offset, "point-in-time recovery: " + reason + "; records from " + next
                                + " on are lost"));
                planSetAside(ids.subList(i + 1, ids.size()));
                break;
            }
        }

        if (lendNewest && lastHeader != null) {
            lendChecked(lastHeader, lastEnd, previous, checkpointed + 1, replay);
        }
        long nextSequence = Math.max(next, checkpointed + 1);
        // (An inspection that already found damage to acknowledged data does not know where the log ends.)
        boolean damaged = findings.stream().anyMatch(f -> f.kind() == Kind.CORRUPTION);
        if (closeMark != null && !damaged && lost > 0) {
            // A point-in-time cut above explains why the log ends before the mark: no second finding.
            lost = Math.max(lost, closeMark.lastSequence());
        } else if (closeMark != null && !damaged && nextSequence - 1 < closeMark.lastSequence()) {
            String reason = "damage to acknowledged data: the log was closed cleanly with records up to "
                    + closeMark.lastSequence() + " (" + LogFiles.segmentName(closeMark.segmentId()) + ", data ending at "
                    + closeMark.endOffset() + ", as " + LogFiles.CLOSE_MARK + " records), but it now ends at sequence "
                    + (nextSequence - 1) + ": since that close the newest segment was truncated or emptied, or segments"
                    + " were deleted; records " + nextSequence + ".." + closeMark.lastSequence() + " are gone";
            if (!refuse(dir.resolve(LogFiles.segmentName(closeMark.segmentId())), 0, reason, 0, nextSequence,
                    nextSequence)) {
                findings.add(new Finding(LogFiles.CLOSE_MARK, Kind.CORRUPTION_CUT, nextSequence,
                        closeMark.lastSequence() + 1, 0, 0, "point-in-time recovery: " + reason));
                lost = Math.max(lost, closeMark.lastSequence());
            }
        }
        boolean followsLoss = false;
        if (lost >= nextSequence) {
            // Never hand out a sequence twice: a consumer that saw one of the lost records must never
            // see a different record under its number. The next segment says where the gap is.
            if (closeMark != null) {
                lost = Math.max(lost, closeMark.lastSequence());
            }
            lost = Math.max(lost, anchored);
            findings.add(new Finding(LogFiles.segmentName(ids.isEmpty() ? 1 : ids.get(ids.size() - 1) + 1),
                    Kind.SEQUENCES_SKIPPED, nextSequence, lost + 1, 0, 0, "sequences " + nextSequence + ".." + lost
                            + " were handed out before the point-in-time cut and are never handed out again: the next"
                            + " append gets " + (lost + 1) + " (a new segment marked FOLLOWS_LOSS starts there)"));
            nextSequence = lost + 1;
            followsLoss = true;
        }
        if (nextSequence - 1 < anchored) {
            throw new WalCorruptedException(dir, 0, "rolled back: the log ends at sequence " + (nextSequence - 1)
                    + " but the durable watermark kept outside it says records up to " + anchored + " were durable: "
                    + "the tail was deleted or an older copy of the directory was put back; nothing was changed");
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (inspectOnly) {
            return new Result(segments, null, nextSequence, sealed,
                    new RecoveryReport(List.copyOf(findings), checkpointed, nextSequence, bytesCut, millis), closeMark);
        }
        // The whole log was judged acceptable: now, and only now, change the disk.
        for (Action action : actions) {
            action.run();
        }
        ActiveSegment active;
        // A protected segment is written by one session only, so that a sequence number (the nonce)
        // is never sealed twice under its key: a protected log, or one whose newest segment is
        // protected, starts a new segment at every open.
        // A segment records the maximum record size it was written with: one that records a smaller
        // limit than this open's is not continued, or its records could exceed what it records.
        // A segment whose batches are aligned to less than this open's block (512 bytes, before
        // batches took whole 4 KiB blocks) is not continued either: its next batch would share a
        // block with acknowledged ones, and a torn write of that block could take them too.
        boolean fresh = followsLoss || lastHeader == null || next < checkpointed + 1 || keys.protects() || lastHeader.isProtected()
                || lastHeader.maxRecordSize() < maxRecordSize || lastHeader.alignment() < alignment;
        if (fresh) {
            if (lastHeader != null) {
                // As below: what this scan read may still be only in the page cache; a newer segment
                // must never follow an older one whose tail could still vanish.
                try (StorageFile file = storage.openWrite(dir.resolve(LogFiles.segmentName(lastHeader.segmentId())))) {
                    file.sync();
                }
            }
            long id = ids.isEmpty() ? 1 : ids.get(ids.size() - 1) + 1;
            active = ActiveSegment.create(storage, dir, keys, id, nextSequence, alignment, preallocate, directIo,
                    followsLoss);
            segments.add(new SegmentList.Entry(id, active.path, nextSequence));
            sealed = false;
        } else {
            Path path = dir.resolve(LogFiles.segmentName(lastHeader.segmentId()));
            StorageFile file = storage.openWrite(path);
            try {
                // A killed writer may have left written but unsynced batches in the page cache, where
                // this scan read them. Sync before the new writer's batches claim they are durable.
                file.sync();
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
            if (directIo && lastHeader.alignment() % alignment == 0) {
                file.close();
                file = storage.openDirectWrite(path);
            }
            active = new ActiveSegment(path, file, lastHeader, RecordSealer.PLAIN, lastEnd);
        }
        return new Result(segments, active, nextSequence, sealed,
                new RecoveryReport(List.copyOf(findings), checkpointed, nextSequence, bytesCut, millis), closeMark);
    }

    /**
     * Damage to acknowledged data: in strict mode throws (nothing has been changed yet); when only
     * inspecting, records it and returns true (stop scanning); in point-in-time mode returns false
     * and the caller plans the cut.
     */
    private boolean refuse(Path path, long offset, String reason, long bytes, long firstSequence, long validUpTo)
            throws IOException {
        if (inspectOnly) {
            findings.add(new Finding(path.getFileName().toString(), Kind.CORRUPTION, firstSequence, validUpTo, offset,
                    bytes, reason));
            return true;
        }
        if (mode == RecoveryMode.STRICT) {
            throw new WalCorruptedException(path, offset, reason
                    + " (nothing was changed; see docs/security/wal.md, 'Recovery steps for an operator')");
        }
        return false;
    }

    /** The segment's header, or null with {@code problem[0]} saying what is wrong with it. */
    private static SegmentHeader readHeader(StorageFile file, Path path, long size, long id, String[] problem)
            throws IOException {
        SegmentHeader.Decoded decoded = SegmentCursor.readHeader(file);
        if (decoded.header().isEmpty()) {
            if (decoded.problem() == SegmentHeader.Problem.FOREIGN
                    || decoded.problem() == SegmentHeader.Problem.UNSUPPORTED_VERSION) {
                throw new WalFormatException(path + ": " + decoded.detail() + "; nothing was changed");
            }
            problem[0] = "segment header: " + decoded.detail();
            return null;
        }
        SegmentHeader header = decoded.header().get();
        if (header.segmentId() != id) {
            problem[0] = "segment header names segment " + header.segmentId() + ", the file name says " + id;
            return null;
        }
        if (size < header.alignment()) {
            problem[0] = "segment holds " + size + " bytes, less than its " + header.alignment() + "-byte header block";
            return null;
        }
        return header;
    }

    /**
     * The newest segment may have lost its tail down into its header block (a file system that
     * drops a file's tail, or a truncation): a file shorter than its header block with nothing else
     * wrong, or zeros all through, holds no record, so it is a torn tail like any other and is
     * removed. A header with other damage, or any data after the header block, is not this case.
     * A protected header cut inside its extension (key id, HMAC) is this case too: its first 48
     * bytes decoded and passed their checksum, and only the bytes the cut took are missing.
     */
    private boolean holdsNoRecord(long id) throws IOException {
        Path path = dir.resolve(LogFiles.segmentName(id));
        long size;
        boolean empty;
        try (StorageFile file = storage.openRead(path)) {
            size = file.size();
            if (size < SegmentHeader.ENCODED_SIZE) {
                empty = true;
            } else {
                SegmentHeader.Decoded decoded = SegmentCursor.readHeader(file);
                empty = decoded.header().map(h -> h.segmentId() == id && size < h.alignment()).orElse(false)
                        || cutInsideProtectedHeader(file, decoded, size, id)
                        || allZero(file, size);
            }
        }
        if (!empty) {
            return false;
        }
        bytesCut += size;
        findings.add(new Finding(path.getFileName().toString(), Kind.TORN_TAIL, 0, 0, 0, size,
                "torn tail: the newest segment holds " + size + " bytes and no complete header block, so no "
                        + "record; removed"));
        actions.add(() -> {
            storage.delete(path);
            storage.syncDirectory(dir);
        });
        return true;
    }

    /**
     * Whether a header decoded as {@link SegmentHeader.Problem#SHORT} from a file of at least 48 bytes,
     * so a protected one whose fixed part (checksum, version, protection, alignment, first sequence)
     * was valid and whose extension the file's end cut off, names segment {@code id} and is shorter
     * than its header block.
     */
    private static boolean cutInsideProtectedHeader(StorageFile file, SegmentHeader.Decoded decoded, long size,
            long id) throws IOException {
        if (decoded.problem() != SegmentHeader.Problem.SHORT || size < SegmentHeader.ENCODED_SIZE) {
            return false;
        }
        ByteBuffer b = file.readFully(ByteBuffer.allocate(SegmentHeader.ENCODED_SIZE), 0);
        return !b.hasRemaining() && b.getLong(16) == id && size < b.getInt(12);
    }

    private static boolean allZero(StorageFile file, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        for (long offset = 0; offset < size; ) {
            int n = file.read(b.clear(), offset);
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (b.get(i) != 0) {
                    return false;
                }
            }
            offset += n;
        }
        return true;
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
    private long[] notOnTheDisk(Path path, StorageFile cached, UnvouchedTail tail, long end) throws IOException {
        long from = tail.from();
        if (from < 0 || from >= end) {
            return null;
        }
        try (StorageFile device = storage.openDeviceRead(path)) {
            if (device == null) {
                actions.add(() -> rewrite(path, from, end));
                return null;
            }
            long difference = UnvouchedTail.firstDifference(cached, device, from, end);
            return difference < 0 ? null : tail.batchAt(difference);
        }
    }

    /** Writes {@code [from, to)} of a file again, as it reads now, and syncs it. */
    private void rewrite(Path path, long from, long to) throws IOException {
        try (StorageFile file = storage.openWrite(path)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(1 << 20, to - from));
            for (long offset = from; offset < to; ) {
                b.clear().limit((int) Math.min(b.capacity(), to - offset));
                file.readFully(b, offset);
                b.flip();
                int length = b.remaining();
                if (length == 0) {
                    throw new java.io.EOFException(path + " ended at " + offset + " while its tail was written again"
                            + " (it shrank during recovery)");
                }
                file.write(b, offset);
                offset += length;
            }
            file.sync();
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
     * The highest sequence the batch headers of these segments name (0 if none): what a point-in-time
     * cut that sets them aside takes, read before anything is changed.
     */
    private long highestWritten(List<Long> ids) throws IOException {
        long highest = 0;
        for (long id : ids) {
            Path path = dir.resolve(LogFiles.segmentName(id));
            try (StorageFile file = storage.openRead(path)) {
                SegmentHeader header = SegmentCursor.readHeader(file).header().filter(h -> h.segmentId() == id)
                        .orElse(null);
                if (header == null || file.size() < header.alignment()) {
                    continue;
                }
                SegmentCursor cursor = new SegmentCursor(file, header, file.size(), maxRecordSize,
                        RecordSealer.PLAIN);
                highest = Math.max(highest, cursor.highestSequenceFrom(header.alignment()));
            }
        }
        return highest;
    }

    /**
     * For each segment, the first sequence of the nearest newer segment whose header decodes (-1 if
     * none): sequence numbers grow with segment ids, so every record of the segment lies before it.
     * Only headers are read.
     */
    private long[] nextStarts(List<Long> ids) throws IOException {
        long[] starts = new long[ids.size()];
        long start = -1;
        for (int i = ids.size() - 1; i >= 0; i--) {
            starts[i] = start;
            long id = ids.get(i);
            try (StorageFile file = storage.openRead(dir.resolve(LogFiles.segmentName(id)))) {
                long first = SegmentCursor.readHeader(file).header().filter(h -> h.segmentId() == id)
                        .map(SegmentHeader::firstSequence).orElse(-1L);
                if (first >= 1) {
                    start = first;
                }
            }
        }
        return starts;
    }

    /**
     * Plans the deletion of a segment the checkpoint covers whole, finishing what the checkpoint
     * began: a crash brought it back before its deletion was durable. Its records all lie before
     * the next segment's first, at or before the first live record, so nothing in it is ever
     * replayed and damage in it affects no live record: it is never judged.
     *
     * @param damage what is wrong with it, or null
     */
    private void coveredGarbage(Path path, long checkpointed, long nextStart, String damage) {
        findings.add(new Finding(path.getFileName().toString(), Kind.COVERED_REMOVED, 0, 0, 0, 0,
                "the checkpoint at " + checkpointed + " covers every record in it (the next segment starts at "
                        + nextStart + "): garbage a checkpoint's deletion had left, removed"
                        + (damage == null ? "" : " unjudged (" + damage + ")")));
        actions.add(() -> {
            storage.delete(path);
            storage.syncDirectory(dir);
        });
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

    private void planTemporaryRemoval(List<String> names) {
        List<Path> temporaries = new ArrayList<>();
        for (String name : names) {
            if (LogFiles.isLeftover(name)) {
                temporaries.add(dir.resolve(name));
                findings.add(new Finding(name, Kind.TEMPORARY_REMOVED, 0, 0, 0, 0,
                        "an interrupted segment creation or checkpoint left it; its target was never committed"));
            }
        }
        if (!temporaries.isEmpty()) {
            actions.add(() -> {
                for (Path temporary : temporaries) {
                    storage.delete(temporary);
                }
                storage.syncDirectory(dir);
            });
        }
    }

    private void truncate(Path path, long offset) throws IOException {
        try (StorageFile file = storage.openWrite(path)) {
            file.truncate(offset);
            file.sync();
        }
    }

    /** Point-in-time mode: plans moving whole segments after the cut to {@code .broken}. */
    private void planSetAside(List<Long> ids) {
        List<Long> aside = List.copyOf(ids);
        for (long id : aside) {
            findings.add(new Finding(LogFiles.segmentName(id), Kind.SEGMENT_SET_ASIDE, 0, 0, 0, 0,
                    "after a point-in-time cut; kept as " + LogFiles.segmentName(id) + LogFiles.BROKEN_SUFFIX));
        }
        if (!aside.isEmpty()) {
            actions.add(() -> {
                for (long id : aside) {
                    Path path = dir.resolve(LogFiles.segmentName(id));
                    storage.rename(path, brokenName(path));
                }
                storage.syncDirectory(dir);
            });
        }
    }

    /** Point-in-time mode: keeps a copy of a segment before it is cut. */
    private void copyAside(Path path) throws IOException {
        Path target = brokenName(path);
        try (StorageFile in = storage.openRead(path); StorageFile out = storage.create(target)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            long offset = 0;
            int n;
            while ((n = in.read(b.clear(), offset)) > 0) {
                out.write(b.flip(), offset);
                offset += n;
            }
            out.sync();
        }
        storage.syncDirectory(dir);
    }

    private Path brokenName(Path path) throws IOException {
        Path target = path.resolveSibling(path.getFileName() + LogFiles.BROKEN_SUFFIX);
        for (int n = 1; storage.exists(target); n++) {
            target = path.resolveSibling(path.getFileName() + LogFiles.BROKEN_SUFFIX + "." + n);
        }
        return target;
    }
}
