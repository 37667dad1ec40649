package io.github.wal4j;

import io.github.wal4j.log.LogConfig;
import io.github.wal4j.spi.Storage;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Settings for {@link WriteAheadLog#open(java.nio.file.Path, WalOptions)}. Immutable: every
 * {@code withX} method returns a copy. {@link #defaults()} is the durable configuration: every
 * append is fdatasync'ed before it is acknowledged, damage to acknowledged data refuses to open.
 *
 * <p>(Longer than most classes here: each option's contract, its bounds and its default are in the
 * Javadoc of its {@code withX} method, the one place a user reads them.)
 */
public final class WalOptions {
    /** 64 MiB, as etcd and raft-wal use. */
    public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
    /** 16 MiB. */
    public static final int DEFAULT_MAX_RECORD_SIZE = 16 << 20;
    /** 1 MiB: a group-commit batch closes once its records reach this many bytes. */
    public static final int DEFAULT_MAX_BATCH_BYTES = 1 << 20;
    /** {@code rw-------} (0600): the default mode of every file wal4j creates. */
    public static final Set<PosixFilePermission> OWNER_ONLY = Collections.unmodifiableSet(
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

    /**
     * Never changed once this object is made ({@link #change} edits a copy); the field is final, so
     * every thread sees the values as the constructor left them.
     */
    private final Fields values;

    /** The values of every option, mutable: what {@link #change} edits on a copy. */
    private static final class Fields {
        Durability durability = Durability.SYNC;
        RecoveryMode recoveryMode = RecoveryMode.STRICT;
        long segmentSize = DEFAULT_SEGMENT_SIZE;
        int maxRecordSize = DEFAULT_MAX_RECORD_SIZE;
        Duration lockTimeout = Duration.ZERO;
        String ioLayer;
        Storage storage;
        boolean directIo;
        int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        Protection protection = Protection.NONE;
        KeyProvider keys;
        DurableWatermark watermark;
        Set<PosixFilePermission> filePermissions = OWNER_ONLY;
        boolean sharedDirectoryAllowed;
        InFlightLimit inFlightLimit = InFlightLimit.defaults();
        boolean segmentPreparation = true;
        boolean segmentRecycling = true;

        Fields copy() {
            Fields f = new Fields();
            f.durability = durability;
            f.recoveryMode = recoveryMode;
            f.segmentSize = segmentSize;
            f.maxRecordSize = maxRecordSize;
            f.lockTimeout = lockTimeout;
            f.ioLayer = ioLayer;
            f.storage = storage;
            f.directIo = directIo;
            f.maxBatchBytes = maxBatchBytes;
            f.protection = protection;
            f.keys = keys;
            f.watermark = watermark;
            f.filePermissions = filePermissions;
            f.sharedDirectoryAllowed = sharedDirectoryAllowed;
            f.inFlightLimit = inFlightLimit;
            f.segmentPreparation = segmentPreparation;
            f.segmentRecycling = segmentRecycling;
            return f;
        }
    }

    private WalOptions(Fields values) {
        this.values = values;
    }

    /** A copy of these options with {@code edit} applied to its values. */
    private WalOptions change(Consumer<Fields> edit) {
        Fields f = values.copy();
        edit.accept(f);
        return new WalOptions(f);
    }

    /** The durable defaults: {@link Durability#SYNC}, {@link RecoveryMode#STRICT}, 64 MiB segments, 16 MiB records. */
    public static WalOptions defaults() {
        return new WalOptions(new Fields());
    }

    public Durability durability() {
        return values.durability;
    }

    public RecoveryMode recoveryMode() {
        return values.recoveryMode;
    }

    public long segmentSize() {
        return values.segmentSize;
    }

    public int maxRecordSize() {
        return values.maxRecordSize;
    }

    public Duration lockTimeout() {
        return values.lockTimeout;
    }

    /** The I/O layer asked for: "auto", "native", "java", or {@code null} for the system property {@code wal4j.io}. */
    public String ioLayer() {
        return values.ioLayer;
    }

    /** Whether segments are written with direct I/O where the layer and file system allow it. */
    public boolean directIo() {
        return values.directIo;
    }

    /**
     * Writes segments with direct I/O (O_DIRECT) where the native layer loads and the file system
     * accepts it, probed at open; elsewhere buffered writes + fdatasync, as by default. Batches are
     * then padded to the device's direct-I/O block (512 B on most disks, 4 KiB on some), so no block
     * holding acknowledged data is ever rewritten. fdatasync is still issued per batch: direct I/O
     * skips the page cache, not the device cache. Off by default: see docs/benchmarks.md.
     */
    public WalOptions withDirectIo(boolean value) {
        return change(f -> f.directIo = value);
    }

    /** The byte size at which a group-commit batch closes. */
    public int maxBatchBytes() {
        return values.maxBatchBytes;
    }

    /**
     * Closes a group-commit batch once its framed records reach {@code value} bytes, in [1, 1 MiB]
     * (a batch always takes at least one record). Smaller batches cut the latency of the first
     * appends of a burst at the cost of more fdatasyncs; 1 gives one record per batch, which also
     * makes the sequence of writes independent of thread timing (the crash tests use that).
     */
    public WalOptions withMaxBatchBytes(int value) {
        if (value < 1 || value > DEFAULT_MAX_BATCH_BYTES) {
            throw new IllegalArgumentException("max batch bytes must be in [1, " + DEFAULT_MAX_BATCH_BYTES + "]: "
                    + value);
        }
        return change(f -> f.maxBatchBytes = value);
    }

    /**
     * The mode of the files wal4j creates: segments, their temporaries and {@code .broken} copies,
     * {@code CHECKPOINT} and its temporary, snapshots and their temporaries. {@link #OWNER_ONLY} by
     * default. The lock file {@code wal.lock} is always owner-only (see {@link #withFilePermissions}).
     */
    public Set<PosixFilePermission> filePermissions() {
        return values.filePermissions;
    }

    /**
     * The mode of a WAL directory wal4j creates (and of missing parents it creates on the way):
     * {@code rwx------} (0700) by default; with {@link #withFilePermissions} every class that may read
     * the files may also list the directory ({@code rw-r-----} gives {@code rwxr-x---}). A directory
     * that already exists is never changed.
     */
    public Set<PosixFilePermission> directoryPermissions() {
        return FileModes.directoryMode(values.filePermissions);
    }

    /**
     * Widens the mode of the files wal4j creates from {@link #OWNER_ONLY} ({@code rw-------}), for
     * example to {@code rw-r-----} so that a backup or monitoring user in the file's group can read
     * the log. The set must hold {@code OWNER_READ} and {@code OWNER_WRITE} and may add only
     * {@code GROUP_READ} and {@code OTHERS_READ}: no execute bit, and no write bit for anyone but the
     * owner, since a file another user can write is a file another user can forge.
     *
     * <p>The mode is applied to each file right after it is created, explicitly, so a umask stricter
     * than the mode (027, 077) does not narrow it. Directories wal4j creates get
     * {@link #directoryPermissions()}. Two files stay owner-only whatever is configured:
     * {@code wal.lock} (anyone who can open it can lock it and keep the log from opening), and the
     * quarantine copies of {@code wal4j repair}. On a file system without POSIX permissions
     * (Windows) the setting has no effect.
     *
     * @throws IllegalArgumentException for a set outside those bounds
     */
    public WalOptions withFilePermissions(Set<PosixFilePermission> value) {
        Set<PosixFilePermission> mode = FileModes.checkedFileMode(value);
        return change(f -> f.filePermissions = mode);
    }

    /** Whether open accepts a WAL directory that other users can write to; see {@link #withSharedDirectoryAllowed}. */
    public boolean sharedDirectoryAllowed() {
        return values.sharedDirectoryAllowed;
    }

    /**
     * By default (false) open refuses an existing WAL directory that its group or other users can
     * write to (mode {@code & 022}, sticky bit or not: {@code /tmp} itself is refused), or that is
     * owned by neither this process's user nor root, with a {@link WalException} that says why and
     * how to fix it ({@code chmod 700 DIR}, {@code chown}). Whoever can write to the directory can
     * plant, replace or delete its files: a forged segment, an older CHECKPOINT, a symbolic link
     * (wal4j never follows one inside the directory, but a planted link still stops the log from
     * opening). Pass true only if every user with that access is trusted as much as this process.
     *
     * <p>The check runs on the real directory: a WAL path that is itself a symbolic link is resolved
     * once at open, and the directory it leads to is checked and used from then on. On a file system
     * without POSIX permissions (Windows) there is nothing to check and the directory is accepted;
     * ownership is checked where the JDK reports numeric owners (Linux, macOS).
     */
    public WalOptions withSharedDirectoryAllowed(boolean value) {
        return change(f -> f.sharedDirectoryAllowed = value);
    }

    /** The bound on appends in flight and what an append does at it; {@link InFlightLimit#defaults()} unless set. */
    public InFlightLimit inFlightLimit() {
        return values.inFlightLimit;
    }

    /**
     * Bounds the appends queued for the writer and not yet taken into a batch, in records and framed
     * bytes, and chooses what an append does when it does not fit: wait for room, interruptibly and
     * at most a timeout ({@link InFlightLimit#blocking}), or fail at once
     * ({@link InFlightLimit#failFast}) with {@link WalOverloadedException}, so an event loop can
     * shed load. It applies to every append: {@code append}, {@code appendAsync}, {@code appendAll},
     * {@code appendAllAsync}. The default ({@link InFlightLimit#defaults()}: 64 MiB, blocking for at
     * most a minute) keeps as much in flight as earlier versions did, so throughput is the same. See
     * {@link InFlightLimit} for what counts, when an append is admitted, and the writer thread.
     */
    public WalOptions withInFlightLimit(InFlightLimit value) {
        Objects.requireNonNull(value, "inFlightLimit");
        return change(f -> f.inFlightLimit = value);
    }

    /** Whether the next segment is written ahead of rotation; see {@link #withSegmentPreparation}. */
    public boolean segmentPreparation() {
        return values.segmentPreparation;
    }

    /**
     * Whether the log writes the next segment's blocks before it needs them (true by default). Once
     * the active segment is half full, a background thread creates the next segment under its
     * temporary name ({@code <id>.wal.tmp}), writes zeros over the whole segment size and
     * fdatasyncs it; at rotation the header is written over the zeros and the file renamed into
     * place (header synced first, directory synced after, as for any new segment). Appends then
     * overwrite blocks the file system has already written, so each fdatasync flushes data only:
     * on ext4 a write into a {@code fallocate}d block makes the next fdatasync commit a journal
     * transaction as well (docs/benchmarks.md has the measured difference). With
     * {@link #withSegmentRecycling recycling} (on by default) the next segment is made from a
     * segment a checkpoint freed wherever one is at hand, and zeros are written only where none is.
     *
     * <p>The cost: every segment prepared with zeros is written twice (zeros, then the batches);
     * the preparation runs beside the writer and competes with it for the device. Measured
     * (docs/benchmarks.md, "Prepared segments"): 100-byte records from 16 threads 1.1-1.7x faster on
     * the native layer and 1.5-3.9x on the java layer; 64 KiB records, where the log is bound by the
     * device's bandwidth, about 0.8x: such a log that never checkpoints (so never has a freed
     * segment to recycle) should pass {@code false}. A rotation never waits for a
     * preparation still writing (it is stopped within one 1 MiB write and the segment created at
     * rotation as with {@code false}); a preparation that fails (a full disk) is logged at WARNING
     * once and changes nothing else. A crash during preparation leaves a temporary file, which the
     * next open removes. With {@code false}, a segment without a freed file to recycle is created
     * at rotation and preallocated ({@code fallocate}) where the layer can; recycling, if on, still
     * prepares freed files ahead. The first segment of a new log is always created at open,
     * without zeros.
     */
    public WalOptions withSegmentPreparation(boolean value) {
        return change(f -> f.segmentPreparation = value);
    }

    /** Whether segments a checkpoint freed are reused; see {@link #withSegmentRecycling}. */
    public boolean segmentRecycling() {
        return values.segmentRecycling;
    }

    /**
     * Whether the next segment is made, ahead of rotation, from the file of a segment a checkpoint
     * freed instead of new zeros (true by default). Where {@link #withSegmentPreparation} writes
     * every segment twice (zeros, then batches), a recycled file's blocks were written by its earlier
     * use: the checkpoint renames the freed file to {@code <id>.wal.free}; once the active segment
     * is half full, the preparer's thread renames it to the next segment's temporary name, fills it
     * with zeros to the segment size if it is shorter, and fdatasyncs it; at rotation the header is
     * written over its first block with a new salt and the RECYCLED flag, synced, and the file
     * renamed into place, directory synced, as for a prepared segment. Where no freed file is at
     * hand the next segment is prepared with zeros (with preparation on) or created at rotation
     * (with it off).
     *
     * <p>What a checkpoint leaves in the directory: of the segments it frees, the newest, up to
     * two, stay as {@code <id>.wal.free} files (the others are deleted), so the directory holds up
     * to two segment sizes of disk space beyond the live segments and the next segment being
     * prepared, until the next rotations recycle them. They hold only records the durable
     * checkpoint covers and are never read as segments. {@link WriteAheadLog#close} deletes them; after a crash the next open deletes them
     * ({@code FREED_REMOVED}, a clean finding), as it deletes a half-prepared {@code .wal.tmp}
     * ({@code TEMPORARY_REMOVED}). The records a checkpoint covered also stay on the file system
     * behind a recycled segment's data, until the new use overwrites them.
     *
     * <p>What lies behind the new use's last batch is the earlier use's bytes, whose batches carry
     * the earlier salt and fail every checksum of the new one. Recovery and readers take them as the
     * end of the segment's data only where that is provable (docs/security/wal.md, section 4.1.1):
     * in a segment a newer one follows, once its records reach the newer one's first sequence; in the
     * newest, where no batch of this use lies at or after them. Damage anywhere else is refused as in
     * any segment. A file is recycled only if no reader or tailer of this log has it open (else it
     * is deleted, as without recycling), and never one a tailer holding segments still needs. Every
     * wal4j that reads format version 3 (what new segments are, recycled or not) reads the RECYCLED
     * flag; one from before version 3 refuses the log whether it recycles or not.
     *
     * <p>Measured on a quiet machine (docs/benchmarks.md, "Issue 20's goals"): 64 KiB records from
     * 16 threads with a checkpoint every 50 ms, 1.36-1.68x the records/s of no preparation and
     * 1.56-1.82x of preparation in every pair, 1.02 device bytes per payload byte instead of 2.0;
     * 100-byte records 0.94-1.17x preparation. Pass {@code false} (a checkpoint then deletes every
     * segment it frees) for a log whose checkpointed records must leave the file system at once,
     * or to keep no file beyond the live segments; a log that never checkpoints frees no segment,
     * so recycling changes nothing for it either way.
     */
    public WalOptions withSegmentRecycling(boolean value) {
        return change(f -> f.segmentRecycling = value);
    }

    /** A caller-supplied storage layer, or {@code null}. */
    public Storage storage() {
        return values.storage;
    }

    /** When appends are acknowledged; see {@link Durability}. */
    public WalOptions withDurability(Durability value) {
        Objects.requireNonNull(value, "durability");
        return change(f -> f.durability = value);
    }

    /** What open does with damage to acknowledged data; see {@link RecoveryMode}. */
    public WalOptions withRecoveryMode(RecoveryMode value) {
        Objects.requireNonNull(value, "recoveryMode");
        return change(f -> f.recoveryMode = value);
    }

    /**
     * The size at which a segment is closed and the next one started, at least 4 KiB. A batch that
     * does not fit in a non-empty segment starts the next one; a single batch larger than the size
     * makes its segment larger.
     */
    public WalOptions withSegmentSize(long value) {
        if (value < 4096) {
            throw new IllegalArgumentException("segment size must be at least 4096 bytes: " + value);
        }
        return change(f -> f.segmentSize = value);
    }

    /**
     * The largest payload accepted, in bytes, from 0 to 1 GiB. Every segment's header records the
     * limit it was written with, and recovery bounds length fields by the larger of the two: a
     * length above both is damage. Lowered below a record already in the log, open refuses it with
     * {@link RecordTooLargeException} (nothing changed), which names the size to open with.
     */
    public WalOptions withMaxRecordSize(int value) {
        if (value < 0 || value > (1 << 30)) {
            throw new IllegalArgumentException("max record size must be in [0, 1 GiB]: " + value);
        }
        return change(f -> f.maxRecordSize = value);
    }

    /** How long open waits for another holder to release the directory lock; zero (the default) fails at once. */
    public WalOptions withLockTimeout(Duration value) {
        Objects.requireNonNull(value, "lockTimeout");
        if (value.isNegative()) {
            throw new IllegalArgumentException("lock timeout must not be negative: " + value);
        }
        return change(f -> f.lockTimeout = value);
    }

    /** "auto" (native where it loads, else pure Java), "native" (fail if it cannot load) or "java". */
    public WalOptions withIoLayer(String value) {
        return change(f -> f.ioLayer = value);
    }

    /**
     * Uses the given storage layer instead of choosing one: for tests (fault injection) and for
     * callers with a file layer of their own. It must honour the {@link Storage} contract.
     */
    public WalOptions withStorage(Storage value) {
        return change(f -> f.storage = value);
    }

    /** How records are protected beyond their checksums; {@link Protection#NONE} by default. */
    public Protection protection() {
        return values.protection;
    }

    /** The key provider of a protected log, or {@code null}. */
    public KeyProvider keys() {
        return values.keys;
    }

    /** The external durable watermark, or {@code null}. */
    public DurableWatermark durableWatermark() {
        return values.watermark;
    }

    /**
     * Encrypts and authenticates every record with AES-256-GCM under keys from {@code keys}
     * ({@link Protection#AES_256_GCM}). Segments already in the log keep the protection they were
     * written with; a segment without protection that still holds records after the checkpoint is
     * refused at open, so nobody can slip an unauthenticated segment into a protected log. Every
     * open starts a new segment, so a nonce is never used twice (docs/security/threat-model.md).
     */
    public WalOptions withEncryption(KeyProvider keys) {
        return withProtection(Protection.AES_256_GCM, Objects.requireNonNull(keys, "keys"));
    }

    /**
     * Authenticates every record with an HMAC-SHA256 chain under keys from {@code keys}, payloads
     * left in the clear ({@link Protection#HMAC_SHA256_CHAIN}); otherwise as {@link #withEncryption}.
     */
    public WalOptions withTamperEvidence(KeyProvider keys) {
        return withProtection(Protection.HMAC_SHA256_CHAIN, Objects.requireNonNull(keys, "keys"));
    }

    /**
     * Sets the protection of new segments; {@code keys} is required unless {@code protection} is
     * {@link Protection#NONE}, where it may still be given to read segments written with protection
     * (to turn protection off: new segments are plain, old ones stay readable).
     */
    public WalOptions withProtection(Protection protection, KeyProvider keys) {
        Objects.requireNonNull(protection, "protection");
        if (protection != Protection.NONE && keys == null) {
            throw new IllegalArgumentException(protection + " needs a key provider");
        }
        return change(f -> {
            f.protection = protection;
            f.keys = keys;
        });
    }

    /**
     * Checks the log against, and reports its progress to, an anchor kept outside the directory;
     * see {@link DurableWatermark}. {@code null} removes it.
     */
    public WalOptions withDurableWatermark(DurableWatermark value) {
        return change(f -> f.watermark = value);
    }

    @Override
    public String toString() {
        Fields v = values;
        return "WalOptions[durability=" + v.durability + ", recoveryMode=" + v.recoveryMode + ", segmentSize="
                + v.segmentSize + ", maxRecordSize=" + v.maxRecordSize + ", lockTimeout=" + v.lockTimeout + ", ioLayer="
                + v.ioLayer + ", directIo=" + v.directIo + ", filePermissions="
                + PosixFilePermissions.toString(v.filePermissions)
                + (v.sharedDirectoryAllowed ? ", sharedDirectoryAllowed=true" : "")
                + (v.segmentPreparation ? "" : ", segmentPreparation=false")
                + (v.segmentRecycling ? "" : ", segmentRecycling=false")
                + (v.storage == null ? "" : ", storage=" + v.storage.name())
                + ", protection=" + v.protection + (v.keys == null ? "" : ", key=" + v.keys.currentKeyId())
                + (v.watermark == null ? "" : ", durableWatermark")
                + (v.inFlightLimit.equals(InFlightLimit.defaults()) ? "" : ", inFlightLimit=" + v.inFlightLimit) + "]";
    }

    /** These options as the engine takes them, for one open. */
    LogConfig engineConfig() {
        return new LogConfig(durability(), recoveryMode(), segmentSize(), maxRecordSize(), maxBatchBytes(),
                lockTimeout(), directIo(), protection(), keys(), durableWatermark(), filePermissions(),
                directoryPermissions(), sharedDirectoryAllowed(), inFlightLimit(),
                segmentPreparation(), segmentRecycling());
    }
}
