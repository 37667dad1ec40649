package io.github.wal4j.testing;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * A test-only {@link Storage} in memory that keeps what was written but not yet synced apart from
 * what is durable, and can simulate a power cut.
 *
 * <p>Model (after SQLite's crash VFS, LevelDB/RocksDB's fault-injection environments and
 * TigerBeetle's simulated storage):
 * <ul>
 *   <li>A file's content is durable up to its last {@link StorageFile#sync()}. At a power cut, every
 *       write since then is kept or lost block by block, independently, so blocks land out of order
 *       and partly; a block touched by a lost write holds its old content, zeros or random garbage,
 *       <b>for the whole block</b> (no powersafe-overwrite assumption: bytes beside the write in the
 *       same block are lost too, <b>including bytes synced earlier</b>). The block is 512 bytes (a
 *       sector) by default; {@link #SimulatedDisk(int) SimulatedDisk(4096)} models what a page
 *       writeback or a 512e drive's read-modify-write of a 4 KiB physical sector can tear. A truncate
 *       since the last sync may or may not have happened.</li>
 *   <li>A failed fdatasync ({@link #failNextSync}) behaves as Linux does: it throws, and the pages it
 *       should have written are marked clean although they never reached the disk. They stay
 *       readable through the page cache until the power is cut, and a later successful sync does
 *       not write them (a retry "succeeds" and lies), unless a later write dirtied their 4 KiB page
 *       again. A read through {@link #openDeviceRead} sees what the disk holds (the kernel writes
 *       dirty pages back first, as it does for an O_DIRECT read).</li>
 *   <li>A directory's entries are durable up to its last {@link #syncDirectory}. At a power cut, a
 *       random prefix of the creates, renames and deletes since then survives, so any of them may
 *       be undone.</li>
 * </ul>
 *
 * <p>Faults: {@link #powerOffAfter(long)} makes the n-th mutating call from now fail and every later
 * call fail too (the machine is off): a call that fails this way throws an {@link IOException} and
 * has no effect. {@link #crash(Random)} turns the power off and returns the disk as a reboot finds
 * it; the same calls and the same seed give the same disk. Renames work within one directory only. Files are limited
 * to 2 GiB. Locks ({@link #tryLock}) are exclusive per lock-file path and do not survive a crash.
 *
 * <p>Thread-safe: every call on the disk and on its files takes one lock.
 *
 * <p>The pieces: {@code SimulatedFile} (a file's cached and durable bytes), {@code DirectoryJournal}
 * (directory entries and their unsynced operations), {@code PowerCut} (what a cut does to unsynced
 * writes), {@code DiskFaults} (the power switch and an armed sync failure).
 */
public final class SimulatedDisk implements Storage {
    /** The unit a lost write tears: 512 (a sector) or 4096 (a page or a 4 KiB physical sector). */
    private final int block;
    /** Whether {@link #openDeviceRead} works (false: a file system that refuses O_DIRECT). */
    private final boolean deviceReads;

    private final Object lock = new Object();
    private final DirectoryJournal directories;
    private final DiskFaults faults = new DiskFaults();
    private final Set<String> locks = new HashSet<>();

    /** A disk that tears lost writes in 512-byte sectors and supports device reads. */
    public SimulatedDisk() {
        this(512, true);
    }

    /**
     * A disk that tears lost writes in blocks of {@code block} bytes and supports device reads.
     *
     * @throws IllegalArgumentException unless {@code block} is a power of two from 512 to 4096
     */
    public SimulatedDisk(int block) {
        this(block, true);
    }

    /**
     * @param block the unit a lost write tears (a power of two, 512 to 4096)
     * @param deviceReads whether {@link #openDeviceRead} works
     * @throws IllegalArgumentException unless {@code block} is a power of two from 512 to 4096
     */
    public SimulatedDisk(int block, boolean deviceReads) {
        this(block, deviceReads, new DirectoryJournal());
    }

    private SimulatedDisk(int block, boolean deviceReads, DirectoryJournal directories) {
        if (block < 512 || block > SimulatedFile.PAGE || Integer.bitCount(block) != 1) {
            throw new IllegalArgumentException("block " + block);
        }
        this.block = block;
        this.deviceReads = deviceReads;
        this.directories = directories;
    }

    /**
     * Makes the next sync of a file whose name (as opened) contains {@code namePart} fail as an
     * fdatasync that returns EIO does on Linux: the call throws and its dirty pages are marked
     * clean without reaching the disk (they stay readable until the power is cut). One sync fails;
     * arming again replaces an armed one that has not fired.
     */
    public void failNextSync(String namePart) {
        synchronized (lock) {
            faults.failNextSync(namePart);
        }
    }

    /** After {@code n} more mutating calls succeed, the next one and all later calls fail: power is off. */
    public void powerOffAfter(long n) {
        synchronized (lock) {
            faults.powerOffAfter(n);
        }
    }

    /** Mutating calls made so far (writes, syncs, truncates, creates, renames, deletes, directory syncs). */
    public long mutations() {
        synchronized (lock) {
            return faults.mutations();
        }
    }

    /** Whether the power went off. */
    public boolean isOff() {
        synchronized (lock) {
            return faults.isOff();
        }
    }

    /**
     * Turns the power off and returns the disk as it is after the cut and a reboot: durable data,
     * plus a random subset of the unsynced writes torn at block granularity, with lost blocks old,
     * zero or garbage; each directory as last synced plus a random prefix of its later operations.
     * Everything on the returned disk is durable; it has the same block size and device reads, no
     * locks are held and no fault is armed. Every random choice comes from {@code random}, in a
     * fixed order.
     */
    public SimulatedDisk crash(Random random) {
        synchronized (lock) {
            faults.powerOff();
            return new SimulatedDisk(block, deviceReads, directories.afterCut(new PowerCut(block, random)));
        }
    }

    /** The current content of a file (a copy), for tests that damage files by hand; works with the power off. */
    public byte[] contents(Path path) throws IOException {
        synchronized (lock) {
            return existing(path).contents();
        }
    }

    /** Replaces a file's content, durably, as damage at rest would (bit rot, a bad sector, a bad copy). */
    public void replace(Path path, byte[] bytes) throws IOException {
        synchronized (lock) {
            existing(path).replace(bytes);
        }
    }

    @Override
    public String name() {
        return "simulated";
    }

    /**
     * {@inheritDoc} Here: on the calling thread, at once. A power cut at the n-th mutating call
     * replays from its seed only if every call comes in the same order at every run: the log's work
     * ahead of need (preparing the next segment) then runs on the writer, after the sync of the
     * batch that made it due, and a cut can land on each of its operations.
     */
    @Override
    public Executor backgroundExecutor() {
        return Runnable::run;
    }

    /** Memory only: an interrupt changes nothing, so the log's self-commit path runs here too. */
    @Override
    public boolean interruptSafe() {
        return true;
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        synchronized (lock) {
            faults.checkOn("list");
            return directories.names(dir.toAbsolutePath().normalize().toString());
        }
    }

    @Override
    public boolean exists(Path path) throws IOException {
        synchronized (lock) {
            faults.checkOn("exists");
            return directories.get(parent(path), leaf(path)) != null;
        }
    }

    @Override
    public StorageFile create(Path path) throws IOException {
        synchronized (lock) {
            faults.mutate("create " + leaf(path));
            if (directories.get(parent(path), leaf(path)) != null) {
                throw new FileAlreadyExistsException(path.toString());
            }
            SimulatedFile file = new SimulatedFile();
            directories.create(parent(path), leaf(path), file);
            return new SimulatedHandle(lock, faults, leaf(path), file);
        }
    }

    @Override
    public StorageFile openWrite(Path path) throws IOException {
        return open(path);
    }

    @Override
    public StorageFile openRead(Path path) throws IOException {
        return open(path);
    }

    private StorageFile open(Path path) throws IOException {
        synchronized (lock) {
            faults.checkOn("open");
            return new SimulatedHandle(lock, faults, leaf(path), existing(path));
        }
    }

    /** {@inheritDoc} Within one directory only (an {@link IOException} otherwise). */
    @Override
    public void rename(Path source, Path target) throws IOException {
        synchronized (lock) {
            faults.mutate("rename " + leaf(source));
            if (!parent(source).equals(parent(target))) {
                throw new IOException("simulated disk renames within one directory only");
            }
            if (directories.rename(parent(source), leaf(source), leaf(target)) == null) {
                throw new NoSuchFileException(source.toString());
            }
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        synchronized (lock) {
            faults.mutate("delete " + leaf(path));
            directories.delete(parent(path), leaf(path));
        }
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        synchronized (lock) {
            faults.mutate("fsync directory");
            directories.sync(dir.toAbsolutePath().normalize().toString());
        }
    }

    /** {@inheritDoc} Held per absolute path, in memory; the lock file itself is not created. */
    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        synchronized (lock) {
            faults.checkOn("lock");
            String key = lockFile.toAbsolutePath().normalize().toString();
            if (!locks.add(key)) {
                return null;
            }
            return () -> {
                synchronized (lock) {
                    locks.remove(key);
                }
            };
        }
    }

    /**
     * Opens a file for reads of what the disk holds: dirty pages are written back first (as the
     * kernel does before an O_DIRECT read), pages a failed sync marked clean read as what the disk
     * has under them. Null if this disk was made without device reads.
     */
    @Override
    public StorageFile openDeviceRead(Path path) throws IOException {
        if (!deviceReads) {
            return null;
        }
        synchronized (lock) {
            faults.checkOn("open");
            return new DeviceReadHandle(lock, faults, leaf(path), existing(path));
        }
    }

    /** The unit a lost write tears (see the class comment). */
    @Override
    public int blockSize(Path dir) {
        return block;
    }

    private SimulatedFile existing(Path path) throws NoSuchFileException {
        SimulatedFile file = directories.get(parent(path), leaf(path));
        if (file == null) {
            throw new NoSuchFileException(path.toString());
        }
        return file;
    }

    private static String parent(Path path) {
        return path.toAbsolutePath().normalize().getParent().toString();
    }

    private static String leaf(Path path) {
        return path.getFileName().toString();
    }
}
