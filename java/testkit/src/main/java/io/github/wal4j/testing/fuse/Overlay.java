package io.github.wal4j.testing.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The state behind the mount: every inode's current state, and its durable state, which lives in
 * the backing directory.
 *
 * <p>The backing directory always holds the durable tree: a directory per durable directory, and a
 * hard link of a file's staging file ({@code .powercut-inodes/<id>} in the backing root) at each of
 * its durable names, so an fsync of a file reaches every durable name at once and a file whose
 * durable name is still pending keeps its durable data too. What is not durable lives in memory:
 * a file's unsynced pages ({@link FileData}), and the namespace changes (create, mkdir, link,
 * unlink, rmdir, rename) that no fsync of a directory they touch has covered yet. A rename touches
 * both its directories and becomes durable as one change when either is fsynced (as a journaling
 * file system commits it). Every method holds this object's lock; none blocks on the mount.
 */
final class Overlay {
    static final String STAGING = ".powercut-inodes";
    static final long ROOT = 1;
    private static final int MAX_RECENT_WRITES = 4096;

    private record Change(long dir, String name, Long target) {
    }

    /** A namespace change not durable yet: its entry changes, and the inodes it names or unnames. */
    private record PendingOp(List<Change> changes, Set<Long> inodes) {
        boolean touches(long dir) {
            for (Change c : changes) {
                if (c.dir == dir) {
                    return true;
                }
            }
            return false;
        }
    }

    private record RecentWrite(long node, long offset, int length) {
    }

    /** An open file or directory; a directory's listing is taken when it is opened. */
    record Handle(long node, List<DirEntry> listing) {
    }

    record DirEntry(String name, long node, boolean directory) {
    }

    private final Path backing;
    private final Path staging;
    private final Map<Long, Node> nodes = new HashMap<>();
    private final List<PendingOp> pending = new ArrayList<>();
    private final Deque<RecentWrite> recentWrites = new ArrayDeque<>();
    private final Map<Long, Handle> handles = new HashMap<>();
    private Map<String, Long> materialized = new HashMap<>();
    private long nextId = ROOT + 1;
    private long nextHandle = 1;

    private Overlay(Path backing) {
        this.backing = backing;
        this.staging = backing.resolve(STAGING);
    }

    /** Loads the tree in {@code backing} as the durable (and current) state. */
    static Overlay load(Path backing) throws IOException {
        Overlay overlay = new Overlay(backing);
        overlay.scan();
        return overlay;
    }

    private void scan() throws IOException {
        deleteRecursively(staging);
        Files.createDirectory(staging);
        Node root = directoryNode(ROOT, backing);
        nodes.put(ROOT, root);
        Map<Object, Long> byFileKey = new HashMap<>();
        scanDirectory(root, backing, "", byFileKey);
        materialized = durableTree();
    }

