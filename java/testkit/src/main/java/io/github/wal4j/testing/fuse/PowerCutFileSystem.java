package io.github.wal4j.testing.fuse;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A power-cut file system for whole processes: a FUSE mount over a backing directory that keeps
 * in memory everything a power cut would lose, and drops it on {@link #cutPower()}. Any program
 * runs on it unchanged (a child JVM, SQLite's own I/O, a shell); the kernel protocol is served in
 * this JVM (no libfuse), by a few threads that never touch the mount themselves, so this JVM may
 * use the mount too.
 *
 * <p>The model, per inode: a current state (what programs see) and a durable state (what a power
 * cut leaves).
 * <ul>
 *   <li>{@code fsync} or {@code fdatasync} of a file makes its content and size durable (not its
 *       names).</li>
 *   <li>{@code fsync} of a directory makes durable every create, mkdir, link, unlink, rmdir and
 *       rename that touched it; a rename touches both its directories and becomes durable as one
 *       change when either is fsynced. One inode's changes stay in order: a change made durable
 *       brings the earlier pending changes of the inodes it names along.</li>
 *   <li>{@link #cutPower()} puts every file and directory back to its durable state: unsynced data
 *       and size changes (truncations too) are gone, a file or directory whose create was never
 *       made durable disappears, an unsynced rename or unlink is undone. With a {@link Tear}, a
 *       seeded subset of the sectors of the last unsynced write(s) survives first.</li>
 *   <li>Not modelled: modes, owners and times (kept as set, never rolled back); {@code sync(2)}
 *       and {@code syncfs(2)} (they make nothing durable here); symbolic links and special files
 *       (refused). File names are UTF-8.</li>
 * </ul>
 *
 * <p>The durable state lives in the backing directory: while mounted it holds the durable tree
 * (plus a staging directory {@code .powercut-inodes}, hidden from the mount, with one hard link
 * per file); after {@link #close()} exactly the tree, to inspect or mount again. Mounting reads
 * the backing tree as durable. Writes since the last fsync live in memory, page by page, so a
 * preallocated 64 MiB segment costs only what was written; {@code fallocate} is served, unless the
 * mount was made by {@link #mountWithoutFallocate}.
 *
 * <p>The kernel's caches are kept honest: attribute and name lookups are never cached, each open
 * drops the file's cached pages, and a cut tells the kernel to drop the cached pages of every
 * inode. Handles open at a cut belong to a process the cut killed: after it, every operation on
 * them fails with {@code EIO} (kill the processes before cutting, then let new ones open the
 * files again). {@code O_DIRECT} opens are allowed and bypass the page cache.
 *
 * <p>Needs Linux, {@code /dev/fuse} and root (the {@code mount(2)} call): see {@link #isAvailable()}.
 * Thread-safe; {@link #cutPower()} and {@link #close()} may be called from any thread but the
 * mount's own.
 */
public final class PowerCutFileSystem implements AutoCloseable {
    private static final int THREADS = 4;
    private static final java.util.concurrent.atomic.AtomicLong MOUNTS = new java.util.concurrent.atomic.AtomicLong();
    private static volatile String cause;
    private static volatile boolean probed;

    private final Path backing;
    private final Path mountPoint;
    private final Tear defaultTear;
    private final Overlay overlay;
    private final FuseServer server;
    private final int fd;
    private boolean closed;
    private int cuts;
    /** The mount's source name, unique in this JVM: tells this mount from a later one on the same point. */
    private final String source;

    private PowerCutFileSystem(Path backing, Path mountPoint, Tear defaultTear, Overlay overlay, FuseServer server,
                               int fd, String source) {
        this.source = source;
        this.backing = backing;
        this.mountPoint = mountPoint;
        this.defaultTear = defaultTear;
        this.overlay = overlay;
        this.server = server;
        this.fd = fd;
    }

    /**
     * Whether a power-cut file system can be mounted here: Linux, {@code /dev/fuse}, root, and a
     * probe mount that the kernel accepted (made once per JVM, on a temporary directory); and not
     * switched off with {@code -Dwal4j.powercut=off}.
     */
    public static boolean isAvailable() {
        return unavailabilityCause() == null;
    }

    /** Why {@link #isAvailable()} says no, or {@code null} when it says yes. */
    public static synchronized String unavailabilityCause() {
        if (!probed) {
            cause = probe();
            probed = true;
        }
        return cause;
    }

    private static String probe() {
        if ("off".equals(System.getProperty("wal4j.powercut"))) {
            return "the power-cut file system is switched off (-Dwal4j.powercut=off)";
        }
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "the power-cut file system needs Linux's FUSE (this is " + System.getProperty("os.name") + ")";
        }
        Path dev = Path.of("/dev/fuse");
        if (!Files.exists(dev)) {
            return "no /dev/fuse (the fuse kernel module is not loaded, or a container does not pass the device through)";
        }
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
            return "/dev/fuse is not readable and writable by this user";
        }
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?").split("\\s+")[2];
            if (!uid.equals("0")) {
                return "mounting a FUSE file system without fusermount needs root (effective uid " + uid + ")";
            }
        } catch (IOException | RuntimeException e) {
            return "cannot read the effective uid from /proc/self/status: " + e;
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("powercut-probe");
            Path backing = Files.createDirectory(dir.resolve("backing"));
            Path mount = Files.createDirectory(dir.resolve("mount"));
            try (PowerCutFileSystem fs = mountUnchecked(backing, mount, Tear.none(), true)) {
                Files.writeString(fs.mountPoint().resolve("probe"), "probe");
                if (!Files.readString(fs.mountPoint().resolve("probe")).equals("probe")) {
                    return "the probe mount did not read back what was written";
                }
            }
            return null;
        } catch (IOException | LinkageError | RuntimeException e) {
            return "the probe mount failed: " + e;
        } finally {
            if (dir != null) {
                try {
                    Overlay.deleteRecursively(dir);
                } catch (IOException e) {
                    // a temporary directory left behind
                }
            }
        }
    }

    /** {@link #mount(Path, Path, Tear)} whose cuts tear nothing. */
    public static PowerCutFileSystem mount(Path backing, Path mountPoint) throws IOException {
        return mount(backing, mountPoint, Tear.none());
    }

    /**
     * Mounts the tree in {@code backing} (taken as durable) at {@code mountPoint}. A mount left on
     * {@code mountPoint} by an earlier run (a JVM that died mounted) is detached first.
     *
     * @param tear what {@link #cutPower()} does to the last unsynced writes
     * @throws IllegalStateException if {@link #isAvailable()} says no (with its cause)
     * @throws IllegalArgumentException if either is not a directory, or one lies in the other
     * @throws IOException if the backing tree holds a symbolic link or a special file, or the
     *     kernel refuses the mount or does not start the protocol within 10 s
     */
    public static PowerCutFileSystem mount(Path backing, Path mountPoint, Tear tear) throws IOException {
        String why = unavailabilityCause();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        return mountUnchecked(backing, mountPoint, tear, true);
    }

    /**
     * As {@link #mount(Path, Path)}, but the mount does not serve {@code fallocate(2)}: the call fails
     * with {@code EOPNOTSUPP}, as on NFSv3 and many FUSE file systems, where glibc's
     * {@code posix_fallocate} falls back to writing every block of the range (a one-byte write per 4 KiB
     * block: 16,384 writes for 64 MiB). For testing what a program does on such a file system;
     * {@link #writeRequests()} counts its writes.
     *
     * @throws IllegalStateException if {@link #isAvailable()} says no (with its cause)
     * @throws IOException as {@link #mount(Path, Path, Tear)}
     */
    public static PowerCutFileSystem mountWithoutFallocate(Path backing, Path mountPoint) throws IOException {
        String why = unavailabilityCause();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        return mountUnchecked(backing, mountPoint, Tear.none(), false);
    }

    private static PowerCutFileSystem mountUnchecked(Path backing, Path mountPoint, Tear tear, boolean serveFallocate)
            throws IOException {
        Objects.requireNonNull(tear, "tear");
        Path b = backing.toRealPath();
        detachLeftover(mountPoint.toAbsolutePath().normalize());
        Path m = mountPoint.toRealPath();
        if (!Files.isDirectory(b) || !Files.isDirectory(m)) {
            throw new IllegalArgumentException("backing and mount point must be directories: " + b + ", " + m);
        }
        if (b.startsWith(m) || m.startsWith(b)) {
            throw new IllegalArgumentException("the backing directory and the mount point must not contain each other: "
                    + b + ", " + m);
        }
        Overlay overlay = Overlay.load(b);
        int fd;
        try {
            fd = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC | 04000 /* O_NONBLOCK */);
        } catch (LastErrorException e) {
            overlay.close();
            throw new IOException("cannot open /dev/fuse: errno " + e.getErrorCode(), e);
        }
        FuseServer server = new FuseServer(fd, overlay, serveFallocate);
        String source = "powercut-" + ProcessHandle.current().pid() + "-" + MOUNTS.incrementAndGet();
        try {
            Libc.mount(source, m.toString(), "fuse.powercut", Libc.MS_NOSUID | Libc.MS_NODEV,
                    "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other");
        } catch (LastErrorException e) {
            Libc.close(fd);
            overlay.close();
            throw new IOException("mount(2) of a FUSE file system on " + m + " refused: errno " + e.getErrorCode(), e);
        }
        server.start("powercut-fuse", THREADS);
        PowerCutFileSystem fs = new PowerCutFileSystem(b, m, tear, overlay, server, fd, source);
        try {
            if (!server.awaitInit(10_000)) {
                throw new IOException("the kernel did not start the FUSE protocol on " + m + " within 10 s");
            }
        } catch (InterruptedException | IOException e) {
            fs.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IOException io ? io : new IOException(e);
        }
        return fs;
    }

    /** Detaches whatever is mounted on {@code mountPoint} (per /proc/self/mounts); a stale FUSE mount answers ENOTCONN. */
    private static void detachLeftover(Path mountPoint) throws IOException {
        String target = mountPoint.toString();
        boolean mounted = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .map(l -> l.split(" "))
                .anyMatch(f -> f.length > 1 && f[1].replace("\\040", " ").equals(target));
        if (mounted) {
            try {
                Libc.umount2(target, Libc.MNT_DETACH);
            } catch (LastErrorException e) {
                throw new IOException("cannot detach the leftover mount on " + target + ": errno " + e.getErrorCode(), e);
            }
        }
    }

    /** The source of the last (topmost) mount on {@code target} in /proc/self/mounts, or null. */
    private static String topMountSource(String target) {
        try {
            String top = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 1 && f[1].replace("\\040", " ").equals(target)) {
                    top = f[0];
                }
            }
            return top;
        } catch (IOException e) {
            return null;
        }
    }

    /** Where the file system is mounted. */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The backing directory that holds the durable state. */
    public Path backing() {
        return backing;
    }

    /** {@link #cutPower(Tear)} with the tear given at mount. */
    public void cutPower() throws IOException {
        cutPower(defaultTear);
    }

    /**
     * Cuts the power: tears the last unsynced writes as {@code tear} says, drops everything else
     * not durable (see the class comment), invalidates every handle open now, and drops the
     * kernel's cached pages. The mount stays usable: what programs see next is the durable state,
     * as after a reboot. Kill the processes that used the mount first (their handles die here,
     * as they would), so that no write of theirs arrives after the cut.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws IOException if the backing directory fails
     */
    public void cutPower(Tear tear) throws IOException {
        Objects.requireNonNull(tear, "tear");
        Collection<Long> known;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("unmounted");
            }
            known = overlay.cut(tear);
            cuts++;
        }
        // Outside every lock: invalidating pages may wait on a page a request in flight holds.
        for (long node : known) {
            server.invalidate(node);
        }
    }

    /** How many writes to files on the mount the kernel has passed on since it was mounted (its WRITE requests). */
    public long writeRequests() {
        return server.writeRequests();
    }

    /** How many power cuts this mount has had. */
    public synchronized int cuts() {
        return cuts;
    }

    /** Whether anything is not durable yet: unsynced data or a namespace change no directory fsync covered. */
    public boolean hasUnsyncedState() throws IOException {
        return overlay.hasUnsyncedState();
    }

    /**
     * Failures inside the server (a request that failed for a reason other than the caller's:
     * the backing directory's I/O, a bug), each answered {@code EIO}; empty when all went well.
     */
    public List<Throwable> internalErrors() {
        return server.internalErrors();
    }

    /**
     * A clean unmount: unmounts (lazily if the mount is busy: processes still holding files there
     * then get {@code ENOTCONN}; not at all if a later mount detached this one and took the mount
     * point), stops the server, and makes everything durable, as a shutdown's
     * {@code syncfs} does; call {@link #cutPower()} first to lose it instead. The backing directory
     * then holds the durable tree alone. Idempotent.
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            // Only if the mount point still shows this mount: a later mount detached this one and
            // took its place, and must not be unmounted from under its owner. (Device numbers do not
            // tell them apart: the detached mount's number is free again and the next mount gets it.)
            if (source.equals(topMountSource(mountPoint.toString()))) {
                try {
                    Libc.umount2(mountPoint.toString(), 0);
                } catch (LastErrorException e) {
                    try {
                        Libc.umount2(mountPoint.toString(), Libc.MNT_DETACH);
                    } catch (LastErrorException ignored) {
                        // not mounted any more
                    }
                }
            }
            // Closing the device below ends a detached mount's connection: whoever still uses it gets ENOTCONN.
            server.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Libc.close(fd);
            } catch (LastErrorException ignored) {
                // already closed
            }
            overlay.syncAll();
            overlay.close();
        }
    }

    @Override
    public String toString() {
        return "PowerCutFileSystem[" + backing + " on " + mountPoint + "]";
    }
}
