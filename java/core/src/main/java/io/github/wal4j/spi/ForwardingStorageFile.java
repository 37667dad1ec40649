package io.github.wal4j.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A {@link StorageFile} that passes every call to another one: the base for files that watch or change a few calls. */
public class ForwardingStorageFile implements StorageFile {
    private final StorageFile delegate;

    public ForwardingStorageFile(StorageFile delegate) {
        this.delegate = delegate;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        delegate.write(src, position);
    }

    @Override
    public void sync() throws IOException {
        delegate.sync();
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public void truncate(long size) throws IOException {
        delegate.truncate(size);
    }

    @Override
    public boolean preallocate(long size) throws IOException {
        return delegate.preallocate(size);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    @Override
    public DirectIoAlignment directIoAlignment() {
        return delegate.directIoAlignment();
    }
}
