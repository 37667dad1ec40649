package io.github.wal4j.log;

import io.github.wal4j.KeyProvider;
import io.github.wal4j.Protection;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.KeyProvider;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.format.CloseMark;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.inspect.BatchInfo;
import io.github.wal4j.inspect.CheckpointInfo;
import io.github.wal4j.inspect.CloseMarkInfo;
import io.github.wal4j.inspect.DataLoss;
import io.github.wal4j.inspect.InspectedRecord;
import io.github.wal4j.inspect.IoLayerChoice;
import io.github.wal4j.inspect.LockStatus;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.inspect.RecordScanEnd;
import io.github.wal4j.inspect.SegmentInfo;
import io.github.wal4j.inspect.SegmentScan;
import io.github.wal4j.inspect.Verdict;
import io.github.wal4j.io.IoLayers;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@link LogInspection} of a WAL directory: the directory checks of open, the lock, the file
 * listing, and one segment at a time through recovery's {@link SegmentCursor}; the verdict
 * ({@link InspectionVerdict}), the loss of a cut ({@link LossScan}) and the record walk
 * ({@link RecordWalk}) are classes of their own. Opens files for reading only.
 */
public final class LogInspector implements LogInspection {
    private final Path dir;
    private final Storage storage;
    private final IoLayerChoice layer;
    private final int maxRecordSize;
    private final SegmentKeys keys;
    private final DirectoryLock lock;
    /** Whether this is a {@link #readingThrough} view, whose close releases nothing. */
    private final boolean view;

    /** The lock of one directory, shared by an inspection and its {@link #readingThrough} views. */
    private static final class DirectoryLock {
        Closeable held;
        LockStatus status;
    }

    private LogInspector(Path dir, Storage storage, IoLayerChoice layer, int maxRecordSize, SegmentKeys keys,
            DirectoryLock lock, boolean view) {
        this.dir = dir;
        this.view = view;
        this.storage = LinkRefusal.around(storage);
        this.layer = layer;
        this.maxRecordSize = maxRecordSize;
        this.keys = keys;
        this.lock = lock;
    }

