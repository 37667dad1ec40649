package io.github.wal4j;

/** When an append is acknowledged. */
public enum Durability {
    /**
     * The default: an append is acknowledged only after the record and every earlier record were
     * written and fdatasync'ed. Concurrent appends share one write and one fdatasync (group commit).
     */
    SYNC,
    /**
     * An append is acknowledged once it has its sequence number and sits in the log's queue; a
     * background writer hands it to the OS soon after. {@link WriteAheadLog#flush()} waits until
     * everything appended is written to the OS (survives a crash of this process, not of the
     * machine); {@link WriteAheadLog#fsync()} until it is durable. A crash loses an unsynced suffix,
     * never a record in the middle.
     */
    BUFFERED
}
