package io.github.wal4j;

import java.nio.file.Path;

/**
 * Users other than this process's could change the files in the WAL directory: its group or all
 * users can write to it, or it is owned by a user that is neither this process's nor root. Anyone
 * who can write there can plant, replace or delete the log's files, so {@code WriteAheadLog.open}
 * refuses it (as {@code wal4j verify}, {@code dump} and {@code repair} do, with exit code 7) unless
 * {@link WalOptions#withSharedDirectoryAllowed(boolean)}. A policy refusal: the log is not damaged
 * and nothing failed. Nothing is created or changed when this is thrown; the message says which
 * rule the directory breaks and how to fix it.
 */
public final class WalUnsafeDirectoryException extends WalRefusedException {
    private static final long serialVersionUID = 1L;
    private final transient Path directory;

    public WalUnsafeDirectoryException(Path directory, String message) {
        super(message);
        this.directory = directory;
    }

    /** The refused directory. */
    public Path directory() {
        return directory;
    }
}