    private void scanDirectory(Node dir, Path path, String relative, Map<Object, Long> byFileKey) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (relative.isEmpty() && name.equals(STAGING)) {
                    continue;
                }
                BasicFileAttributes attributes = Files.readAttributes(child, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                Node node;
                if (attributes.isDirectory()) {
                    node = directoryNode(nextId++, child);
                    nodes.put(node.id, node);
                    scanDirectory(node, child, relative.isEmpty() ? name : relative + "/" + name, byFileKey);
                } else if (attributes.isRegularFile()) {
                    Long known = byFileKey.get(attributes.fileKey());
                    if (known != null) {
                        node = nodes.get(known);
                    } else {
                        long id = nextId++;
                        Path stagingFile = staging.resolve(Long.toString(id));
                        Files.createLink(stagingFile, child);
                        node = Node.file(id, mode(child), uid(child), 0, attributes.lastModifiedTime().toMillis()
                                * 1_000_000L, new FileData(stagingFile));
                        nodes.put(id, node);
                        if (attributes.fileKey() != null) {
                            byFileKey.put(attributes.fileKey(), id);
                        }
                    }
                    node.links++;
                } else {
                    throw new IOException("the power-cut file system serves directories and regular files only; "
                            + child + " is neither (a symbolic link or a special file)");
                }
                dir.entries.put(name, node.id);
                dir.durableEntries.put(name, node.id);
            }
        }
    }

    private static Node directoryNode(long id, Path path) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        return Node.directory(id, mode(path), uid(path), 0, attributes.lastModifiedTime().toMillis() * 1_000_000L);
    }

    private static int mode(Path path) throws IOException {
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return ((Integer) mode) & 07777;
    }

    private static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    // ---- lookups ---------------------------------------------------------------------------

    synchronized Node node(long id) throws FuseError {
        Node node = nodes.get(id);
        if (node == null) {
            throw new FuseError(FuseError.ENOENT, "no node " + id);
        }
        return node;
    }

    private Node directory(long id) throws FuseError {
        Node node = node(id);
        if (!node.directory) {
            throw new FuseError(FuseError.ENOTDIR, "node " + id + " is not a directory");
        }
        return node;
    }

    synchronized Node lookup(long parent, String name) throws FuseError {
        Long id = directory(parent).entries.get(name);
        if (id == null) {
            throw new FuseError(FuseError.ENOENT, name);
        }
        return node(id);
    }

    /** A copy of what {@code attr} reports, taken under the lock. */
    synchronized Attributes attributes(long id) throws FuseError {
        Node node = node(id);
        long size = node.directory ? 4096 : node.data.size();
        int nlink = node.directory ? 1 : Math.max(node.links, 0);
        return new Attributes(node.id, size, node.mode, nlink, node.uid, node.gid, node.atimeNanos,
                node.mtimeNanos, node.ctimeNanos);
    }

    record Attributes(long id, long size, int mode, int nlink, int uid, int gid, long atimeNanos, long mtimeNanos,
                      long ctimeNanos) {
    }

    // ---- namespace changes -----------------------------------------------------------------

    private static void checkName(long parent, String name) throws FuseError {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new FuseError(FuseError.EINVAL, "bad name " + name);
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            throw new FuseError(FuseError.ENAMETOOLONG, name);
        }
        if (parent == ROOT && name.equals(STAGING)) {
            throw new FuseError(FuseError.EPERM, STAGING + " is reserved in the root of the power-cut file system");
        }
    }

    synchronized Node createFile(long parent, String name, int permissions, int uid, int gid) throws FuseError,
            IOException {
        Node dir = directory(parent);
        checkName(parent, name);
        if (dir.entries.containsKey(name)) {
            throw new FuseError(FuseError.EEXIST, name);
        }
        long id = nextId++;
        Path stagingFile = staging.resolve(Long.toString(id));
        Files.createFile(stagingFile);
        Files.setPosixFilePermissions(stagingFile, permissions(permissions));
        Node node = Node.file(id, permissions, uid, gid, System.currentTimeMillis() * 1_000_000L,
                new FileData(stagingFile));
        nodes.put(id, node);
        link(dir, name, node);
        return node;
    }

    synchronized Node mkdir(long parent, String name, int permissions, int uid, int gid) throws FuseError {
        Node dir = directory(parent);
        checkName(parent, name);
        if (dir.entries.containsKey(name)) {
            throw new FuseError(FuseError.EEXIST, name);
        }
        Node node = Node.directory(nextId++, permissions, uid, gid, System.currentTimeMillis() * 1_000_000L);
        nodes.put(node.id, node);
        link(dir, name, node);
        return node;
    }

    synchronized Node hardLink(long target, long parent, String name) throws FuseError {
        Node node = node(target);
        Node dir = directory(parent);
        checkName(parent, name);
        if (node.directory) {
            throw new FuseError(FuseError.EPERM, "no hard links to directories");
        }
        if (dir.entries.containsKey(name)) {
            throw new FuseError(FuseError.EEXIST, name);
        }
        link(dir, name, node);
        return node;
    }

    private void link(Node dir, String name, Node node) {
        dir.entries.put(name, node.id);
        node.links++;
        touch(dir);
        pending.add(new PendingOp(List.of(new Change(dir.id, name, node.id)), Set.of(node.id)));
    }

    synchronized void unlink(long parent, String name, boolean directory) throws FuseError {
        Node dir = directory(parent);
        Long id = dir.entries.get(name);
        if (id == null) {
            throw new FuseError(FuseError.ENOENT, name);
        }
        Node node = node(id);
        if (directory && !node.directory) {
            throw new FuseError(FuseError.ENOTDIR, name);
        }
        if (!directory && node.directory) {
            throw new FuseError(FuseError.EISDIR, name);
        }
        if (node.directory && !node.entries.isEmpty()) {
            throw new FuseError(FuseError.ENOTEMPTY, name);
        }
        dir.entries.remove(name);
        node.links--;
        touch(dir);
        pending.add(new PendingOp(List.of(new Change(dir.id, name, null)), Set.of(id)));
    }

    synchronized void rename(long fromParent, String fromName, long toParent, String toName, int flags)
            throws FuseError {
        final int noReplace = 1;
        final int exchange = 2;
        if ((flags & ~(noReplace | exchange)) != 0) {
            throw new FuseError(FuseError.EINVAL, "rename flags " + flags);
        }
        Node from = directory(fromParent);
        Node to = directory(toParent);
        checkName(toParent, toName);
        Long moving = from.entries.get(fromName);
        if (moving == null) {
            throw new FuseError(FuseError.ENOENT, fromName);
        }
        Long replaced = to.entries.get(toName);
        if ((flags & exchange) != 0) {
            if (replaced == null) {
                throw new FuseError(FuseError.ENOENT, toName);
            }
            from.entries.put(fromName, replaced);
            to.entries.put(toName, moving);
            touch(from);
            touch(to);
            pending.add(new PendingOp(List.of(new Change(fromParent, fromName, replaced),
                    new Change(toParent, toName, moving)), inodes(moving, replaced)));
            return;
        }
        if (replaced != null && (flags & noReplace) != 0) {
            throw new FuseError(FuseError.EEXIST, toName);
        }
        if (moving.equals(replaced)) {
            return;
        }
        Node movingNode = node(moving);
        if (movingNode.directory && isAncestor(moving, toParent)) {
            throw new FuseError(FuseError.EINVAL, "a directory cannot move into itself");
        }
        if (replaced != null) {
            Node replacedNode = node(replaced);
            if (replacedNode.directory != movingNode.directory) {
                throw new FuseError(replacedNode.directory ? FuseError.EISDIR : FuseError.ENOTDIR, toName);
            }
            if (replacedNode.directory && !replacedNode.entries.isEmpty()) {
                throw new FuseError(FuseError.ENOTEMPTY, toName);
            }
            replacedNode.links--;
        }
        from.entries.remove(fromName);
        to.entries.put(toName, moving);
        touch(from);
        touch(to);
        pending.add(new PendingOp(List.of(new Change(fromParent, fromName, null), new Change(toParent, toName, moving)),
                inodes(moving, replaced)));
    }

    private static Set<Long> inodes(Long... ids) {
        Set<Long> set = new HashSet<>();
        for (Long id : ids) {
            if (id != null) {
                set.add(id);
            }
        }
        return set;
    }

    private boolean isAncestor(long ancestor, long dir) {
        // Walks down from the candidate: is dir among its current descendants?
        Deque<Long> todo = new ArrayDeque<>(List.of(ancestor));
        Set<Long> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            long id = todo.pop();
            if (id == dir) {
                return true;
            }
            Node node = nodes.get(id);
            if (node != null && node.directory && seen.add(id)) {
                todo.addAll(node.entries.values());
            }
        }
        return false;
    }

    private static void touch(Node node) {
        long now = System.currentTimeMillis() * 1_000_000L;
        node.mtimeNanos = now;
        node.ctimeNanos = now;
    }

    // ---- attributes ------------------------------------------------------------------------

    synchronized void setMode(long id, int permissions) throws FuseError, IOException {
        Node node = node(id);
        node.mode = (node.mode & Node.S_IFMT) | (permissions & 07777);
        node.ctimeNanos = System.currentTimeMillis() * 1_000_000L;
        if (!node.directory) {
            Files.setPosixFilePermissions(node.data.staging(), permissions(permissions));
        }
    }

    synchronized void setOwner(long id, Integer uid, Integer gid) throws FuseError {
        Node node = node(id);
        if (uid != null) {
            node.uid = uid;
        }
        if (gid != null) {
            node.gid = gid;
        }
    }

    synchronized void setTimes(long id, Long atimeNanos, Long mtimeNanos) throws FuseError {
        Node node = node(id);
        if (atimeNanos != null) {
            node.atimeNanos = atimeNanos;
        }
        if (mtimeNanos != null) {
            node.mtimeNanos = mtimeNanos;
        }
    }

    synchronized void truncate(long id, long size) throws FuseError, IOException {
        Node node = node(id);
        if (node.directory) {
            throw new FuseError(FuseError.EISDIR, "truncate of a directory");
        }
        if (size < 0) {
            throw new FuseError(FuseError.EINVAL, "size " + size);
        }
        node.data.truncate(size);
        touch(node);
    }

    // ---- handles and data ------------------------------------------------------------------

    synchronized long open(long id, boolean directory) throws FuseError {
        Node node = node(id);
        if (directory != node.directory) {
            throw new FuseError(directory ? FuseError.ENOTDIR : FuseError.EISDIR, "node " + id);
        }
        List<DirEntry> listing = null;
        if (directory) {
            listing = new ArrayList<>();
            listing.add(new DirEntry(".", id, true));
            listing.add(new DirEntry("..", id, true));
            for (Map.Entry<String, Long> e : node.entries.entrySet()) {
                Node child = nodes.get(e.getValue());
                if (child != null) {
                    listing.add(new DirEntry(e.getKey(), child.id, child.directory));
                }
            }
        }
        long handle = nextHandle++;
        handles.put(handle, new Handle(id, listing));
        return handle;
    }

    /** The open handle; a handle from before a power cut is gone (EIO: the process that held it died). */
    synchronized Handle handle(long handle) throws FuseError {
        Handle h = handles.get(handle);
        if (h == null) {
            throw new FuseError(FuseError.EIO, "handle " + handle + " is not open (opened before a power cut?)");
        }
        return h;
    }

    synchronized void release(long handle) throws IOException {
        Handle h = handles.remove(handle);
        Node node = h == null ? null : nodes.get(h.node);
        if (node != null && !node.directory && node.links <= 0) {
            collectGarbage();
        }
    }

    synchronized byte[] read(long handle, long offset, int length) throws FuseError, IOException {
        Node node = node(handle(handle).node);
        return node.data.read(offset, length);
    }

    synchronized void write(long handle, long offset, ByteBuffer bytes) throws FuseError, IOException {
        Node node = node(handle(handle).node);
        int length = bytes.remaining();
        node.data.write(offset, bytes);
        touch(node);
        recentWrites.addLast(new RecentWrite(node.id, offset, length));
        if (recentWrites.size() > MAX_RECENT_WRITES) {
            recentWrites.removeFirst();
        }
    }

    /** FALLOCATE: mode 0 extends the size (the new bytes read as zeros), KEEP_SIZE alone does nothing, PUNCH_HOLE and ZERO_RANGE zero. */
    synchronized void allocate(long handle, long offset, long length, int mode) throws FuseError, IOException {
        final int keepSize = 0x01;
        final int punchHole = 0x02;
        final int zeroRange = 0x10;
        Node node = node(handle(handle).node);
        if (offset < 0 || length <= 0) {
            throw new FuseError(FuseError.EINVAL, "fallocate " + offset + "+" + length);
        }
        if (mode == 0) {
            if (offset + length > node.data.size()) {
                node.data.truncate(offset + length);
            }
        } else if (mode == keepSize) {
            return;
        } else if (mode == (punchHole | keepSize) || mode == (zeroRange | keepSize)) {
            node.data.zero(offset, length, false);
        } else if (mode == zeroRange) {
            node.data.zero(offset, length, true);
        } else {
            throw new FuseError(FuseError.EOPNOTSUPP, "fallocate mode " + mode);
        }
        touch(node);
    }

    /** fsync or fdatasync of a file: its content and size become durable (its names do not). */
    synchronized void syncFile(long id) throws FuseError, IOException {
        Node node = node(id);
        if (node.directory) {
            syncDirectory(id);
            return;
        }
        node.data.sync();
        recentWrites.removeIf(w -> w.node == id);
    }

    /**
     * fsync of a directory: every pending namespace change that touches it becomes durable, and
     * with each, every earlier pending change of an inode it names (in their order), as a file
     * system keeps one inode's changes in order: a directory created in one place and moved to
     * another ends up durable in one of them, never both.
     */
    synchronized void syncDirectory(long id) throws FuseError, IOException {
        directory(id);
        boolean[] chosen = new boolean[pending.size()];
        Set<Long> inodes = new HashSet<>();
        boolean any = false;
        for (int i = pending.size() - 1; i >= 0; i--) {
            PendingOp op = pending.get(i);
            boolean shares = false;
            for (Long inode : op.inodes) {
                shares |= inodes.contains(inode);
            }
            if (op.touches(id) || shares) {
                chosen[i] = true;
                inodes.addAll(op.inodes);
                any = true;
            }
        }
        if (!any) {
            return;
        }
        List<PendingOp> kept = new ArrayList<>();
        for (int i = 0; i < chosen.length; i++) {
            if (chosen[i]) {
                apply(pending.get(i));
            } else {
                kept.add(pending.get(i));
            }
        }
        pending.clear();
        pending.addAll(kept);
        materialize();
        collectGarbage();
    }

    private void apply(PendingOp op) {
        for (Change c : op.changes) {
            Node dir = nodes.get(c.dir);
            if (dir == null) {
                continue;
            }
            if (c.target == null) {
                dir.durableEntries.remove(c.name);
            } else {
                dir.durableEntries.put(c.name, c.target);
            }
        }
    }

    // ---- the durable tree in the backing directory -----------------------------------------

    /** Relative path (slash-separated, "" for the root) to node id, of every durable name reachable from the root. */
    private Map<String, Long> durableTree() {
        Map<String, Long> tree = new HashMap<>();
        tree.put("", ROOT);
        Deque<String> todo = new ArrayDeque<>(List.of(""));
        Set<Long> seen = new HashSet<>(List.of(ROOT));
        while (!todo.isEmpty()) {
            String path = todo.pop();
            Node dir = nodes.get(tree.get(path));
            for (Map.Entry<String, Long> e : dir.durableEntries.entrySet()) {
                Node child = nodes.get(e.getValue());
                if (child == null) {
                    continue;
                }
                String childPath = path.isEmpty() ? e.getKey() : path + "/" + e.getKey();
                if (child.directory) {
                    if (seen.add(child.id)) {
                        tree.put(childPath, child.id);
                        todo.push(childPath);
                    }
                } else {
                    tree.put(childPath, child.id);
                }
            }
        }
        return tree;
    }

    /** Makes the backing directory hold the durable tree: removes what left it, adds what joined it. */
    private void materialize() throws IOException {
        Map<String, Long> tree = durableTree();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, Long> e : materialized.entrySet()) {
            if (!e.getValue().equals(tree.get(e.getKey()))) {
                removed.add(e.getKey());
            }
        }
        removed.sort(Comparator.reverseOrder());
        Set<String> removedDirectories = new HashSet<>();
        for (String path : removed) {
            Path p = backing.resolve(path);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                removedDirectories.add(path);
                deleteRecursively(p);
            } else {
                Files.deleteIfExists(p);
            }
        }
        List<String> added = new ArrayList<>();
        for (Map.Entry<String, Long> e : tree.entrySet()) {
            if (e.getKey().isEmpty()) {
                continue;
            }
            if (!e.getValue().equals(materialized.get(e.getKey())) || underAny(e.getKey(), removedDirectories)) {
                added.add(e.getKey());
            }
        }
        added.sort(Comparator.naturalOrder());
        for (String path : added) {
            Node node = nodes.get(tree.get(path));
            Path p = backing.resolve(path);
            if (node.directory) {
                try {
                    Files.createDirectory(p);
                } catch (FileAlreadyExistsException e) {
                    // already there (a directory removed above and re-added under the same name)
                }
                Files.setPosixFilePermissions(p, permissions(node.mode));
            } else {
                Files.deleteIfExists(p);
                Files.createLink(p, node.data.staging());
            }
        }
        materialized = tree;
    }

    private static boolean underAny(String path, Set<String> directories) {
        if (directories.isEmpty()) {
            return false;
        }
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            if (directories.contains(path.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forgets nodes that nothing can bring back: no name reaches them now or durably (a durable
     * entry of a directory that is not durable yet counts: a later fsync of its parent makes it
     * reachable), and no handle holds them.
     */
    private void collectGarbage() throws IOException {
        Set<Long> live = new HashSet<>(materialized.values());
        Set<Long> visited = new HashSet<>();
        Deque<Long> todo = new ArrayDeque<>(List.of(ROOT));
        for (Handle h : handles.values()) {
            todo.push(h.node);
        }
        while (!todo.isEmpty()) {
            long id = todo.pop();
            Node node = nodes.get(id);
            if (node == null || !visited.add(id)) {
                continue;
            }
            live.add(id);
            if (node.directory) {
                todo.addAll(node.entries.values());
                todo.addAll(node.durableEntries.values());
            }
        }
        Iterator<Map.Entry<Long, Node>> it = nodes.entrySet().iterator();
        while (it.hasNext()) {
            Node node = it.next().getValue();
            if (!live.contains(node.id)) {
                forgetNode(node);
                it.remove();
            }
        }
    }

    private void forgetNode(Node node) throws IOException {
        if (!node.directory) {
            node.data.close();
            Files.deleteIfExists(node.data.staging());
        }
    }

    // ---- power cut, clean unmount ----------------------------------------------------------

    /**
     * The power cut: tears the last unsynced writes as {@code tear} says, then puts every file and
     * directory back to its durable state, forgets what no durable name reaches, and closes every
     * handle.
     *
     * @return the ids of every node the kernel may have cached (to invalidate)
     */
    synchronized Collection<Long> cut(Tear tear) throws IOException {
        List<Long> known = new ArrayList<>(nodes.keySet());
        if (tear.lastWrites() > 0) {
            tearLastWrites(tear);
        }
        recentWrites.clear();
        pending.clear();
        handles.clear();
        for (Node node : nodes.values()) {
            if (node.directory) {
                node.entries.clear();
                node.entries.putAll(node.durableEntries);
            } else {
                node.data.dropUnsynced();
                node.links = 0;
            }
        }
        materialize();
        Set<Long> live = new HashSet<>(materialized.values());
        Iterator<Map.Entry<Long, Node>> it = nodes.entrySet().iterator();
        while (it.hasNext()) {
            Node node = it.next().getValue();
            if (!live.contains(node.id)) {
                forgetNode(node);
                it.remove();
            }
        }
        for (Node node : nodes.values()) {
            if (node.directory) {
                for (Long child : node.entries.values()) {
                    Node c = nodes.get(child);
                    if (c != null && !c.directory) {
                        c.links++;
                    }
                }
            }
        }
        return known;
    }

    private void tearLastWrites(Tear tear) throws IOException {
        List<RecentWrite> torn = new ArrayList<>();
        Iterator<RecentWrite> newestFirst = recentWrites.descendingIterator();
        while (newestFirst.hasNext() && torn.size() < tear.lastWrites()) {
            torn.add(0, newestFirst.next());
        }
        Random random = new Random(tear.seed());
        int sector = tear.sectorBytes();
        record Piece(Node node, long offset, byte[] bytes, boolean kept) {
        }
        List<Piece> pieces = new ArrayList<>();
        Map<Long, Long> newDurableSize = new HashMap<>();
        for (RecentWrite w : torn) {
            Node node = nodes.get(w.node);
            if (node == null || node.directory || w.length == 0) {
                continue;
            }
            newDurableSize.putIfAbsent(node.id, node.data.durableSize());
            for (long s = w.offset / sector; s <= (w.offset + w.length - 1) / sector; s++) {
                long start = s * sector;
                boolean kept = random.nextBoolean();
                byte[] now = node.data.read(start, sector);
                if (now.length == 0) {
                    continue;
                }
                if (kept) {
                    newDurableSize.merge(node.id, start + now.length, Math::max);
                    pieces.add(new Piece(node, start, now, true));
                } else if (tear.lost() != LostSectors.OLD) {
                    byte[] fill = new byte[sector];
                    if (tear.lost() == LostSectors.GARBAGE) {
                        random.nextBytes(fill);
                    }
                    pieces.add(new Piece(node, start, fill, false));
                }
            }
        }
        for (Piece piece : pieces) {
            long limit = newDurableSize.get(piece.node.id);
            int n = (int) Math.max(0, Math.min(piece.bytes.length, limit - piece.offset));
            if (n > 0) {
                piece.node.data.writeDurable(piece.offset, n == piece.bytes.length ? piece.bytes
                        : java.util.Arrays.copyOf(piece.bytes, n));
            }
        }
    }

    /** A clean unmount: everything becomes durable (as {@code syncfs} before an unmount). */
    synchronized void syncAll() throws IOException {
        for (Node node : nodes.values()) {
            if (!node.directory) {
                node.data.sync();
            }
        }
        for (PendingOp op : pending) {
            apply(op);
        }
        pending.clear();
        recentWrites.clear();
        materialize();
        handles.clear();
        collectGarbage();
    }

    /** Closes every staging file and removes the staging directory: the backing holds the durable tree alone. */
    synchronized void close() throws IOException {
        for (Node node : nodes.values()) {
            if (!node.directory) {
                node.data.close();
            }
        }
        deleteRecursively(staging);
    }

    synchronized boolean hasUnsyncedState() throws IOException {
        if (!pending.isEmpty()) {
            return true;
        }
        for (Node node : nodes.values()) {
            if (!node.directory && node.data.isDirty()) {
                return true;
            }
        }
        return false;
    }

    // ---- helpers ---------------------------------------------------------------------------

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }

    synchronized FileStoreNumbers statfs() throws IOException {
        java.nio.file.FileStore store = Files.getFileStore(backing);
        return new FileStoreNumbers(store.getTotalSpace(), store.getUsableSpace(), store.getUnallocatedSpace());
    }

    record FileStoreNumbers(long total, long usable, long free) {
    }
}
