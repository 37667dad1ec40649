package io.github.wal4j.cli;

import io.github.wal4j.WalException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalUnsafeDirectoryException;
import io.github.wal4j.inspect.IoLayerChoice;
import io.github.wal4j.inspect.LockStatus;
import io.github.wal4j.inspect.LogFileNames;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.spi.Storage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * A WAL directory as the commands see it: a {@link LogInspection}, checked the way
 * {@code WriteAheadLog.open} checks it, by the same code (only its owner can change it, this process
 * can write to it, it holds only this log's files and no symbolic link), the I/O layer chosen, and
 * the directory lock, which a command takes when it is free and releases when it closes.
 *
 * <p>Nothing here creates a file: if {@code wal.lock} does not exist, no process has the log open
 * (every open creates it before locking), and the lock is not tried.
 */
final class WalDirectory implements Closeable {

    /** What the lock attempt found, in the tool's words. */
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

        static LockState of(LockStatus status) {
            return status == null ? null : valueOf(status.name());
        }
    }

    final Path dir;
    final Storage storage;
    final LogInspection inspection;

    private WalDirectory(LogInspection inspection) {
        this.inspection = inspection;
        this.dir = inspection.directory();
        this.storage = inspection.storage();
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
     * @throws WalException if this process cannot write to it, as open throws it
     */
    static WalDirectory check(Path path, WalOptions options) throws CliException, IOException {
        Path dir = existingDirectory(path);
        try {
            return new WalDirectory(LogInspection.open(dir, options));
        } catch (WalUnsafeDirectoryException e) {
            throw new CliException(Wal4jCli.POLICY, "refused, as WriteAheadLog.open refuses it: " + e.getMessage()
                    .replace(LogInspection.SHARED_DIRECTORY_OPTION, "--allow-shared-directory"), e);
        } catch (WalFormatException e) {
            throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CliException(Wal4jCli.USAGE, e.getMessage(), e);
        } catch (LogInspection.LayerUnavailableException e) {
            throw new CliException(Wal4jCli.FAILED, e.getMessage(), e);
        }
    }

    /**
     * As {@link #check} but without open's access checks (who may change the directory, whether this
     * process may write to it), for {@code inspect}, which shows them instead of refusing.
     */
    static WalDirectory forInspection(Path path, WalOptions options) throws CliException, IOException {
        Path dir = existingDirectory(path);
        try {
            return new WalDirectory(LogInspection.openWithoutAccessChecks(dir, options));
        } catch (WalFormatException e) {
            throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CliException(Wal4jCli.USAGE, e.getMessage(), e);
        } catch (LogInspection.LayerUnavailableException e) {
            throw new CliException(Wal4jCli.FAILED, e.getMessage(), e);
        }
    }

    /** The real path of {@code path}, which must be an existing directory (the CLI never creates one). */
    private static Path existingDirectory(Path path) throws CliException, IOException {
        Path given = path.toAbsolutePath().normalize();
        if (!Files.exists(given)) {
            throw new CliException(Wal4jCli.NOT_A_WAL, "no such directory: " + given
                    + (Files.isSymbolicLink(given) ? " (a symbolic link to a missing path)" : ""));
        }
        Path dir = given.toRealPath();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliException(Wal4jCli.NOT_A_WAL, "not a wal4j log: " + dir
                    + " is not a directory: a WAL is a directory of its own");
        }
        return dir;
    }

    /**
     * The inspection reading through {@code through} (a counting layer over {@link #storage}), with
     * the keys given with {@code --key} (read from their files now).
     */
    LogInspection reading(Storage through, CommonOptions common) throws CliException {
        return inspection.readingThrough(through, common.keyProvider());
    }

    /**
     * Why users other than this one could change the files in the directory, or {@code null}: what
     * {@code WriteAheadLog.open} refuses unless {@code WalOptions.withSharedDirectoryAllowed(true)}.
     */
    String unsafeReason() throws IOException {
        return inspection.accessProblem();
    }

    /** Takes the lock if it is free and keeps it until {@link #close()}; returns what was found. */
    LockState lock() throws IOException {
        return LockState.of(inspection.tryLock());
    }

    /** Tries the lock and releases it at once. */
    LockState probeLock() throws IOException {
        return LockState.of(inspection.probeLock());
    }

    /** Releases the lock if this command holds it. */
    void unlock() throws IOException {
        inspection.unlock();
    }

    LockState lockState() {
        return LockState.of(inspection.lockStatus());
    }

    /** The names of the files in the directory, sorted. */
    List<String> names() throws IOException {
        return inspection.fileNames();
    }

    /** The segment ids, in order. */
    List<Long> segmentIds() throws IOException {
        return inspection.segmentIds();
    }

    /** The bytes of all segments: the total a full scan reads. */
    long segmentBytes() throws IOException {
        return inspection.segmentBytes();
    }

    Path segment(long id) {
        return inspection.segmentPath(id);
    }

    /** Files set aside by an earlier point-in-time recovery ({@code *.broken}). */
    List<String> setAside() throws IOException {
        return names().stream().filter(n -> n.contains(LogFileNames.BROKEN_SUFFIX)).toList();
    }

    /** One line on the active I/O layer and why it is the one. */
    String layerDescription() {
        IoLayerChoice layer = inspection.ioLayer();
        String name = layer.name();
        if (name.equals(IoLayerChoice.NATIVE)) {
            return "native (" + layer.nativeLocation() + ")";
        }
        String requested = layer.requested();
        String source = layer.fromProperty() ? "-D" + IoLayerChoice.PROPERTY + "=" + requested : "--io " + requested;
        if (requested == null || requested.isBlank() || requested.strip().equalsIgnoreCase("auto")) {
            String reason = String.valueOf(layer.nativeUnavailable());
            int cut = reason.indexOf("; ");
            return name + " (native unavailable: " + (cut > 0 ? reason.substring(0, cut) : reason) + ")";
        }
        return name + " (" + source + ")";
    }

    @Override
    public void close() throws IOException {
        inspection.close();
    }
}
