package io.github.wal4j.bookkeeper;

import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WalTailer;
import io.github.wal4j.WalTruncatedException;
import io.github.wal4j.bookkeeper.internal.EntryFormat;
import io.github.wal4j.bookkeeper.internal.LedgerReads;
import io.github.wal4j.bookkeeper.internal.LogMetadata;
import io.github.wal4j.bookkeeper.internal.LogMetadata.Ledger;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.BKException;
import org.apache.bookkeeper.client.BookKeeper;
import org.apache.bookkeeper.client.LedgerHandle;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * A reader in another process that follows a {@link BookKeeperLog} as its writer appends, without
 * taking the log over: it never opens a ledger with recovery, so it never fences the writer.
 *
 * <h2>What it delivers</h2>
 * The records from the sequence it was opened at, in order, each once, and only records that are
 * durable: in a closed ledger, up to its last entry; in the active ledger, up to the last-add-confirmed
 * the bookies report (the writer's acknowledged entries; the bookies keep the larger of the LAC
 * piggybacked on entries and the explicit LAC the writer sends every
 * {@link BookKeeperLogOptions#explicitLacInterval()} when idle, so the last acknowledged entry shows
 * within that interval, not only after the next add).
 * It polls: the bookies' LAC and the ledger list in ZooKeeper every 10 ms while it waits, so a
 * record reaches it up to that much (plus the explicit-LAC interval when the writer is idle) after
 * its acknowledgement. After a writer change, what the next writer's recovery kept is delivered.
 *
 * <h2>Ending</h2>
 * {@link WalTruncatedException} when the log's checkpoint covers the next record (its ledger may be
 * deleted); {@link WalClosedException} after {@link #close()}; {@link WalFailedException} when
 * ZooKeeper or BookKeeper cannot be read. An interrupt while waiting throws
 * {@link InterruptedIOException} and does not end the follower.
 *
 * <p>One consumer thread at a time; {@link #close()}, {@link #nextSequence()} and
 * {@link #lastSequence()} may be called from any thread.
 */
public final class BookKeeperLogFollower implements WalTailer {
    private static final long POLL_MILLIS = 10;
    private static final int READ_BATCH = 64;

    private final BookKeeperLogOptions options;
    private final String description;
    private final ZooKeeper zk;
    private final BookKeeper bk;
    private final byte[] password;
    private final BookKeeper.DigestType digestType;
    private final Map<Long, LedgerHandle> handles = new ConcurrentHashMap<>();
    private final ArrayDeque<byte[]> buffered = new ArrayDeque<>();
    private LogMetadata list;
    private volatile long next;
    private volatile boolean closed;
    private WalException ended;

    private BookKeeperLogFollower(BookKeeperLogOptions options, ZooKeeper zk, BookKeeper bk, long from) {
        this.options = options;
        this.description = "follower of bookkeeper log " + options.logPath() + " on ZooKeeper " + options.zooKeeper();
        this.zk = zk;
        this.bk = bk;
        this.password = options.password();
        this.digestType = options.digest() ? BookKeeper.DigestType.CRC32C : BookKeeper.DigestType.DUMMY;
        this.next = from;
    }

    /**
     * Follows the log from {@code fromSequence} (at least 1). The log must exist.
     *
     * @throws WalMetadataException if ZooKeeper cannot be reached or the log does not exist
     * @throws WalFailedException if the BookKeeper client cannot start
     */
    public static BookKeeperLogFollower open(BookKeeperLogOptions options, long fromSequence) throws IOException {
        Objects.requireNonNull(options, "options");
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = null;
        BookKeeper bk = null;
        try {
            zk = BookKeeperLog.connect(options, e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }, connected);
            bk = new BookKeeper(BookKeeperLog.clientConfiguration(options));
            BookKeeperLogFollower f = new BookKeeperLogFollower(options, zk, bk, Math.max(1, fromSequence));
            f.readList();
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            BookKeeperLog.closeQuietly(zk, bk);
            throw new WalException("interrupted while opening a follower of " + options.logPath(), e);
        } catch (BKException e) {
            BookKeeperLog.closeQuietly(zk, bk);
            throw new WalFailedException("BookKeeper client for " + options.logPath() + " could not start", e);
        } catch (IOException | RuntimeException e) {
            BookKeeperLog.closeQuietly(zk, bk);
            throw e;
        }
    }

    private void readList() throws WalException, InterruptedException {
        try {
            list = LogMetadata.decode(description, zk.getData(options.logPath(), false, null));
        } catch (KeeperException e) {
            throw new WalMetadataException(description + ": cannot read the ledger list", e);
        }
    }

    @Override
    public synchronized WalRecord next(Duration timeout) throws IOException {
        byte[] entry = nextEntry(timeout);
        if (entry == null) {
            return null;
        }
        byte[] payload = new byte[entry.length - EntryFormat.HEADER];
        System.arraycopy(entry, EntryFormat.HEADER, payload, 0, payload.length);
        return new WalRecord(EntryFormat.sequence(entry), payload);
    }

    @Override
    public synchronized ByteBuffer nextView(Duration timeout) throws IOException {
        byte[] entry = nextEntry(timeout);
        return entry == null ? null
                : ByteBuffer.wrap(entry, EntryFormat.HEADER, entry.length - EntryFormat.HEADER).slice().asReadOnlyBuffer();
    }

    private byte[] nextEntry(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (closed) {
                throw new WalClosedException(description + " is closed");
            }
            if (ended != null) {
                throw ended;
            }
            if (buffered.isEmpty()) {
                try {
                    fill();
                } catch (WalException e) {
                    ended = e;
                    throw e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(description + ": interrupted while reading");
                }
            }
            if (!buffered.isEmpty()) {
                next++;
                return buffered.poll();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            try {
                Thread.sleep(Math.min(POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(description + ": interrupted while waiting");
            }
        }
    }

    /** Buffers the next records that are durable, if any; reads the list again when it must. */
    private void fill() throws WalException, InterruptedException {
        for (int pass = 0; pass < 2 && buffered.isEmpty(); pass++) {
            if (pass == 1) {
                readList();
            }
            if (next <= list.checkpoint()) {
                throw new WalTruncatedException(next, list.checkpoint() + 1);
            }
            Ledger ledger = LedgerReads.find(list.ledgers(), next);
            if (ledger == null) {
                continue;
            }
            long end;
            if (ledger.closed()) {
                end = ledger.last();
            } else {
                end = ledger.first() + confirmed(ledger.id());
            }
            if (next > end) {
                continue;
            }
            long to = Math.min(end, next + READ_BATCH - 1);
            try {
                buffered.addAll(LedgerReads.read(this::handle, ledger, next, to, true, description));
            } catch (WalException e) {
                // A checkpoint may have deleted the ledger under the read: that is a truncation.
                readList();
                if (next <= list.checkpoint()) {
                    throw new WalTruncatedException(next, list.checkpoint() + 1);
                }
                throw e;
            }
        }
    }

    /**
     * The last-add-confirmed the bookies report: the bookies keep the larger of the one piggybacked
     * on entries and the explicit one the writer sends when idle (FollowerTest: an idle writer's last
     * record arrives; it does not when the writer sends no explicit LAC).
     */
    private long confirmed(long ledgerId) throws WalException, InterruptedException {
        try {
            LedgerHandle h = handle(ledgerId);
            if (h.isClosed()) {
                return h.getLastAddConfirmed();
            }
            return h.readLastAddConfirmedAsync().get();
        } catch (BKException e) {
            throw new WalFailedException(description + ": cannot read the last-add-confirmed of ledger " + ledgerId, e);
        } catch (ExecutionException e) {
            throw new WalFailedException(description + ": cannot read the last-add-confirmed of ledger " + ledgerId,
                    e.getCause());
        }
    }

    private LedgerHandle handle(long ledgerId) throws BKException, InterruptedException {
        LedgerHandle h = handles.get(ledgerId);
        if (h == null) {
            h = bk.openLedgerNoRecovery(ledgerId, digestType, password);
            handles.put(ledgerId, h);
        }
        return h;
    }

    @Override
    public long lastSequence() {
        return next - 1;
    }

    @Override
    public long nextSequence() {
        return next;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (this) {
            for (LedgerHandle h : handles.values()) {
                BookKeeperLog.closeQuietly(h);
            }
            handles.clear();
            BookKeeperLog.closeQuietly(zk, bk);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
