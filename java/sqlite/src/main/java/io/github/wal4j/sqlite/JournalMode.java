package io.github.wal4j.sqlite;

/**
 * How SQLite makes the node's database transactions atomic and durable. Either mode gives the node
 * what exactly-once needs: when the database commit returns, the change and its sequence number are
 * durable together, before the WAL checkpoint may forget the change.
 */
public enum JournalMode {
    /**
     * {@code PRAGMA journal_mode=WAL} with {@code PRAGMA synchronous=FULL}: a commit appends its
     * pages to {@code <db>-wal} and fsyncs it (SQLite fsyncs the directory the first time it syncs a
     * new {@code -wal} file). Readers in other connections do not block the writer. The default.
     */
    WAL("wal", 2),
    /**
     * {@code PRAGMA journal_mode=DELETE} with {@code PRAGMA synchronous=EXTRA}: a commit writes a
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

    /** The {@code PRAGMA synchronous} level used with this mode: 2 (FULL) or 3 (EXTRA). */
    int synchronous() {
        return synchronous;
    }

    /** The name of {@link #synchronous()}: "FULL" or "EXTRA". */
    String synchronousName() {
        return synchronous == 3 ? "EXTRA" : "FULL";
    }
}
