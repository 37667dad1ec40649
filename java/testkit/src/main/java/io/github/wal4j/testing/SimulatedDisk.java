package io.github.wal4j.testing;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A test-only {@link Storage} that keeps what was written but not yet synced apart from what is
 * durable, and can simulate a power cut.
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
 * {@link #powerOffAfter(long)} makes the n-th mutating call from now fail and every later call
 * fail too (the machine is off); {@link #crash(Random)} returns the disk as a reboot finds it.
 * Thread-safe (one lock).
 */
public final class SimulatedDisk implements Storage {
    /** The page cache's unit: a write dirties whole pages, a writeback writes them whole. */
    static final int PAGE = 4096;

    /** The unit a lost write tears: 512 (a sector) or 4096 (a page or a 4 KiB physical sector). */
    private final int block;
    /** Whether {@link #openDeviceRead} works (false: a file system that refuses O_DIRECT). */
    private final boolean deviceReads;

    private static final class Inode {
        byte[] data = new byte[0];
        int size;
        byte[] durable = new byte[0];
        int durableSize;
        final List<Object> pending = new ArrayList<>(); // Write or Truncate, in order
        /** Page indexes a failed sync marked clean: readable here, never written to the disk. */
        final Set<Long> stalePages = new HashSet<>();
    }

    private record Write(long offset, byte[] bytes) {
    }

    private record Truncate(long size) {
    }

    private record DirOp(String kind, String name, String other, Inode inode) {
    }

    private final Object lock = new Object();
    private final Map<String, Map<String, Inode>> current = new HashMap<>();
    private final Map<String, Map<String, Inode>> durable = new HashMap<>();
    private final Map<String, List<DirOp>> unsyncedOps = new HashMap<>();
    private final Set<String> locks = new HashSet<>();
    private long mutationsLeft = Long.MAX_VALUE;
    private boolean off;
    private long mutations;
    /** A part of the file name whose next sync fails (null: none armed). */
    private String failSyncOf;

    /** A disk that tears lost writes in 512-byte sectors and supports device reads. */
    public SimulatedDisk() {
        this(512, true);
    }

    /** A disk that tears lost writes in blocks of {@code block} bytes (512 or 4096). */
    public SimulatedDisk(int block) {
        this(block, true);
    }

    /**
     * @param block the unit a lost write tears (a power of two, 512 to 4096)
     * @param deviceReads whether {@link #openDeviceRead} works
     */
    public SimulatedDisk(int block, boolean deviceReads) {
        if (block < 512 || block > PAGE || Integer.bitCount(block) != 1) {
            throw new IllegalArgumentException("block " + block);
        }
        this.block = block;
        this.deviceReads = deviceReads;
    }

    /**
     * Makes the next sync of a file whose name (as opened) contains {@code namePart} fail as an
     * fdatasync that returns EIO does on Linux: the call throws and its dirty pages are marked
     * clean without reaching the disk (they stay readable until the power is cut).
     */
    public void failNextSync(String namePart) {
        synchronized (lock) {
            failSyncOf = namePart;
        }
    }

    @Override
    public String name() {
        return "simulated";
    }

    /** Memory only: an interrupt changes nothing, so the log's self-commit path runs here too. */
    @Override
    public boolean interruptSafe() {
        return true;
    }

    /** After {@code n} more mutating calls succeed, the next one and all later calls fail: power is off. */
    public void powerOffAfter(long n) {
        synchronized (lock) {
            mutationsLeft = n;
        }
    }

    /** Mutating calls made so far (writes, syncs, truncates, creates, renames, deletes, directory syncs). */
    public long mutations() {
        synchronized (lock) {
            return mutations;
        }
    }

    /** Whether the power went off. */
    public boolean isOff() {
        synchronized (lock) {
            return off;
        }
    }

    /** {@code -Dsimdisk.trace=true} prints every mutating call, to follow a failing case. */
    private static final boolean TRACE = Boolean.getBoolean("simdisk.trace");

    private void mutate(String what) throws IOException {
        if (TRACE) {
            System.out.println("SIMDISK " + mutations + " " + what + (off ? " (off)" : ""));
        }
        if (off) {
            throw new IOException("simulated power loss: " + what + " did not happen");
        }
        if (mutationsLeft-- <= 0) {
            off = true;
            throw new IOException("simulated power loss during " + what);
        }
        mutations++;
    }

    private void checkOn(String what) throws IOException {
        if (off) {
            throw new IOException("simulated power loss: " + what + " did not happen");
        }
    }

    private static String parent(Path path) {
        return path.toAbsolutePath().normalize().getParent().toString();
    }

    private static String leaf(Path path) {
        return path.getFileName().toString();
    }

    private Map<String, Inode> dir(Map<String, Map<String, Inode>> view, String dir) {
        return view.computeIfAbsent(dir, d -> new HashMap<>());
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        synchronized (lock) {
            checkOn("list");
            return new ArrayList<>(dir(current, dir.toAbsolutePath().normalize().toString()).keySet());
        }
    }

    @Override
    public boolean exists(Path path) throws IOException {
        synchronized (lock) {
            checkOn("exists");
            return dir(current, parent(path)).containsKey(leaf(path));
        }
    }

    @Override
    public StorageFile create(Path path) throws IOException {
        synchronized (lock) {
            mutate("create " + leaf(path));
            Map<String, Inode> entries = dir(current, parent(path));
            if (entries.containsKey(leaf(path))) {
                throw new FileAlreadyExistsException(path.toString());
            }
            Inode inode = new Inode();
            entries.put(leaf(path), inode);
            unsyncedOps.computeIfAbsent(parent(path), d -> new ArrayList<>())
                    .add(new DirOp("create", leaf(path), null, inode));
            return new SimFile(leaf(path), inode);
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
            checkOn("open");
            Inode inode = dir(current, parent(path)).get(leaf(path));
            if (inode == null) {
                throw new NoSuchFileException(path.toString());
            }
            return new SimFile(leaf(path), inode);
        }
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        synchronized (lock) {
            mutate("rename " + leaf(source));
            if (!parent(source).equals(parent(target))) {
                throw new IOException("simulated disk renames within one directory only");
            }
            Map<String, Inode> entries = dir(current, parent(source));
            Inode inode = entries.remove(leaf(source));
            if (inode == null) {
                throw new NoSuchFileException(source.toString());
            }
            entries.put(leaf(target), inode);
            unsyncedOps.computeIfAbsent(parent(source), d -> new ArrayList<>())
                    .add(new DirOp("rename", leaf(source), leaf(target), inode));
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        synchronized (lock) {
            mutate("delete " + leaf(path));
            Inode removed = dir(current, parent(path)).remove(leaf(path));
            if (removed != null) {
                unsyncedOps.computeIfAbsent(parent(path), d -> new ArrayList<>())
                        .add(new DirOp("delete", leaf(path), null, removed));
            }
        }
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        synchronized (lock) {
            mutate("fsync directory");
            String key = dir.toAbsolutePath().normalize().toString();
            durable.put(key, new HashMap<>(dir(current, key)));
            unsyncedOps.remove(key);
        }
    }

    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        synchronized (lock) {
            checkOn("lock");
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

    /** The current content of a file (a copy), for tests that damage files by hand. */
    public byte[] contents(Path path) throws IOException {
        synchronized (lock) {
            Inode inode = dir(current, parent(path)).get(leaf(path));
            if (inode == null) {
                throw new NoSuchFileException(path.toString());
            }
            return Arrays.copyOf(inode.data, inode.size);
        }
    }

    /** Replaces a file's content, durably, as damage at rest would (bit rot, a bad sector, a bad copy). */
    public void replace(Path path, byte[] bytes) throws IOException {
        synchronized (lock) {
            Inode inode = dir(current, parent(path)).get(leaf(path));
            if (inode == null) {
                throw new NoSuchFileException(path.toString());
            }
            inode.data = bytes.clone();
            inode.size = bytes.length;
            inode.durable = bytes.clone();
            inode.durableSize = bytes.length;
            inode.pending.clear();
        }
    }

    /**
     * The disk as it is after a power cut and reboot: durable data, plus a random subset of the
     * unsynced writes torn at sector granularity, with lost sectors old, zero or garbage; each
     * directory as last synced plus a random prefix of its later operations. No locks are held.
     */
    public SimulatedDisk crash(Random random) {
        synchronized (lock) {
            off = true;
            SimulatedDisk after = new SimulatedDisk(block, deviceReads);
            Map<Inode, Inode> survived = new IdentityHashMap<>();
            Set<String> dirs = new HashSet<>(current.keySet());
            dirs.addAll(durable.keySet());
            for (String d : dirs) {
                Map<String, Inode> entries = new HashMap<>(durable.getOrDefault(d, Map.of()));
                List<DirOp> ops = unsyncedOps.getOrDefault(d, List.of());
                int keep = ops.isEmpty() ? 0 : random.nextInt(ops.size() + 1);
                for (DirOp op : ops.subList(0, keep)) {
                    switch (op.kind) {
                        case "create" -> entries.put(op.name, op.inode);
                        case "delete" -> entries.remove(op.name);
                        case "rename" -> {
                            entries.remove(op.name);
                            entries.put(op.other, op.inode);
                        }
                        default -> throw new AssertionError(op.kind);
                    }
                }
                Map<String, Inode> rebuilt = after.dir(after.current, d);
                for (Map.Entry<String, Inode> e : entries.entrySet()) {
                    rebuilt.put(e.getKey(), survived.computeIfAbsent(e.getValue(), i -> tear(i, random, block)));
                }
                after.durable.put(d, new HashMap<>(rebuilt));
            }
            return after;
        }
    }

    /** The content an inode has after the cut. */
    private static Inode tear(Inode inode, Random random, int block) {
        byte[] data = Arrays.copyOf(inode.durable, Math.max(inode.durableSize, 0));
        int size = inode.durableSize;
        for (Object op : inode.pending) {
            if (op instanceof Truncate t) {
                if (random.nextBoolean()) {
                    size = (int) Math.min(size, t.size);
                    data = Arrays.copyOf(data, size);
                }
                continue;
            }
            Write w = (Write) op;
            long end = w.offset + w.bytes.length;
            for (long sector = w.offset / block * block; sector < end; sector += block) {
                int outcome = random.nextInt(10);
                long from = Math.max(sector, w.offset);
                long to = Math.min(sector + block, end);
                if (outcome < 3) {
                    continue; // the write never reached this block: old content
                }
                long extent = outcome < 7 ? to : sector + block; // zeros/garbage hit the whole block
                if (extent > size) {
                    data = Arrays.copyOf(data, (int) extent);
                    size = (int) extent;
                }
                if (outcome < 7) {
                    System.arraycopy(w.bytes, (int) (from - w.offset), data, (int) from, (int) (to - from));
                } else if (outcome < 9) {
                    Arrays.fill(data, (int) sector, (int) (sector + block), (byte) 0);
                } else {
                    for (long i = sector; i < sector + block; i++) {
                        data[(int) i] = (byte) random.nextInt(256);
                    }
                }
            }
        }
        Inode out = new Inode();
        out.data = Arrays.copyOf(data, size);
        out.size = size;
        out.durable = out.data.clone();
        out.durableSize = size;
        return out;
    }

    /**
     * Makes an inode's data durable as a successful fdatasync does: everything but the pages a
     * failed sync marked clean, which keep what the disk had.
     */
    private static void writeBack(Inode inode) {
        byte[] old = inode.durable;
        int oldSize = inode.durableSize;
        inode.durable = Arrays.copyOf(inode.data, inode.size);
        inode.durableSize = inode.size;
        for (long page : inode.stalePages) {
            long from = page * PAGE;
            for (long i = from; i < Math.min(from + PAGE, inode.durableSize); i++) {
                inode.durable[(int) i] = i < oldSize ? old[(int) i] : 0;
            }
        }
        inode.pending.clear();
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
            checkOn("open");
            Inode inode = dir(current, parent(path)).get(leaf(path));
            if (inode == null) {
                throw new NoSuchFileException(path.toString());
            }
            return new StorageFile() {
                @Override
                public int read(ByteBuffer dst, long position) throws IOException {
                    synchronized (lock) {
                        checkOn("read " + leaf(path));
                        writeBack(inode);
                        if (position >= inode.durableSize) {
                            return -1;
                        }
                        int n = (int) Math.min(dst.remaining(), inode.durableSize - position);
                        dst.put(inode.durable, (int) position, n);
                        return n;
                    }
                }

                @Override
                public void write(ByteBuffer src, long position) throws IOException {
                    throw new IOException("opened for device reads only");
                }

                @Override
                public void sync() {
                    // Nothing written through it.
                }

                @Override
                public long size() throws IOException {
                    synchronized (lock) {
                        return inode.size;
                    }
                }

                @Override
                public void truncate(long size) throws IOException {
                    throw new IOException("opened for device reads only");
                }

                @Override
                public void close() {
                    // Nothing to release.
                }
            };
        }
    }

    /** The unit a lost write tears (see the class comment). */
    @Override
    public int blockSize(Path dir) {
        return block;
    }

    /** A handle on an inode; follows it across renames, as a file descriptor does. */
    private final class SimFile implements StorageFile {
        private final String name;
        private final Inode inode;

        SimFile(String name, Inode inode) {
            this.name = name;
            this.inode = inode;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            synchronized (lock) {
                checkOn("read " + name);
                if (position >= inode.size) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), inode.size - position);
                dst.put(inode.data, (int) position, n);
                return n;
            }
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            synchronized (lock) {
                mutate("write " + name);
                byte[] bytes = new byte[src.remaining()];
                src.get(bytes);
                long end = position + bytes.length;
                if (end > Integer.MAX_VALUE - 16) {
                    throw new IOException("simulated disk files are limited to 2 GiB");
                }
                if (end > inode.data.length) {
                    inode.data = Arrays.copyOf(inode.data, (int) Math.max(end, inode.data.length * 2L));
                }
                System.arraycopy(bytes, 0, inode.data, (int) position, bytes.length);
                inode.size = (int) Math.max(inode.size, end);
                inode.pending.add(new Write(position, bytes));
                // A write dirties whole pages: a stale page it touches is written back whole again.
                for (long page = position / PAGE; page <= (end - 1) / PAGE && bytes.length > 0; page++) {
                    inode.stalePages.remove(page);
                }
            }
        }

        @Override
        public void sync() throws IOException {
            synchronized (lock) {
                mutate("fdatasync " + name);
                if (failSyncOf != null && name.contains(failSyncOf)) {
                    failSyncOf = null;
                    // EIO: the dirty pages are marked clean, their bytes never reach the disk.
                    for (Object op : inode.pending) {
                        if (op instanceof Write w && w.bytes.length > 0) {
                            long end = w.offset + w.bytes.length;
                            for (long page = w.offset / PAGE; page <= (end - 1) / PAGE; page++) {
                                inode.stalePages.add(page);
                            }
                        }
                    }
                    inode.pending.clear();
                    throw new IOException("fdatasync failed on " + name + ": EIO (simulated: the pages are now"
                            + " clean, their data never reached the disk)");
                }
                writeBack(inode);
            }
        }

        @Override
        public long size() throws IOException {
            synchronized (lock) {
                checkOn("size " + name);
                return inode.size;
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            synchronized (lock) {
                mutate("truncate " + name);
                if (size < inode.size) {
                    Arrays.fill(inode.data, (int) size, inode.size, (byte) 0);
                    inode.size = (int) size;
                    inode.pending.add(new Truncate(size));
                    // Truncation drops the cached pages past the new end, stale ones included.
                    inode.stalePages.removeIf(page -> page * PAGE >= size);
                }
            }
        }

        @Override
        public void close() {
            // Nothing to release: the inode lives as long as a directory entry or a handle names it.
        }
    }
}
