package io.github.wal4j.sqlite;

/**
 * The options the node's tests start from: {@link SqliteNodeOptions#defaults()}, with overlapped
 * apply on when {@code -Dwal4j.sqlite.overlappedApply=true} (the module's {@code test-overlapped}
 * run), so that every test of the node runs on both commit paths.
 */
final class NodeDefaults {
    /** Whether this run's nodes apply batches while their WAL fdatasync runs. */
    static final boolean OVERLAPPED = Boolean.getBoolean("wal4j.sqlite.overlappedApply");

    private NodeDefaults() {
    }

    static SqliteNodeOptions options() {
        return SqliteNodeOptions.defaults().withOverlappedApply(OVERLAPPED);
    }
}
