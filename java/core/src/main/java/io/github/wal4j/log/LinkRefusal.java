package io.github.wal4j.log;

import io.github.wal4j.WalFormatException;
import io.github.wal4j.io.SymbolicLinks;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.spi.SymbolicLinkException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The engine's view of a file layer, in which an open refused because the path is a symbolic link
 * ({@link SymbolicLinkException}, the layer's report) is the caller's {@link WalFormatException}
 * with the policy and the fix. The log and the inspection read every file through one of these, so
 * the layers report what they found and this one place says what wal4j makes of it.
 */
final class LinkRefusal extends ForwardingStorage {

    private LinkRefusal(Storage layer) {
        super(layer);
    }

    /** {@code layer}, seen through a {@code LinkRefusal} (once: a second wrap adds nothing). */
    static Storage around(Storage layer) {
        return layer instanceof LinkRefusal ? layer : new LinkRefusal(layer);
    }

    static WalFormatException refused(SymbolicLinkException e) {
        return new WalFormatException(SymbolicLinks.describe(Path.of(e.getFile())) + ": wal4j never follows a"
                + " symbolic link to a log's file or snapshot (one planted there could make it read, overwrite or"
                + " create another file); remove the link or put the real file there; the link's target was not"
                + " touched", e);
    }

    @Override
    public StorageFile create(Path path) throws IOException {
        return refusingLinks(() -> super.create(path));
    }

    @Override
    public StorageFile openWrite(Path path) throws IOException {
        return refusingLinks(() -> super.openWrite(path));
    }

    @Override
    public StorageFile openRead(Path path) throws IOException {
        return refusingLinks(() -> super.openRead(path));
    }

    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        return refusingLinks(() -> super.tryLock(lockFile));
    }

    @Override
    public StorageFile openDirectWrite(Path path) throws IOException {
        return refusingLinks(() -> super.openDirectWrite(path));
    }

    @Override
    public StorageFile openDirectRead(Path path) throws IOException {
        return refusingLinks(() -> super.openDirectRead(path));
    }

    @Override
    public StorageFile createDirect(Path path) throws IOException {
        return refusingLinks(() -> super.createDirect(path));
    }

    @Override
    public StorageFile openDeviceRead(Path path) throws IOException {
        return refusingLinks(() -> super.openDeviceRead(path));
    }

    @Override
    public int directIoAlignment(Path dir) throws IOException {
        return refusingLinks(() -> super.directIoAlignment(dir));
    }

    @Override
    public boolean probeDirectIo(Path dir) throws IOException {
        return refusingLinks(() -> super.probeDirectIo(dir));
    }

    /** An open of the layer's. */
    @FunctionalInterface
    private interface Open<T> {
        T call() throws IOException;
    }

    private static <T> T refusingLinks(Open<T> open) throws IOException {
        try {
            return open.call();
        } catch (SymbolicLinkException e) {
            throw refused(e);
        }
    }
}
