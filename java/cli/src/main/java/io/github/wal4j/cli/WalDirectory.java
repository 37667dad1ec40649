package io.github.wal4j.cli;

import io.github.wal4j.WalException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalUnsafeDirectoryException;
import io.github.wal4j.io.IoLayers;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.io.nativeio.NativeIo;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.log.CheckpointStore;
import io.github.wal4j.log.FileSafety;
import io.github.wal4j.log.SegmentKeys;
import io.github.wal4j.log.LogFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A WAL directory as the commands see it: checked the way {@code WriteAheadLog.open} checks it, by
 * the same code ({@link FileSafety#checkLogDirectory}: only its owner can change it, this process
 * can write to it, it holds only this log's files and no symbolic link), the I/O layer chosen, and
 * the directory lock, which a command takes when it is free and releases when it closes.
 *
 * <p>Nothing here creates a file: if {@code wal.lock} does not exist, no process has the log open
 * (every open creates it before locking), and the lock is not tried.
 */
final class WalDirectory implements Closeable {

    /** What the lock attempt found. */
    enum LockState {
        /** This command holds the lock. */
        TAKEN("free: held by this command while it runs"),
        /** Taken and released at once (inspect). */
        FREE("free (taken and released at once by this inspection)"),
        /** Another process (or another open log in this JVM) holds it. */
        HELD("HELD: the log is open in another process"),
        /** No wal.lock: never opened, or copied without it; nothing can hold it. */
        NO_LOCK_FILE("free: no wal.lock file (the log was never opened here, or was copied without it)");

        final String text;

        LockState(String text) {
            this.text = text;
        }
    }

    final Path dir;
    final Storage storage;
    final String requestedLayer;
    private Closeable lock;
    private LockState lockState;

    private WalDirectory(Path dir, Storage storage, String requestedLayer) {
        this.dir = dir;
        this.storage = storage;
        this.requestedLayer = requestedLayer;
    }

    /**
     * Checks that {@code path} is a WAL directory that {@code WriteAheadLog.open} (with
     * {@code withSharedDirectoryAllowed(sharedAllowed)}) would accept, and chooses the I/O layer. As
     * open does, a path that is itself a symbolic link is resolved once, here; a symbolic link inside
     * the directory is refused, and never followed.
     *
     * @throws CliException {@link Wal4jCli#NOT_A_WAL} for a missing path, a file, a symbolic link
     *     inside the directory or foreign files (the message of open's {@link WalFormatException});
     *     {@link Wal4jCli#POLICY} for a directory other users could change (the message of open's
     *     {@link WalUnsafeDirectoryException}, naming {@code --allow-shared-directory});
     *     {@link Wal4jCli#FAILED} if the layer cannot be used
     * @throws WalException if this process cannot write to the directory, as open throws it
     */
    static WalDirectory check(Path path, String ioLayer, boolean sharedAllowed) throws CliException, IOException {
        Path dir = existingDirectory(path);
        try {
            FileSafety.checkLogDirectory(dir, sharedAllowed);
        } catch (WalUnsafeDirectoryException e) {
            throw new CliException(Wal4jCli.POLICY, "refused, as WriteAheadLog.open refuses it: " + e.getMessage()
                    .replace(FileSafety.SHARED_DIRECTORY_OPTION, "--allow-shared-directory"), e);
        } catch (WalFormatException e) {
            throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + e.getMessage(), e);
        }
        return new WalDirectory(dir, layer(ioLayer), ioLayer);
    }

    /**
     * As {@link #check} but without open's access checks (who may change the directory, whether this
     * process may write to it), for {@code inspect}, which shows them instead of refusing.
     */
    static WalDirectory forInspection(Path path, String ioLayer) throws CliException, IOException {
        Path dir = existingDirectory(path);
        try {
            LogFiles.checkContents(dir);
        } catch (WalFormatException e) {
            throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + e.getMessage(), e);
        }
        return new WalDirectory(dir, layer(ioLayer), ioLayer);
    }

    /** The real path of {@code path}, which must be an existing directory (the CLI never creates one). */
    private static Path existingDirectory(Path path) throws CliException, IOException {
        Path given = path.toAbsolutePath().normalize();
        if (!Files.exists(given)) {
            throw new CliException(Wal4jCli.NOT_A_WAL, "no such directory: " + given
                    + (Files.isSymbolicLink(given) ? " (a symbolic link to a missing path)" : ""));
        }
        Path dir = FileSafety.resolve(given);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + dir
                    + " is not a directory: a WAL is a directory of its own");
        }
        return dir;
    }

    private static Storage layer(String ioLayer) throws CliException {
        try {
            return IoLayers.select(ioLayer);
        } catch (IllegalArgumentException e) {
            throw new CliException(Wal4jCli.USAGE, e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(Wal4jCli.FAILED, e.getMessage(), e);
        }
    }

    /**
     * Why users other than this one could change the files in the directory, or {@code null}: what
     * {@code WriteAheadLog.open} refuses unless {@code WalOptions.withSharedDirectoryAllowed(true)}.
     */
    String unsafeReason() throws IOException {
        return FileSafety.unsafeDirectoryReason(dir);
    }

    /** Takes the lock if it is free and keeps it until {@link #close()}; returns what was found. */
    LockState lock() throws IOException {
        Path lockFile = dir.resolve(LogFiles.LOCK);
        if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            lockState = LockState.NO_LOCK_FILE;
            return lockState;
        }
        lock = storage.tryLock(lockFile);
        lockState = lock == null ? LockState.HELD : LockState.TAKEN;
        return lockState;
    }

    /** Tries the lock and releases it at once. */
    LockState probeLock() throws IOException {
        LockState state = lock();
        if (state == LockState.TAKEN) {
            unlock();
            lockState = LockState.FREE;
        }
        return lockState;
    }

    /** Releases the lock if this command holds it. */
    void unlock() throws IOException {
        Closeable held = lock;
        lock = null;
        if (held != null) {
            held.close();
        }
    }

    LockState lockState() {
        return lockState;
    }

    /** The names of the files in the directory, sorted. */
    List<String> names() throws IOException {
        List<String> names = new ArrayList<>(storage.list(dir));
        names.sort(null);
        return names;
    }

    /** The segment ids, in order. */
    List<Long> segmentIds() throws IOException {
        List<Long> ids = new ArrayList<>();
        for (String name : names()) {
            long id = LogFiles.segmentId(name);
            if (id >= 0) {
                ids.add(id);
            }
        }
        ids.sort(null);
        return ids;
    }

    /** The bytes of all segments: the total a full scan reads. */
    long segmentBytes() throws IOException {
        long total = 0;
        for (long id : segmentIds()) {
            total += Files.size(segment(id));
        }
        return total;
    }

    Path segment(long id) {
        return dir.resolve(LogFiles.segmentName(id));
    }

    /** Files set aside by an earlier point-in-time recovery ({@code *.broken}). */
    List<String> setAside() throws IOException {
        return names().stream().filter(n -> n.contains(LogFiles.BROKEN_SUFFIX)).toList();
    }

    /**
     * The checkpoint in force.
     *
     * @throws io.github.wal4j.WalCorruptedException if the CHECKPOINT file is damaged
     */
    Checkpoint checkpoint(Storage through, SegmentKeys keys) throws IOException {
        return new CheckpointStore(through, dir, keys).read();
    }

    /** One line on the active I/O layer and why it is the one. */
    String layerDescription() {
        String name = storage.name();
        if (name.equals(IoLayers.NATIVE)) {
            return "native (libwal4j loaded from " + NativeIo.libraryLocation() + ")";
        }
        String requested = requestedLayer;
        String source = "--io " + requested;
        if (requested == null || requested.isBlank()) {
            requested = System.getProperty(IoLayers.PROPERTY);
            source = "-D" + IoLayers.PROPERTY + "=" + requested;
        }
        if (requested == null || requested.isBlank() || requested.strip().equalsIgnoreCase(IoLayers.AUTO)) {
            String reason = String.valueOf(NativeIo.unavailabilityReason());
            int cut = reason.indexOf("; ");
            return name + " (native unavailable: " + (cut > 0 ? reason.substring(0, cut) : reason) + ")";
        }
        return name + " (" + source + ")";
    }

    @Override
    public void close() throws IOException {
        unlock();
    }
}
