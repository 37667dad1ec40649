package io.github.wal4j.testing.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The FUSE kernel protocol (linux/fuse.h, protocol 7.x) over an open {@code /dev/fuse}, served by
 * a few threads onto an {@link Overlay}. Each {@code read(2)} of the device returns one whole
 * request; each reply is one {@code write(2)}. The descriptor is non-blocking, so each thread polls
 * it with a timeout and sees {@link #stop()} within {@link #POLL_MILLIS}. The threads never touch
 * the mount themselves, so a JVM that mounts and uses the file system does not wait on itself.
 *
 * <pre>
 * request: fuse_in_header (40 bytes)          reply: fuse_out_header (16 bytes)
 *   0 u32 len    4 u32 opcode  8 u64 unique     0 u32 len   4 s32 -errno   8 u64 unique
 *  16 u64 nodeid 24 u32 uid 28 u32 gid 32 u32 pid 36 u16 total_extlen 38 pad
 *   then the opcode's fuse_*_in struct, then NUL-terminated names
 * </pre>
 */
final class FuseServer {
    static final int MAX_WRITE = 1 << 20;
    static final int POLL_MILLIS = 100;
    private static final int BUFFER = MAX_WRITE + 64 * 1024;
    private static final int IN_HEADER = 40;
    private static final int OUT_HEADER = 16;
    private static final int PROTOCOL_MINOR = 31;

    // Opcodes
    private static final int LOOKUP = 1;
    private static final int FORGET = 2;
    private static final int GETATTR = 3;
    private static final int SETATTR = 4;
    private static final int MKNOD = 8;
    private static final int MKDIR = 9;
    private static final int UNLINK = 10;
    private static final int RMDIR = 11;
    private static final int RENAME = 12;
    private static final int LINK = 13;
    private static final int OPEN = 14;
    private static final int READ = 15;
    private static final int WRITE = 16;
    private static final int STATFS = 17;
    private static final int RELEASE = 18;
    private static final int FSYNC = 20;
    private static final int FLUSH = 25;
    private static final int INIT = 26;
    private static final int OPENDIR = 27;
    private static final int READDIR = 28;
    private static final int RELEASEDIR = 29;
    private static final int FSYNCDIR = 30;
    private static final int ACCESS = 34;
    private static final int CREATE = 35;
    private static final int INTERRUPT = 36;
    private static final int DESTROY = 38;
    private static final int BATCH_FORGET = 42;
    private static final int FALLOCATE = 43;
    private static final int RENAME2 = 45;

    // INIT flags this server asks for (each only if the kernel offers it)
    private static final int ASYNC_READ = 1;
    private static final int BIG_WRITES = 1 << 5;
    private static final int AUTO_INVAL_DATA = 1 << 12;
    private static final int MAX_PAGES = 1 << 22;

    // SETATTR valid bits
    private static final int FATTR_MODE = 1;
    private static final int FATTR_UID = 1 << 1;
    private static final int FATTR_GID = 1 << 2;
    private static final int FATTR_SIZE = 1 << 3;
    private static final int FATTR_ATIME = 1 << 4;
    private static final int FATTR_MTIME = 1 << 5;
    private static final int FATTR_ATIME_NOW = 1 << 7;
    private static final int FATTR_MTIME_NOW = 1 << 8;

    private static final int O_EXCL = 0200;
    private static final int FUSE_NOTIFY_INVAL_INODE = 2;

    private final int fd;
    private final Overlay overlay;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Throwable> internalErrors = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch initialized = new CountDownLatch(1);
    private volatile boolean stopped;
    private volatile int kernelMinor;
    private final boolean serveFallocate;
    private final java.util.concurrent.atomic.AtomicLong writeRequests = new java.util.concurrent.atomic.AtomicLong();

    /** @param serveFallocate false: FALLOCATE answers ENOSYS, so fallocate(2) on the mount fails with EOPNOTSUPP */
    FuseServer(int fd, Overlay overlay, boolean serveFallocate) {
        this.fd = fd;
        this.overlay = overlay;
        this.serveFallocate = serveFallocate;
    }

    /** WRITE requests the kernel has sent since the mount. */
    long writeRequests() {
        return writeRequests.get();
    }

    void start(String name, int threadCount) {
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(this::serve, name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    boolean awaitInit(long millis) throws InterruptedException {
        return initialized.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Ends the threads (each within a poll interval) and waits for them. */
    void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(10_000);
        }
    }

    List<Throwable> internalErrors() {
        synchronized (internalErrors) {
            return List.copyOf(internalErrors);
        }
    }

    /** Tells the kernel to drop its cached pages and attributes of {@code node}; false if it did not know the node. */
    boolean invalidate(long node) {
        if (kernelMinor < 12) {
            return false;
        }
        try (Memory m = new Memory(OUT_HEADER + 24)) {
            ByteBuffer b = m.getByteBuffer(0, OUT_HEADER + 24).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(OUT_HEADER + 24).putInt(FUSE_NOTIFY_INVAL_INODE).putLong(0);
            b.putLong(node).putLong(0).putLong(0);
            Libc.write(fd, m, OUT_HEADER + 24);
            return true;
        } catch (LastErrorException e) {
            return false;
        }
    }

    private void serve() {
        try (Memory in = new Memory(BUFFER); Memory out = new Memory(BUFFER); Memory pollFd = new Memory(8)) {
            while (!stopped) {
                pollFd.setInt(0, fd);
                pollFd.setShort(4, Libc.POLLIN);
                pollFd.setShort(6, (short) 0);
                try {
                    if (Libc.poll(pollFd, 1, POLL_MILLIS) == 0) {
                        continue;
                    }
                } catch (LastErrorException e) {
                    continue; // EINTR
                }
                long n;
                try {
                    n = Libc.read(fd, in, BUFFER);
                } catch (LastErrorException e) {
                    int errno = e.getErrorCode();
                    if (errno == 19 /* ENODEV: unmounted */) {
                        return;
                    }
                    // EAGAIN: another thread took it; ENOENT: the request was interrupted; EINTR.
                    continue;
                }
                ByteBuffer request = in.getByteBuffer(0, n).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer reply = out.getByteBuffer(0, BUFFER).order(ByteOrder.LITTLE_ENDIAN);
                handle(request, reply, out);
            }
        } catch (Throwable t) {
            internalErrors.add(t);
        }
    }

    private void handle(ByteBuffer request, ByteBuffer reply, Memory out) {
        int opcode = request.getInt(4);
        long unique = request.getLong(8);
        long nodeid = request.getLong(16);
        int uid = request.getInt(24);
        int gid = request.getInt(28);
        ByteBuffer body = request.position(IN_HEADER).slice().order(ByteOrder.LITTLE_ENDIAN);
        reply.clear().position(OUT_HEADER);
        int error = 0;
        try {
            switch (opcode) {
                case FORGET, BATCH_FORGET, INTERRUPT -> {
                    return; // no reply: nodes are kept until nothing can reach them, interrupts are not honoured
                }
                case INIT -> init(body, reply);
                case DESTROY, FLUSH -> {
                    // nothing to do: data is kept as written; a flush at close makes nothing durable
                }
                case ACCESS -> overlay.node(nodeid);
                case LOOKUP -> entry(reply, overlay.lookup(nodeid, name(body, 0)).id);
                case GETATTR -> attrOut(reply, nodeid);
                case SETATTR -> setattr(nodeid, body, reply);
                case MKNOD -> {
                    int mode = body.getInt(0);
                    if ((mode & Node.S_IFMT) != Node.S_IFREG) {
                        throw new FuseError(FuseError.EPERM, "only regular files");
                    }
                    entry(reply, overlay.createFile(nodeid, name(body, 16), mode & 07777, uid, gid).id);
                }
                case MKDIR -> entry(reply, overlay.mkdir(nodeid, name(body, 8), body.getInt(0) & 07777, uid, gid).id);
                case UNLINK -> overlay.unlink(nodeid, name(body, 0), false);
                case RMDIR -> overlay.unlink(nodeid, name(body, 0), true);
                case RENAME -> {
                    String from = name(body, 8);
                    overlay.rename(nodeid, from, body.getLong(0), name(body, 8 + utf8Length(from) + 1), 0);
                }
                case RENAME2 -> {
                    String from = name(body, 16);
                    overlay.rename(nodeid, from, body.getLong(0), name(body, 16 + utf8Length(from) + 1), body.getInt(8));
                }
                case LINK -> entry(reply, overlay.hardLink(body.getLong(0), nodeid, name(body, 8)).id);
                case OPEN -> openOut(reply, overlay.open(nodeid, false));
                case OPENDIR -> openOut(reply, overlay.open(nodeid, true));
                case CREATE -> create(nodeid, body, reply, uid, gid);
                case READ -> {
                    byte[] data = overlay.read(body.getLong(0), body.getLong(8), body.getInt(16));
                    reply.put(data);
                }
                case WRITE -> {
                    int size = body.getInt(16);
                    ByteBuffer data = body.duplicate().position(40).limit(40 + size);
                    overlay.write(body.getLong(0), body.getLong(8), data);
                    writeRequests.incrementAndGet();
                    reply.putInt(size).putInt(0);
                }
                case RELEASE, RELEASEDIR -> overlay.release(body.getLong(0));
                case FSYNC -> {
                    overlay.handle(body.getLong(0));
                    overlay.syncFile(nodeid);
                }
                case FSYNCDIR -> {
                    overlay.handle(body.getLong(0));
                    overlay.syncDirectory(nodeid);
                }
                case READDIR -> readdir(body, reply);
                case STATFS -> statfs(reply);
                case FALLOCATE -> {
                    if (!serveFallocate) {
                        throw new FuseError(FuseError.ENOSYS, "fallocate is not served on this mount");
                    }
                    overlay.allocate(body.getLong(0), body.getLong(8), body.getLong(16), body.getInt(24));
                }
                default -> throw new FuseError(FuseError.ENOSYS, "opcode " + opcode);
            }
        } catch (FuseError e) {
            error = -e.errno;
        } catch (IOException e) {
            internalErrors.add(e);
            error = -FuseError.EIO;
        } catch (RuntimeException e) {
            internalErrors.add(e);
            error = -FuseError.EIO;
        }
        int length = error == 0 ? reply.position() : OUT_HEADER;
        reply.putInt(0, length).putInt(4, error).putLong(8, unique);
        try {
            Libc.write(fd, out, length);
        } catch (LastErrorException e) {
            // ENOENT: the request was interrupted meanwhile (its caller died); nothing to tell.
            if (e.getErrorCode() != FuseError.ENOENT && !stopped) {
                internalErrors.add(new IOException("reply to opcode " + opcode + " failed: errno " + e.getErrorCode()));
            }
        }
    }

    private void init(ByteBuffer body, ByteBuffer reply) throws FuseError {
        int major = body.getInt(0);
        int minor = body.getInt(4);
        int maxReadahead = body.getInt(8);
        int offered = body.getInt(12);
        if (major < 7 || major == 7 && minor < 12) {
            throw new FuseError(71 /* EPROTO */, "kernel FUSE protocol " + major + "." + minor + " is too old");
        }
        reply.putInt(7);
        if (major > 7) {
            reply.putInt(PROTOCOL_MINOR); // the kernel asks again with 7
            return;
        }
        kernelMinor = Math.min(minor, PROTOCOL_MINOR);
        reply.putInt(kernelMinor);
        reply.putInt(maxReadahead);
        reply.putInt(offered & (ASYNC_READ | BIG_WRITES | AUTO_INVAL_DATA | MAX_PAGES));
        reply.putShort((short) 16); // max_background
        reply.putShort((short) 12); // congestion_threshold
        reply.putInt(MAX_WRITE);
        reply.putInt(1); // time_gran: nanoseconds
        reply.putShort((short) (MAX_WRITE / 4096)); // max_pages
        reply.putShort((short) 0); // map_alignment
        reply.putInt(0); // flags2
        for (int i = 0; i < 7; i++) {
            reply.putInt(0);
        }
        initialized.countDown();
    }

    private void create(long parent, ByteBuffer body, ByteBuffer reply, int uid, int gid) throws FuseError, IOException {
        int flags = body.getInt(0);
        int mode = body.getInt(4);
        String name = name(body, 16);
        Node node;
        try {
            node = overlay.createFile(parent, name, mode & 07777, uid, gid);
        } catch (FuseError e) {
            if (e.errno != FuseError.EEXIST || (flags & O_EXCL) != 0) {
                throw e;
            }
            node = overlay.lookup(parent, name);
        }
        entry(reply, node.id);
        openOut(reply, overlay.open(node.id, false));
    }

    private void setattr(long nodeid, ByteBuffer body, ByteBuffer reply) throws FuseError, IOException {
        int valid = body.getInt(0);
        if ((valid & FATTR_MODE) != 0) {
            overlay.setMode(nodeid, body.getInt(68));
        }
        if ((valid & (FATTR_UID | FATTR_GID)) != 0) {
            overlay.setOwner(nodeid, (valid & FATTR_UID) != 0 ? body.getInt(76) : null,
                    (valid & FATTR_GID) != 0 ? body.getInt(80) : null);
        }
        if ((valid & FATTR_SIZE) != 0) {
            overlay.truncate(nodeid, body.getLong(16));
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        Long atime = (valid & FATTR_ATIME_NOW) != 0 ? Long.valueOf(now)
                : (valid & FATTR_ATIME) != 0 ? body.getLong(32) * 1_000_000_000L + body.getInt(56) : null;
        Long mtime = (valid & FATTR_MTIME_NOW) != 0 ? Long.valueOf(now)
                : (valid & FATTR_MTIME) != 0 ? body.getLong(40) * 1_000_000_000L + body.getInt(60) : null;
        if (atime != null || mtime != null) {
            overlay.setTimes(nodeid, atime, mtime);
        }
        attrOut(reply, nodeid);
    }

    private void readdir(ByteBuffer body, ByteBuffer reply) throws FuseError {
        Overlay.Handle handle = overlay.handle(body.getLong(0));
        if (handle.listing() == null) {
            throw new FuseError(FuseError.ENOTDIR, "not a directory handle");
        }
        long offset = body.getLong(8);
        int size = body.getInt(16);
        int start = reply.position();
        List<Overlay.DirEntry> listing = handle.listing();
        for (int i = (int) offset; i < listing.size(); i++) {
            Overlay.DirEntry e = listing.get(i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            int recordLength = (24 + name.length + 7) & ~7;
            if (reply.position() - start + recordLength > size) {
                break;
            }
            int at = reply.position();
            reply.putLong(e.node()).putLong(i + 1).putInt(name.length).putInt(e.directory() ? 4 : 8).put(name);
            while (reply.position() < at + recordLength) {
                reply.put((byte) 0);
            }
        }
    }

    private void statfs(ByteBuffer reply) throws IOException {
        Overlay.FileStoreNumbers numbers = overlay.statfs();
        long block = 4096;
        reply.putLong(numbers.total() / block).putLong(numbers.free() / block).putLong(numbers.usable() / block);
        reply.putLong(1 << 20).putLong(1 << 20); // files, ffree
        reply.putInt((int) block).putInt(255).putInt((int) block).putInt(0);
        for (int i = 0; i < 6; i++) {
            reply.putInt(0);
        }
    }

    private void entry(ByteBuffer reply, long id) throws FuseError {
        reply.putLong(id).putLong(0); // nodeid, generation
        reply.putLong(0).putLong(0).putInt(0).putInt(0); // entry and attribute timeouts: none, ask every time
        attr(reply, overlay.attributes(id));
    }

    private void attrOut(ByteBuffer reply, long id) throws FuseError {
        Overlay.Attributes a = overlay.attributes(id);
        reply.putLong(0).putInt(0).putInt(0);
        attr(reply, a);
    }

    private static void attr(ByteBuffer reply, Overlay.Attributes a) {
        reply.putLong(a.id()).putLong(a.size()).putLong((a.size() + 511) / 512);
        reply.putLong(a.atimeNanos() / 1_000_000_000L).putLong(a.mtimeNanos() / 1_000_000_000L)
                .putLong(a.ctimeNanos() / 1_000_000_000L);
        reply.putInt((int) (a.atimeNanos() % 1_000_000_000L)).putInt((int) (a.mtimeNanos() % 1_000_000_000L))
                .putInt((int) (a.ctimeNanos() % 1_000_000_000L));
        reply.putInt(a.mode()).putInt(a.nlink()).putInt(a.uid()).putInt(a.gid());
        reply.putInt(0).putInt(4096).putInt(0); // rdev, blksize, flags
    }

    private static void openOut(ByteBuffer reply, long handle) {
        // open_flags 0: the kernel's page cache is dropped at each open (no FOPEN_KEEP_CACHE), and
        // I/O goes through it (no FOPEN_DIRECT_IO, so shared mmap works: SQLite's -shm needs it).
        reply.putLong(handle).putInt(0).putInt(0);
    }

    private static String name(ByteBuffer body, int offset) {
        int end = offset;
        while (end < body.limit() && body.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - offset];
        body.duplicate().position(offset).get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
