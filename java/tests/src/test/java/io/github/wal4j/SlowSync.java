package io.github.wal4j;

import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.ForwardingStorageFile;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A storage whose file syncs each take {@code millis} before they sync, outside the delegate's
 * locks, so that written batches wait unsynced for readers and power cuts to meet them.
 */
final class SlowSync extends ForwardingStorage {
    private final long millis;

    SlowSync(Storage delegate, long millis) {
        super(delegate);
        this.millis = millis;
    }

    @Override
    protected StorageFile wrap(Path path, StorageFile file) {
        return new ForwardingStorageFile(file) {
            @Override
            public void sync() throws IOException {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.sync();
            }
        };
    }
}