    /**
     * See {@link LogInspection#open} ({@code accessChecks}) and {@link LogInspection#openWithoutAccessChecks};
     * the other arguments are the options of the same names.
     */
    public static LogInspection open(Path path, boolean accessChecks, boolean sharedDirectoryAllowed, String ioLayer,
            Storage layer, KeyProvider keyProvider, int maxRecordSize) throws IOException {
        Path dir = FileSafety.resolve(path);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new WalFormatException("no such directory: " + dir);
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new WalFormatException(dir + " is not a directory: a WAL is a directory of its own");
        }
        if (accessChecks) {
            FileSafety.checkLogDirectory(dir, sharedDirectoryAllowed);
        } else {
            LogFiles.checkContents(dir);
        }
        String requested = ioLayer;
        boolean fromProperty = false;
        if (requested == null || requested.isBlank()) {
            requested = System.getProperty(IoLayerChoice.PROPERTY);
            fromProperty = true;
        }
        Storage storage = layer;
        if (storage == null) {
            try {
                storage = IoLayers.select(ioLayer);
            } catch (IOException e) {
                throw new LayerUnavailableException(e.getMessage(), e.getCause());
            }
        }
        IoLayerChoice choice = new IoLayerChoice(storage.name(), requested, fromProperty, IoLayers.nativeLocation(),
                IoLayers.nativeUnavailabilityReason());
        SegmentKeys keys = keyProvider == null ? SegmentKeys.NONE : new SegmentKeys(Protection.NONE, keyProvider);
        return new LogInspector(dir, storage, choice, maxRecordSize, keys, new DirectoryLock(), false);
    }

    /** See {@link LogInspection#batchAlignment}. */
    public static int batchAlignment(Storage storage, Path dir, int directIoBlock) throws IOException {
        return LogEngine.batchAlignment(storage, dir, directIoBlock);
    }

    @Override
    public Path directory() {
        return dir;
    }

    @Override
    public IoLayerChoice ioLayer() {
        return layer;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public LogInspection readingThrough(Storage through, KeyProvider withKeys) {
        SegmentKeys readKeys = withKeys == null ? keys : new SegmentKeys(Protection.NONE, withKeys);
        return new LogInspector(dir, through, layer, maxRecordSize, readKeys, lock, true);
    }

    @Override
    public String accessProblem() throws IOException {
        return FileSafety.unsafeDirectoryReason(dir);
    }

    @Override
    public LockStatus tryLock() throws IOException {
        Path lockFile = dir.resolve(LogFiles.LOCK);
        if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            lock.status = LockStatus.NO_LOCK_FILE;
            return lock.status;
        }
        if (lock.held == null) {
            lock.held = storage.tryLock(lockFile);
        }
        lock.status = lock.held == null ? LockStatus.HELD : LockStatus.TAKEN;
        return lock.status;
    }

    @Override
    public LockStatus probeLock() throws IOException {
        LockStatus status = tryLock();
        if (status == LockStatus.TAKEN) {
            unlock();
            lock.status = LockStatus.FREE;
        }
        return lock.status;
    }

    @Override
    public void unlock() throws IOException {
        Closeable held = lock.held;
        lock.held = null;
        if (held != null) {
            held.close();
        }
    }

    @Override
    public LockStatus lockStatus() {
        return lock.status;
    }

    @Override
    public List<String> fileNames() throws IOException {
        List<String> names = new ArrayList<>(storage.list(dir));
        names.sort(null);
        return names;
    }

    @Override
    public List<Long> segmentIds() throws IOException {
        List<Long> ids = new ArrayList<>();
        for (String name : fileNames()) {
            long id = LogFiles.segmentId(name);
            if (id >= 0) {
                ids.add(id);
            }
        }
        ids.sort(null);
        return ids;
    }

    @Override
    public long segmentBytes() throws IOException {
        long total = 0;
        for (long id : segmentIds()) {
            total += Files.size(segmentPath(id));
        }
        return total;
    }

    @Override
    public Path segmentPath(long id) {
        return dir.resolve(LogFiles.segmentName(id));
    }

    @Override
    public CheckpointInfo checkpoint() throws IOException {
        return info(readCheckpoint(), storage.exists(dir.resolve(LogFiles.CHECKPOINT)));
    }

    /** The checkpoint in force, in the engine's terms. */
    Checkpoint readCheckpoint() throws IOException {
        return new CheckpointStore(storage, dir, keys).read();
    }

    static CheckpointInfo info(Checkpoint c, boolean filePresent) {
        return new CheckpointInfo(c.upToSequence(), c.generation(), c.snapshot(), c.snapshotLength(), c.snapshotCrc(),
                c.snapshot() == null ? null : c.snapshotTemporary(), filePresent);
    }

    @Override
    public CloseMarkInfo closeMark() throws IOException {
        CloseMark mark = new CloseMarkStore(storage, dir).read();
        return mark == null ? null : new CloseMarkInfo(mark.lastSequence(), mark.segmentId(), mark.endOffset());
    }

    @Override
    public SegmentInfo segment(long id) throws IOException {
        try (StorageFile file = storage.openRead(segmentPath(id))) {
            return info(id, file.size(), SegmentCursor.readHeader(file));
        }
    }

    /** The public form of a decoded header of segment {@code id}. */
    static SegmentInfo info(long id, long size, SegmentHeader.Decoded d) {
        String name = LogFiles.segmentName(id);
        if (d.header().isEmpty()) {
            return new SegmentInfo(id, name, size, SegmentInfo.HeaderProblem.valueOf(d.problem().name()), d.detail(),
                    -1, 0, 0, Protection.NONE, null, 0, false, false);
        }
        SegmentHeader h = d.header().get();
        Protection protection = h.protection() == SegmentHeader.AES_GCM ? Protection.AES_256_GCM
                : h.protection() == SegmentHeader.HMAC_CHAIN ? Protection.HMAC_SHA256_CHAIN : Protection.NONE;
        return new SegmentInfo(id, name, size, null, null, h.segmentId(), h.firstSequence(), h.alignment(), protection,
                h.keyId(), h.maxRecordSize(), h.salt() != 0, h.followsLoss());
    }

    @Override
    public SegmentScan scan(long id) throws IOException {
        Path path = segmentPath(id);
        try (StorageFile file = storage.openRead(path)) {
            long size = file.size();
            SegmentHeader.Decoded d = SegmentCursor.readHeader(file);
            SegmentInfo info = info(id, size, d);
            if (!info.readable()) {
                return new SegmentScan(info, List.of(), 0, true, null, 0, 0);
            }
            SegmentHeader header = d.header().get();
            SegmentCursor cursor = new SegmentCursor(file, header, size, maxRecordSize, keys.sealerFor(header, path));
            long successorFirst = header.recycled() ? firstSequenceAfter(id) : -1;
            // A recycled segment's data ends where its successor's records begin (SegmentCursor#endOfUseAt).
            cursor.endOfUseAt(successorFirst);
            List<BatchInfo> batches = new ArrayList<>();
            while (cursor.next()) {
                BatchHeader b = cursor.batch();
                batches.add(new BatchInfo(cursor.batchOffset(), b.firstSequence(), b.recordCount(), b.durableThrough(),
                        b.recordsLength(), b.isSeal()));
            }
            SegmentCursor.Stop stop = cursor.stop();
            if (stop.damaged() && header.recycled() && successorFirst < 1 && !cursor.anyBatchFrom(stop.offset())) {
                // The newest recycled segment: no batch of this use from here on, the bytes are an earlier use's.
                return new SegmentScan(info, batches, stop.offset(), false, "end of this use of a recycled segment ("
                        + stop.reason() + "); " + (size - stop.offset()) + " bytes of an earlier use follow", 0,
                        cursor.expectedSequence());
            }
            return new SegmentScan(info, batches, stop.offset(), stop.damaged(), stop.reason(), stop.zeroBytes(),
                    cursor.expectedSequence());
        }
    }

    /** The first sequence the header of the segment after {@code id} names, or -1 if there is none or it does not decode. */
    private long firstSequenceAfter(long id) throws IOException {
        for (long later : segmentIds()) {
            if (later > id) {
                try (StorageFile next = storage.openRead(segmentPath(later))) {
                    return SegmentCursor.readHeader(next).header().filter(h -> h.segmentId() == later)
                            .map(SegmentHeader::firstSequence).orElse(-1L);
                }
            }
        }
        return -1;
    }

    @Override
    public Verdict verify() throws IOException {
        return InspectionVerdict.of(storage, dir, maxRecordSize, keys);
    }

    @Override
    public DataLoss loss(Verdict verdict) throws IOException {
        return LossScan.of(this, verdict);
    }

    @Override
    public RecordScanEnd records(long checkpointed, long from, long to, Consumer<InspectedRecord> visitor)
            throws IOException {
        return new RecordWalk(this, maxRecordSize, keys, visitor).run(checkpointed, from, to);
    }

    @Override
    public void close() throws IOException {
        if (!view) {
            unlock();
        }
    }
}
