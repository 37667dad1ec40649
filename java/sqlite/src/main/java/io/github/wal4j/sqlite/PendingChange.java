package io.github.wal4j.sqlite;

import io.github.wal4j.WalException;
import java.util.concurrent.CompletableFuture;

/**
 * One change on its way to the database: its sequence number, its bytes, its WAL append (null once
 * it returned: the change is durable; otherwise the future of an overlapped append, see
 * {@link CommitOrder}), and its outcome. The thread that applies the batch holding it (its own committer, or another
 * committer leading that batch) settles the outcome once, through the {@link ApplyQueue}: applied,
 * after the database transaction holding it committed, or failed with the {@link WalException}
 * its committer throws; the first outcome stays.
 *
 * <p>Everything but the sequence number and the bytes belongs to the {@link ApplyQueue} that
 * queued it: written only under that queue's lock; {@link #done} and the failure may be read
 * without it (a committer woken because its change is done returns without taking the lock).
 */
final class PendingChange {
    private final long sequence;
    private final byte[] change;
    private final CompletableFuture<Long> append;
    private Thread owner;
    private WalException failure;
    /** Written last, after the failure: a read of true publishes it. */
    private volatile boolean done;

    /** @param change the caller's array, not copied: its committer waits until the change is done with it */
    PendingChange(long sequence, byte[] change) {
        this(sequence, change, null);
    }

    /**
     * @param append the future of its WAL append, not yet known to be durable ({@link CommitOrder}
     *     waits for it before its transaction commits), or null if the append returned
     */
    PendingChange(long sequence, byte[] change, CompletableFuture<Long> append) {
        this.sequence = sequence;
        this.change = change;
        this.append = append;
    }

    /** The future of its WAL append if it may not be durable yet, or null if it is. */
    CompletableFuture<Long> append() {
        return append;
    }

    long sequence() {
        return sequence;
    }

    byte[] change() {
        return change;
    }

    /** The committer waiting for it: unparked when the change is done, or when it is to lead the next batch. */
    Thread owner() {
        return owner;
    }

    void owner(Thread value) {
        owner = value;
    }

    boolean done() {
        return done;
    }

    /** Settles the outcome if it is not yet: applied ({@code failure} null) or failed; false if it was settled already. */
    boolean settle(WalException failure) {
        if (done) {
            return false;
        }
        this.failure = failure;
        done = true;
        return true;
    }

    /** The failure its committer throws, or null if the change was applied (only once {@link #done}). */
    WalException failure() {
        return failure;
    }
}
