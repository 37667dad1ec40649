package io.github.wal4j;

import java.nio.file.Path;

/**
 * Another open {@link WriteAheadLog}, in this JVM or another process, holds the directory's lock.
 * Thrown by {@code open} at once, or after {@link WalOptions#lockTimeout()} when one is set,
 * before anything in the directory was changed (a {@link WalRefusedException}).
 */
public final class WalLockedException extends WalRefusedException {
    private static final long serialVersionUID = 1L;

    public WalLockedException(Path lockFile) {
        super("WAL is locked by another writer: " + lockFile
                + " is held (another process, or another open WriteAheadLog in this JVM)");
    }
}
