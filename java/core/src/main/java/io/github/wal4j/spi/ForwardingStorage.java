package io.github.wal4j.spi;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A {@link Storage} that passes every call to another one: the base for layers that watch or change
 * a few calls (progress counting, fault injection in tests). Every file it opens goes through
 * {@link #wrap}, which returns the file unchanged unless overridden.
 */
public class ForwardingStorage implements Storage {
    private final Storage delegate;

    public ForwardingStorage(Storage delegate) {
        this.delegate = delegate;
    }

    /** The layer this one forwards to. */
    protected final Storage delegate() {
        return delegate;
    }

    /** Every file opened through this layer passes here; the default returns it unchanged. */
    protected StorageFile wrap(Path path, StorageFile file) {
        return file;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public boolean interruptSafe() {
        return delegate.interruptSafe();
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return delegate.exists(path);
    }

    @Override
    public StorageFile create(Path path) throws IOException {
        return wrap(path, delegate.create(path));
    }

    @Override
    public StorageFile openWrite(Path path) throws IOException {
        return wrap(path, delegate.openWrite(path));
    }

    @Override
    public StorageFile openRead(Path path) throws IOException {
        return wrap(path, delegate.openRead(path));
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        delegate.rename(source, target);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(path);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }

    @Override
    public Closeable tryLock(Path lockFile) throws IOException {
        return delegate.tryLock(lockFile);
    }

    @Override
    public int directIoAlignment(Path dir) throws IOException {
        return delegate.directIoAlignment(dir);
    }

    @Override
    public StorageFile openDirectWrite(Path path) throws IOException {
        return wrap(path, delegate.openDirectWrite(path));
    }

    /** Not passed through {@link #wrap}: device reads are for checks, not for the log's data path. */
    @Override
    public StorageFile openDirectRead(Path path) throws IOException {
        return wrap(path, delegate.openDirectRead(path));
    }

    @Override
    public StorageFile createDirect(Path path) throws IOException {
        return wrap(path, delegate.createDirect(path));
    }

    @Override
    public boolean probeDirectIo(Path dir) throws IOException {
        return delegate.probeDirectIo(dir);
    }

    @Override
    public StorageFile openDeviceRead(Path path) throws IOException {
        return delegate.openDeviceRead(path);
    }

    @Override
    public int blockSize(Path dir) throws IOException {
        return delegate.blockSize(dir);
    }

    @Override
    public Executor backgroundExecutor() {
        return delegate.backgroundExecutor();
    }
}
