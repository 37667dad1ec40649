package io.github.wal4j.testing.fuse;

import java.util.TreeMap;

/**
 * One inode of the mounted tree: a directory (its current entries and its durable ones) or a
 * regular file ({@link FileData}). Modes, owners and times are kept as set, not crash-modelled.
 * Guarded by the {@link Overlay} lock.
 */
final class Node {
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFMT = 0170000;

    final long id;
    final boolean directory;
    int mode;
    int uid;
    int gid;
    long atimeNanos;
    long mtimeNanos;
    long ctimeNanos;
    /** Directories: the entries now, name to node id. */
    final TreeMap<String, Long> entries;
    /** Directories: the entries a power cut leaves, name to node id. */
    final TreeMap<String, Long> durableEntries;
    /** Regular files: the content. */
    final FileData data;
    /** Regular files: how many current directory entries name it. */
    int links;

    private Node(long id, boolean directory, int mode, int uid, int gid, long nowNanos, FileData data) {
        this.id = id;
        this.directory = directory;
        this.mode = mode;
        this.uid = uid;
        this.gid = gid;
        this.atimeNanos = nowNanos;
        this.mtimeNanos = nowNanos;
        this.ctimeNanos = nowNanos;
        this.entries = directory ? new TreeMap<>() : null;
        this.durableEntries = directory ? new TreeMap<>() : null;
        this.data = data;
    }

    static Node directory(long id, int permissions, int uid, int gid, long nowNanos) {
        return new Node(id, true, S_IFDIR | (permissions & 07777), uid, gid, nowNanos, null);
    }

    static Node file(long id, int permissions, int uid, int gid, long nowNanos, FileData data) {
        return new Node(id, false, S_IFREG | (permissions & 07777), uid, gid, nowNanos, data);
    }
}
