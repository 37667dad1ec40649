package io.github.wal4j.sqlite;

/**
 * How SQLite makes the node's database transactions atomic and durable. Either mode gives the node
 * what exactly-once needs: a change and its sequence number commit together, atomically, and the
 * WAL is checkpointed only up to what SQLite has made durable (see {@link SqliteCheckpointPolicy}),
 * so whatever SQLite loses in a power cut the WAL still holds.
 */
public enum JournalMode {
    /**
     * {@code PRAGMA journal_mode=WAL} with {@code PRAGMA synchronous=NORMAL}: a commit appends its
     * pages to {@code <db>-wal} without an fsync; it is atomic and consistent after a power cut, but
     * the newest commits may be lost, which the node's WAL still holds and the next open applies
     * again. SQLite is made durable by {@code PRAGMA wal_checkpoint(FULL)} before each WAL checkpoint.
     * Readers in other connections do not block the writer. The default, and the faster mode.
     */
    WAL("wal", 1),
    /**
     * {@code PRAGMA journal_mode=DELETE} with {@code PRAGMA synchronous=EXTRA}: every commit is
     * durable when it returns (about four fsyncs per applier transaction), so the WAL's checkpoint
     * may follow any of them. A commit writes a
     * rollback journal, fsyncs it, writes the database, fsyncs it, and deletes the journal. EXTRA is
     * FULL plus an fsync of the directory after the journal is deleted: without it a power loss soon
     * after the commit can bring the journal back, and SQLite would then roll back a transaction
     * whose change the WAL checkpoint already forgot.
     */
    DELETE("delete", 3);

    private final String pragmaValue;
    private final int synchronous;

    JournalMode(String pragmaValue, int synchronous) {
        this.pragmaValue = pragmaValue;
        this.synchronous = synchronous;
    }

    /** The value {@code PRAGMA journal_mode} reports for this mode. */
    String pragmaValue() {
        return pragmaValue;
    }

    /** The {@code PRAGMA synchronous} level used with this mode: 1 (NORMAL) or 3 (EXTRA). */
    int synchronous() {
        return synchronous;
    }

    /** The name of {@link #synchronous()}: "NORMAL" or "EXTRA". */
    String synchronousName() {
        return synchronous == 3 ? "EXTRA" : "NORMAL";
    }
}
