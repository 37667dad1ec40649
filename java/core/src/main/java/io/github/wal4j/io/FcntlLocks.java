package io.github.wal4j.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The directory locks of {@link JavaStorage}: {@link FileChannel#tryLock()}, which is a classic
 * {@code fcntl} lock on Linux, kept safe inside one JVM.
 *
 * <p>An fcntl lock belongs to the process, and closing ANY descriptor of the file drops it. The
 * same lock file can be reached by several paths (a hard link, a bind mount, a second mount of the
 * file system), so the locks this JVM holds are known by the file's identity ({@link FileKeys}),
 * and a second attempt on a held file is refused before any channel is opened. A channel of the
 * lock file is closed only when its own lock is released: one whose attempt failed (the file is
 * held by another process, or by a channel this class does not know, which
 * {@link OverlappingFileLockException} reveals) is kept open, one per file, and the next attempt on
 * that file uses it again.
 *
 * <p>Thread-safe: one monitor, per JVM, guards every attempt and release.
 */
final class FcntlLocks {

    /**
     * The lock files this JVM holds through this layer, by {@link FileKeys key}; also the monitor of
     * every lock attempt and release, and of the two collections below.
     */
    private static final Set<Object> HELD = new HashSet<>();

    /** Lock-file channels kept open after failed attempts, by file key. */
    private static final Map<Object, FileChannel> SPARE_LOCK_CHANNELS = new HashMap<>();

    /**
     * Lock-file channels whose file is not known for sure (it was replaced during the attempt):
     * never closed, and referenced here so that no cleaner closes them either.
     */
    private static final List<FileChannel> UNKNOWN_LOCK_CHANNELS = new ArrayList<>();

    private FcntlLocks() {
    }

    /**
     * Takes an exclusive lock on {@code lockFile} (created {@code rw-------} if missing), without
     * waiting.
     *
     * @return the held lock, released (and its channel closed) by {@link Closeable#close()};
     *     {@code null} if another process, this JVM through any path, or a channel unknown to this
     *     class holds it, or if the file was replaced during the attempt
     */
    static Closeable tryLock(Path lockFile) throws IOException {
        synchronized (HELD) {
            Object before = FileKeys.of(lockFile);
            if (before != null && HELD.contains(before)) {
                return null;
            }
            FileChannel channel = before != null ? SPARE_LOCK_CHANNELS.remove(before) : null;
            if (channel != null && !channel.isOpen()) {
                channel = null; // closed by an interrupt of a thread in tryLock; it held no lock
            }
            if (channel == null) {
                channel = ChannelFile.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), ChannelFile.OWNER_ONLY);
            }
            // The identity of the file the channel is open on, read by path: the same as before the
            // open unless the file was replaced meanwhile; then the channel's file is unknown, may be
            // a held one, and the channel is kept for good.
            Object key;
            try {
                key = FileKeys.of(lockFile);
            } catch (IOException | RuntimeException | Error e) {
                UNKNOWN_LOCK_CHANNELS.add(channel);
                throw e;
            }
            if (key == null || (before != null && !before.equals(key))) {
                UNKNOWN_LOCK_CHANNELS.add(channel);
                return null;
            }
            if (HELD.contains(key)) {
                keep(key, channel); // created by another path to a held file between the two reads
                return null;
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held in this JVM through a channel this class did not open
            } catch (IOException | RuntimeException | Error e) {
                keep(key, channel);
                throw e;
            }
            if (lock == null) {
                keep(key, channel);
                return null;
            }
            HELD.add(key);
            return new ChannelLock(key, lock, channel);
        }
    }

    /** The number of lock-file channels kept open after failed attempts. */
    static int spareChannels() {
        synchronized (HELD) {
            return SPARE_LOCK_CHANNELS.size() + UNKNOWN_LOCK_CHANNELS.size();
        }
    }

    /** Keeps a channel of lock file {@code key} open for the next attempt instead of closing it. */
    private static void keep(Object key, FileChannel channel) {
        FileChannel previous = SPARE_LOCK_CHANNELS.putIfAbsent(key, channel);
        if (previous != null && previous != channel) {
            UNKNOWN_LOCK_CHANNELS.add(channel);
        }
    }

    /** A held lock and its channel: closing releases the lock and closes the channel, once. */
    private static final class ChannelLock implements Closeable {
        private final Object key;
        private final FileLock lock;
        private final FileChannel channel;
        private boolean closed; // guarded by HELD

        ChannelLock(Object key, FileLock lock, FileChannel channel) {
            this.key = key;
            this.lock = lock;
            this.channel = channel;
        }

        @Override
        public void close() throws IOException {
            synchronized (HELD) {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    lock.release();
                } finally {
                    try {
                        channel.close();
                    } finally {
                        HELD.remove(key);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "fcntl[" + key + "]";
        }
    }
}
