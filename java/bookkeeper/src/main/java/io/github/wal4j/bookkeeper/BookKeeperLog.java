package io.github.wal4j.bookkeeper;

import io.github.wal4j.DurableLog;
import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.RecordTooLargeException;
import io.github.wal4j.WalClosedException;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalException;
import io.github.wal4j.WalFailedException;
import io.github.wal4j.WalInterruptedException;
import io.github.wal4j.WalReader;
import io.github.wal4j.WalRecord;
import io.github.wal4j.bookkeeper.internal.EntryFormat;
import io.github.wal4j.bookkeeper.internal.LedgerReads;
import io.github.wal4j.bookkeeper.internal.LogMetadata;
import io.github.wal4j.bookkeeper.internal.LogMetadata.Ledger;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.bookkeeper.client.AsyncCallback.AddCallback;
import org.apache.bookkeeper.client.BKException;
import org.apache.bookkeeper.client.BookKeeper;
import org.apache.bookkeeper.client.LedgerHandle;
import org.apache.bookkeeper.conf.ClientConfiguration;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * The {@link DurableLog} contract on Apache BookKeeper: the log is a list of ledgers, kept in one
 * ZooKeeper node ({@link BookKeeperLogOptions#logPath()}) under its version, one record per
 * BookKeeper entry, with global sequence numbers across ledgers (each ledger's first sequence is in
 * the list). Layout and deployment: docs/replication.md.
 *
 * <h2>What is durable when</h2>
 * An append is acknowledged (returns, or its future completes) once BookKeeper reports the entry
 * written to the ack quorum of bookies, each of which has forced it to its journal, and every earlier
 * entry too. It survives the loss of fewer bookies than the ack quorum (the default 3/3/2: any one)
 * and the loss of this process; not the loss of ZooKeeper's data, which holds the ledger list.
 * {@link #checkpoint} is durable in ZooKeeper when it returns.
 *
 * <h2>Opening: one writer at a time</h2>
 * {@link #open} takes the log over: it reads the list; opens every ledger the list does not show
 * closed <em>with recovery</em>, which fences it (the bookies refuse further adds of the previous
 * writer) and fixes its last entry; creates a new ledger; and compare-and-sets the new list
 * (its epoch one higher) on the version it read. No append is accepted before that succeeds. If the
 * set fails because the list changed (another writer got there first), the new ledger is deleted and
 * the open retries from the start, a few times, then throws {@link WalFencedException}. A writer never
 * opens its own active ledger with recovery.
 *
 * <h2>A deposed writer</h2>
 * Once another writer has opened the log, this one's next add fails with BookKeeper's
 * {@code LedgerFencedException} (or its roll or checkpoint finds the list's version changed): the log
 * fails with {@link WalFencedException}, every pending and later append fails with it, and nothing is
 * acknowledged after it. <b>An append that fails with it may still be in the log</b>: the entry may
 * have reached the bookies before the fence, and the new writer's recovery decides whether it is part
 * of the log (it is iff recovery finds it on enough bookies). The log treats such an append as having
 * an unknown outcome, as after a crash: never as "not written".
 *
 * <h2>ZooKeeper</h2>
 * If ZooKeeper expires this writer's session, the log fails with {@link WalMetadataException} and
 * acknowledges nothing more (BookKeeper's fencing is what keeps a new writer safe; the session rule
 * makes the old writer stop without waiting to be fenced). A metadata call that fails or cannot reach
 * ZooKeeper fails the log the same way. A plain disconnection that ZooKeeper's client recovers from
 * before the session expires does not.
 *
 * <h2>Rolling and checkpoints</h2>
 * When the active ledger holds {@link BookKeeperLogOptions#rollBytes()} or is
 * {@link BookKeeperLogOptions#rollInterval()} old, the next append starts a roll on the log's roller
 * thread: appends wait (queued, not refused) while the in-flight adds complete, the ledger is closed,
 * a new one created and the list compare-and-set. {@link #checkpoint} removes from the list every
 * closed ledger whose records are all covered, sets the list's checkpoint, and only after that update
 * is in ZooKeeper deletes those ledgers. A ledger created by a writer that died before its list update
 * is in no list; {@link #deleteOrphanLedgers} removes such ledgers (docs/replication.md, "Orphan
 * ledgers").
 *
 * <h2>Readers</h2>
 * {@link #replay} and {@link #reader} read the records after the checkpoint from the bookies, up to
 * the durable sequence when they start; BookKeeper checks each entry's digest, and each entry's own
 * sequence is checked against the list (a mismatch is {@link WalCorruptedException}, its file the
 * ledger's name {@code bookkeeper-ledger-<id>}, its offset the entry id). A reader that meets a ledger
 * a checkpoint deleted fails with {@link WalException}. Another process follows the log without
 * fencing it with {@link BookKeeperLogFollower}.
 *
 * <h2>Threads</h2>
 * Every method is thread-safe. Futures of {@link #appendAsync} complete on BookKeeper's callback
 * threads: a callback attached with a non-async method must not call a blocking method of the log.
 */
public final class BookKeeperLog implements DurableLog {
    private static final int OPEN_ATTEMPTS = 5;
    private static final int READ_BATCH = 64;
    /** The {@code wal4j-step} of a ledger an open created, and of one a roll created. */
    private static final byte[] STEP_OPEN = "open".getBytes(StandardCharsets.UTF_8);
    private static final byte[] STEP_ROLL = "roll".getBytes(StandardCharsets.UTF_8);

    private final BookKeeperLogOptions options;
    private final String description;
    private final ZooKeeper zk;
    private final BookKeeper bk;
    private final BookKeeper.DigestType digestType;
    private final byte[] password;
    private final ExecutorService roller;
    /** Every ledger handle the log reads through (the active write handle included), by ledger id. */
    private final Map<Long, LedgerHandle> handles = new ConcurrentHashMap<>();
    private final AddCallback addCallback = this::addComplete;

    /**
     * Test-only: when set, runs on the opening or rolling thread after a ledger is created and
     * before the compare-and-set that lists it. The kill tests stop a writer there; nothing else
     * sets it.
     */
    static volatile BeforeListing beforeListing;

    /** See {@link #beforeListing}. */
    interface BeforeListing {
        /**
         * @param step {@code "open"} or {@code "roll"}
         * @param ledgerId the ledger just created, in no list yet
         * @param firstSequence the sequence its first record would have
         */
        void run(String step, long ledgerId, long firstSequence);
    }

    /**
     * Held while records are handed to BookKeeper, so that its entry ids follow the sequence order,
     * and taken before {@link #lock}, never after it. BookKeeper is never called with {@link #lock}
     * held: its worker threads complete adds holding their own monitors and then take
     * {@link #lock} in {@link #addComplete}, so an add sent under {@link #lock} deadlocked with the
     * completion of another during an ensemble change (seen in {@code BookieFailureTest}).
     */
    private final Object submitOrder = new Object();
    private final Object lock = new Object();
    // Guarded by lock.
    private LedgerHandle writeHandle;
    private long writeFirst;
    private long writeBytes;
    private long writeStartNanos;
    private long nextSequence;
    private int outstanding;
    private boolean rolling;
    private boolean closed;
    private final ArrayDeque<Pending> parked = new ArrayDeque<>();

    private final Object metaLock = new Object();
    // Guarded by metaLock.
    private int metadataVersion;
    private volatile LogMetadata metadata;

    private volatile WalException failure;
    private volatile long last;
    private volatile long durable;
    private volatile long checkpoint;

    private static final class Pending {
        final byte[] record;
        final CompletableFuture<Long> future;
        long sequence;
        long first;
        // Set under lock when the sequence is handed out, sent outside it.
        byte[] entry;
        LedgerHandle handle;

        Pending(byte[] record, CompletableFuture<Long> future) {
            this.record = record;
            this.future = future;
        }
    }

    private BookKeeperLog(BookKeeperLogOptions options, ZooKeeper zk, BookKeeper bk) {
        this.options = options;
        this.description = "bookkeeper log " + options.logPath() + " on ZooKeeper " + options.zooKeeper();
        this.zk = zk;
        this.bk = bk;
        this.digestType = options.digest() ? BookKeeper.DigestType.CRC32C : BookKeeper.DigestType.DUMMY;
        this.password = options.password();
        this.roller = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "wal4j-bookkeeper-roller " + options.logPath());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens the log as its only writer, fencing the previous one (see the class comment); creates the
     * log if its node does not exist. Blocks until the new ledger is in the list.
     *
     * @throws WalFencedException if other writers kept changing the list during every attempt
     * @throws WalMetadataException if ZooKeeper cannot be reached within the operation timeout or fails
     * @throws io.github.wal4j.WalFormatException if the node holds something that is not a ledger list
     * @throws WalFailedException if BookKeeper fails (no bookies enough for the ensemble, a ledger of
     *     the list that cannot be recovered)
     */
    public static BookKeeperLog open(BookKeeperLogOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        AtomicReference<BookKeeperLog> owner = new AtomicReference<>();
        CountDownLatch connected = new CountDownLatch(1);
        Watcher watcher = (WatchedEvent event) -> {
            if (event.getType() != Watcher.Event.EventType.None) {
                return;
            }
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            } else if (event.getState() == Watcher.Event.KeeperState.Expired) {
                BookKeeperLog log = owner.get();
                if (log != null) {
                    log.fail(new WalMetadataException(log.description + ": ZooKeeper expired the writer's session; "
                            + "it acknowledges nothing more (another writer may have taken over)", null));
                }
            }
        };
        ZooKeeper zk = null;
        BookKeeper bk = null;
        try {
            zk = connect(options, watcher, connected);
            bk = new BookKeeper(clientConfiguration(options));
            BookKeeperLog log = new BookKeeperLog(options, zk, bk);
            owner.set(log);
            log.takeOver();
            return log;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(zk, bk);
            throw new WalException("interrupted while opening the bookkeeper log " + options.logPath(), e);
        } catch (BKException e) {
            closeQuietly(zk, bk);
            throw new WalFailedException("BookKeeper client for " + options.logPath() + " could not start: "
                    + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            BookKeeperLog log = owner.get();
            if (log != null) {
                log.roller.shutdownNow();
            }
            closeQuietly(zk, bk);
            throw e;
        }
    }

    static ZooKeeper connect(BookKeeperLogOptions options, Watcher watcher, CountDownLatch connected)
            throws IOException, InterruptedException {
        ZooKeeper zk = new ZooKeeper(options.zooKeeper(), (int) options.sessionTimeout().toMillis(), watcher);
        if (!connected.await(options.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new WalMetadataException("could not connect to ZooKeeper " + options.zooKeeper() + " within "
                    + options.operationTimeout().toMillis() + " ms", null);
        }
        return zk;
    }

    /**
     * Makes a new replicated log from {@code source}: the same records with the same sequence
     * numbers, the replicated log's checkpoint the source's (docs/replication.md, "Migrating").
     * Creates the list at {@code target.logPath()} with no ledger and the source's checkpoint,
     * opens it as {@link #open} does, and appends every record {@code source} returns after its
     * checkpoint, checking that each gets its source sequence. Returns the open log, every record
     * durable. The source is only read; the caller keeps and closes it.
     *
     * @throws WalException if {@code target.logPath()} already exists (an import is never merged into
     *     a log), or a record got another sequence than in the source
     * @throws WalMetadataException as {@link #open}
     */
    public static BookKeeperLog importFrom(DurableLog source, BookKeeperLogOptions target) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        long checkpoint = source.checkpointSequence();
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk;
        try {
            zk = connect(target, e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }, connected);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalException("interrupted while connecting to ZooKeeper " + target.zooKeeper(), e);
        }
        String where = "bookkeeper log " + target.logPath() + " on ZooKeeper " + target.zooKeeper();
        try {
            ensureParents(zk, target.logPath(), where);
            zk.create(target.logPath(), new LogMetadata(0, checkpoint, List.of()).encode(),
                    ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            throw new WalException(where + " already exists: an import makes a new log only", e);
        } catch (KeeperException e) {
            throw new WalMetadataException(where + ": cannot create the ledger list", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalException(where + ": interrupted while creating the ledger list", e);
        } finally {
            try {
                zk.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        BookKeeperLog log = open(target);
        try {
            ArrayDeque<CompletableFuture<Long>> window = new ArrayDeque<>();
            long[] expected = {checkpoint + 1};
            source.replay(checkpoint + 1, (seq, payload) -> {
                if (seq != expected[0]) {
                    throw new WalException(where + ": the source returned sequence " + seq + ", expected "
                            + expected[0]);
                }
                expected[0]++;
                byte[] copy = new byte[payload.remaining()];
                payload.get(copy);
                CompletableFuture<Long> f = log.appendAsync(copy);
                window.add(f.thenApply(got -> {
                    if (got != seq) {
                        throw new IllegalStateException("record " + seq + " of the source got sequence " + got);
                    }
                    return got;
                }));
                if (window.size() >= 1024) {
                    awaitImported(window.poll(), where);
                }
            });
            while (!window.isEmpty()) {
                awaitImported(window.poll(), where);
            }
            return log;
        } catch (IOException | RuntimeException e) {
            try {
                log.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * Deletes the ledgers of this log that no list names and that no live writer can still add to
     * the list. They are what writers left when they died between creating a ledger and their
     * compare-and-set (docs/replication.md, "Orphan ledgers"). Each ledger records its creator's
     * epoch ({@code wal4j-epoch}) and step ({@code wal4j-step}): a roll's ledger is deleted when its
     * epoch is below the list's (one of the current epoch may be a roll about to be listed); an
     * open's when its epoch is at most the list's (an opener of epoch E lists its ledger by a
     * compare-and-set on the version it read at epoch E - 1, which fails once the list is at E; an
     * open in progress has an epoch above the list's). Anything else is left alone, so this is safe
     * while the log is in use. Lists every ledger of the cluster: an operator's tool, not for a hot
     * path.
     *
     * @return the ids deleted
     * @throws WalMetadataException if ZooKeeper cannot be read, or the log does not exist
     * @throws WalFailedException if BookKeeper cannot list or delete the ledgers
     */
    public static List<Long> deleteOrphanLedgers(BookKeeperLogOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        String where = "bookkeeper log " + options.logPath() + " on ZooKeeper " + options.zooKeeper();
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = null;
        BookKeeper bk = null;
        try {
            zk = connect(options, e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }, connected);
            LogMetadata list;
            try {
                list = LogMetadata.decode(where, zk.getData(options.logPath(), false, null));
            } catch (KeeperException e) {
                throw new WalMetadataException(where + ": cannot read the ledger list", e);
            }
            java.util.Set<Long> listed = new java.util.HashSet<>();
            for (Ledger l : list.ledgers()) {
                listed.add(l.id());
            }
            bk = new BookKeeper(clientConfiguration(options));
            List<Long> deleted = new ArrayList<>();
            for (long id : new org.apache.bookkeeper.client.BookKeeperAdmin(bk).listLedgers()) {
                if (listed.contains(id)) {
                    continue;
                }
                Map<String, byte[]> custom;
                try {
                    custom = bk.getLedgerMetadata(id).get().getCustomMetadata();
                } catch (ExecutionException e) {
                    continue; // deleted meanwhile
                }
                byte[] log = custom.get("wal4j-log");
                byte[] epoch = custom.get("wal4j-epoch");
                // Ledgers made before the step was recorded count as rolls: the cautious rule.
                boolean ofAnOpen = Arrays.equals(custom.get("wal4j-step"), STEP_OPEN);
                if (log == null || epoch == null
                        || !new String(log, StandardCharsets.UTF_8).equals(options.logPath())) {
                    continue;
                }
                long created;
                try {
                    created = Long.parseLong(new String(epoch, StandardCharsets.UTF_8));
                } catch (NumberFormatException e) {
                    continue; // not one of ours
                }
                if (created < list.epoch() || (ofAnOpen && created == list.epoch())) {
                    try {
                        bk.deleteLedger(id);
                        deleted.add(id);
                    } catch (BKException.BKNoSuchLedgerExistsException
                            | BKException.BKNoSuchLedgerExistsOnMetadataServerException e) {
                        // Deleted meanwhile (its writer's own clean-up).
                    }
                }
            }
            return deleted;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalException(where + ": interrupted while deleting orphan ledgers", e);
        } catch (BKException e) {
            throw new WalFailedException(where + ": cannot list or delete ledgers: " + e.getMessage(), e);
        } catch (WalException e) {
            throw e;
        } catch (IOException e) {
            throw new WalFailedException(where + ": cannot list the ledgers: " + e.getMessage(), e);
        } finally {
            closeQuietly(zk, bk);
        }
    }

    private static void awaitImported(CompletableFuture<Long> f, String where) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalException(where + ": interrupted while importing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new WalException(where + ": import failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    static ClientConfiguration clientConfiguration(BookKeeperLogOptions options) {
        ClientConfiguration conf = new ClientConfiguration();
        conf.setMetadataServiceUri("zk+null://" + options.zooKeeper().replace(',', ';') + options.ledgersRootPath());
        conf.setZkTimeout((int) options.sessionTimeout().toMillis());
        // BookKeeper's default throttle (5,000 adds/s per client) would be the log's ceiling.
        conf.setThrottleValue(0);
        // (BookKeeper spells the setter this way.)
        conf.setExplictLacInterval((int) options.explicitLacInterval().toMillis());
        conf.setAddEntryTimeout((int) options.addTimeout().getSeconds());
        conf.setReadEntryTimeout((int) Math.max(1, options.addTimeout().getSeconds()));
        return conf;
    }

    static void closeQuietly(ZooKeeper zk, BookKeeper bk) {
        if (bk != null) {
            try {
                bk.close();
            } catch (Exception | LinkageError e) {
                // Already failing: the first failure is the one reported.
            }
        }
        if (zk != null) {
            try {
                zk.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------------------------------- open

    private void takeOver() throws IOException, InterruptedException {
        ensureParents(zk, options.logPath(), description);
        for (int attempt = 1; ; attempt++) {
            try {
                takeOverOnce();
                return;
            } catch (ListChangedException e) {
                if (attempt == OPEN_ATTEMPTS) {
                    if (e.recoveryFailed) {
                        throw new WalFailedException(description + ": cannot recover the previous writer's ledger "
                                + "in " + OPEN_ATTEMPTS + " attempts: " + e.getCause().getMessage(), e.getCause());
                    }
                    throw new WalFencedException(description + ": the ledger list changed under each of "
                            + OPEN_ATTEMPTS + " attempts to open (other writers are opening it)", e.getCause());
                }
                // Openers racing for the log: back off by a random time, so one of them gets through.
                Thread.sleep(10L * attempt + java.util.concurrent.ThreadLocalRandom.current().nextLong(50L * attempt));
            }
        }
    }

    /**
     * The list's version moved between this writer's read and its compare-and-set, or the recovery
     * of a listed ledger failed while others may be recovering it too ({@code recoveryFailed}): try
     * the open again from the start.
     */
    private static final class ListChangedException extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean recoveryFailed;

        ListChangedException(Exception cause, boolean recoveryFailed) {
            super(cause);
            this.recoveryFailed = recoveryFailed;
        }
    }

    private static void ensureParents(ZooKeeper zk, String path, String description)
            throws WalMetadataException, InterruptedException {
        for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
            try {
                zk.create(path.substring(0, i), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // Another log or writer made it: that is all this needs.
            } catch (KeeperException e) {
                throw new WalMetadataException(description + ": cannot create " + path.substring(0, i), e);
            }
        }
    }

    private void takeOverOnce() throws IOException, InterruptedException, ListChangedException {
        String path = options.logPath();
        Stat stat = new Stat();
        byte[] data;
        try {
            data = zk.getData(path, false, stat);
        } catch (KeeperException.NoNodeException e) {
            data = null;
        } catch (KeeperException e) {
            throw new WalMetadataException(description + ": cannot read the ledger list", e);
        }
        LogMetadata old = data == null ? LogMetadata.empty() : LogMetadata.decode(description, data);

        // Fence: a recovery open of every ledger the list does not show closed. The previous writer's
        // adds fail from here on, and the ledger's last entry is fixed by what enough bookies hold.
        List<Ledger> kept = new ArrayList<>();
        List<Long> emptyLedgers = new ArrayList<>();
        List<LedgerHandle> recovered = new ArrayList<>();
        try {
            for (Ledger l : old.ledgers()) {
                if (l.closed()) {
                    kept.add(l);
                    continue;
                }
                LedgerHandle h;
                try {
                    h = bk.openLedger(l.id(), digestType, password);
                } catch (BKException.BKLedgerRecoveryException | BKException.BKMetadataVersionException e) {
                    // Two openers recovering the same ledger at once: one of them loses the race
                    // to seal it. Try again; a recovery that keeps failing is reported after the
                    // last attempt.
                    closeHandles(recovered);
                    throw new ListChangedException(e, true);
                } catch (BKException.BKNoSuchLedgerExistsException
                        | BKException.BKNoSuchLedgerExistsOnMetadataServerException e) {
                    // Another writer opening at the same time won its CAS and deleted this (empty)
                    // ledger: read the list again. If the list did not change, it names a ledger
                    // that is gone, which is damage.
                    if (listVersionNow() != stat.getVersion()) {
                        closeHandles(recovered);
                        throw new ListChangedException(e, false);
                    }
                    throw e;
                }
                long lastSequence = l.first() + h.getLastAddConfirmed();
                // An empty ledger (a writer that died before its first add) is dropped, unless the
                // list would lose where the next sequence starts.
                if (lastSequence < l.first() && (!kept.isEmpty() || old.checkpoint() + 1 == l.first())) {
                    h.close();
                    emptyLedgers.add(l.id());
                } else {
                    kept.add(l.closedAt(lastSequence));
                    recovered.add(h);
                }
            }
        } catch (BKException e) {
            closeHandles(recovered);
            throw new WalFailedException(description + ": cannot recover the previous writer's ledger: "
                    + e.getMessage(), e);
        }
        LogMetadata fenced = old.with(old.epoch(), old.checkpoint(), kept);
        long first = fenced.nextSequence();
        long epoch = old.epoch() + 1;

        LedgerHandle fresh;
        try {
            fresh = createLedger(epoch, STEP_OPEN);
            beforeListing("open", fresh, first);
        } catch (BKException e) {
            closeHandles(recovered);
            throw new WalFailedException(description + ": cannot create a ledger (" + options.ensembleSize() + "/"
                    + options.writeQuorum() + "/" + options.ackQuorum() + "): " + e.getMessage(), e);
        }
        List<Ledger> ledgers = new ArrayList<>(kept);
        ledgers.add(new Ledger(fresh.getId(), first, -1, false));
        LogMetadata next = fenced.with(epoch, old.checkpoint(), ledgers);
        int version;
        try {
            if (data == null) {
                zk.create(path, next.encode(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                version = 0;
            } else {
                version = zk.setData(path, next.encode(), stat.getVersion()).getVersion();
            }
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
            // Another writer's list won: this ledger is in no list, so delete it (an orphan otherwise).
            closeHandles(recovered);
            deleteQuietly(fresh);
            throw new ListChangedException(e, false);
        } catch (KeeperException e) {
            // Unknown whether the set was applied: the ledger may be in the list, so it stays.
            closeHandles(recovered);
            closeQuietly(fresh);
            throw new WalMetadataException(description + ": cannot update the ledger list", e);
        }
        for (long id : emptyLedgers) {
            deleteQuietly(id);
        }
        for (LedgerHandle h : recovered) {
            handles.put(h.getId(), h);
        }
        handles.put(fresh.getId(), fresh);
        synchronized (metaLock) {
            metadata = next;
            metadataVersion = version;
        }
        synchronized (lock) {
            writeHandle = fresh;
            writeFirst = first;
            writeBytes = 0;
            writeStartNanos = System.nanoTime();
            nextSequence = first;
        }
        last = first - 1;
        durable = first - 1;
        checkpoint = old.checkpoint();
    }

    /** The list node's version now, -1 if it is gone. */
    private int listVersionNow() throws WalMetadataException, InterruptedException {
        try {
            Stat now = zk.exists(options.logPath(), false);
            return now == null ? -1 : now.getVersion();
        } catch (KeeperException e) {
            throw new WalMetadataException(description + ": cannot read the ledger list", e);
        }
    }

    private LedgerHandle createLedger(long epoch, byte[] step) throws BKException, InterruptedException {
        Map<String, byte[]> custom = Map.of(
                "wal4j-log", options.logPath().getBytes(StandardCharsets.UTF_8),
                "wal4j-epoch", Long.toString(epoch).getBytes(StandardCharsets.UTF_8),
                "wal4j-step", step);
        return bk.createLedger(options.ensembleSize(), options.writeQuorum(), options.ackQuorum(), digestType,
                password, custom);
    }

    private static void beforeListing(String step, LedgerHandle fresh, long firstSequence) {
        BeforeListing hook = beforeListing;
        if (hook != null) {
            hook.run(step, fresh.getId(), firstSequence);
        }
    }

    private static void closeHandles(List<LedgerHandle> list) {
        for (LedgerHandle h : list) {
            closeQuietly(h);
        }
    }

    static void closeQuietly(LedgerHandle h) {
        try {
            h.close();
        } catch (BKException e) {
            // A read handle or a handle being abandoned: nothing depends on its close.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deleteQuietly(LedgerHandle h) {
        closeQuietly(h);
        deleteQuietly(h.getId());
    }

    private void deleteQuietly(long ledgerId) {
        try {
            bk.deleteLedger(ledgerId);
        } catch (BKException.BKNoSuchLedgerExistsException
                | BKException.BKNoSuchLedgerExistsOnMetadataServerException e) {
            // Already gone.
        } catch (BKException e) {
            // Not in any list any more: a leak of bookie space, not of data (docs/replication.md).
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // -------------------------------------------------------------------------------------- append

    @Override
    public long append(byte[] record) throws IOException {
        CompletableFuture<Long> f = appendAsync(record);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalInterruptedException(1, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new WalFailedException(description + ": append failed", cause);
        }
    }

    @Override
    public CompletableFuture<Long> appendAsync(byte[] record) {
        Objects.requireNonNull(record, "record");
        CompletableFuture<Long> future = new CompletableFuture<>();
        if (record.length > options.maxRecordSize()) {
            future.completeExceptionally(new RecordTooLargeException(record.length, options.maxRecordSize()));
            return future;
        }
        Pending p = new Pending(record, future);
        boolean startRoll = false;
        synchronized (submitOrder) {
            synchronized (lock) {
                WalException refusal = refusal();
                if (refusal != null) {
                    future.completeExceptionally(refusal);
                    return future;
                }
                if (rolling) {
                    parked.add(p);
                    return future;
                }
                if (writeBytes > 0 && (writeBytes >= options.rollBytes()
                        || System.nanoTime() - writeStartNanos >= options.rollInterval().toNanos())) {
                    rolling = true;
                    parked.add(p);
                    startRoll = true;
                } else {
                    prepare(p);
                }
            }
            if (!startRoll) {
                send(p);
            }
        }
        if (startRoll) {
            roller.execute(this::roll);
        }
        return future;
    }

    /** Why the log refuses work now, or null; the caller holds {@link #lock}. */
    private WalException refusal() {
        WalException f = failure;
        if (f != null) {
            return f;
        }
        return closed ? new WalClosedException(description + " is closed") : null;
    }

    /**
     * Gives one record its sequence in the active ledger; the caller holds {@link #submitOrder} and
     * {@link #lock}, and sends it with {@link #send} after releasing {@link #lock} only.
     */
    private void prepare(Pending p) {
        p.sequence = nextSequence++;
        p.first = writeFirst;
        last = p.sequence;
        p.entry = EntryFormat.encode(p.sequence, p.record);
        p.handle = writeHandle;
        writeBytes += p.entry.length;
        outstanding++;
    }

    /** Hands a prepared record to BookKeeper; the caller holds {@link #submitOrder}, not {@link #lock}. */
    private void send(Pending p) {
        byte[] entry = p.entry;
        p.entry = null;
        p.handle.asyncAddEntry(entry, addCallback, p);
    }

    private void addComplete(int rc, LedgerHandle handle, long entryId, Object ctx) {
        Pending p = (Pending) ctx;
        WalException cause = null;
        boolean acknowledged = false;
        synchronized (lock) {
            outstanding--;
            if (failure == null) {
                if (rc != BKException.Code.OK) {
                    cause = addFailure(rc, handle, p);
                } else if (entryId != p.sequence - p.first) {
                    cause = new WalFailedException(description + ": BookKeeper wrote sequence " + p.sequence
                            + " as entry " + entryId + " of ledger " + handle.getId() + ", expected entry "
                            + (p.sequence - p.first), null);
                } else {
                    // Decided under the lock, before any failure: acknowledging it is the truth.
                    durable = p.sequence;
                    acknowledged = true;
                }
            }
            lock.notifyAll();
        }
        if (cause != null) {
            fail(cause);
        }
        if (acknowledged) {
            p.future.complete(p.sequence);
        } else {
            p.future.completeExceptionally(failure);
        }
    }

    private WalException addFailure(int rc, LedgerHandle handle, Pending p) {
        BKException e = BKException.create(rc);
        if (rc == BKException.Code.LedgerFencedException || rc == BKException.Code.LedgerClosedException) {
            return new WalFencedException(description + ": ledger " + handle.getId() + " was fenced (another writer "
                    + "opened the log); sequence " + p.sequence + " and later appends have an unknown outcome: "
                    + "the new writer's recovery decides whether they are in the log", e);
        }
        return new WalFailedException(description + ": BookKeeper add of sequence " + p.sequence + " to ledger "
                + handle.getId() + " failed: " + e.getMessage(), e);
    }

    /** Fails the log once: nothing is acknowledged after this; the queued appends fail now. */
    private void fail(WalException cause) {
        List<Pending> dropped;
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            failure = cause;
            dropped = new ArrayList<>(parked);
            parked.clear();
            rolling = false;
            lock.notifyAll();
        }
        for (Pending p : dropped) {
            p.future.completeExceptionally(cause);
        }
    }

    // ---------------------------------------------------------------------------------------- roll

    private void roll() {
        try {
            LedgerHandle old;
            long lastSequence;
            synchronized (lock) {
                while (outstanding > 0 && failure == null) {
                    lock.wait();
                }
                if (failure != null) {
                    return;
                }
                old = writeHandle;
                lastSequence = nextSequence - 1;
            }
            // Closing seals the ledger at lastSequence: every add to it has completed above.
            old.close();
            LedgerHandle fresh;
            synchronized (metaLock) {
                fresh = createLedger(metadata.epoch(), STEP_ROLL);
                beforeListing("roll", fresh, lastSequence + 1);
                List<Ledger> ledgers = new ArrayList<>(metadata.ledgers());
                Ledger active = ledgers.remove(ledgers.size() - 1);
                ledgers.add(active.closedAt(lastSequence));
                ledgers.add(new Ledger(fresh.getId(), lastSequence + 1, -1, false));
                try {
                    compareAndSet(metadata.with(metadata.epoch(), metadata.checkpoint(), ledgers));
                } catch (WalException e) {
                    deleteQuietly(fresh);
                    return;
                }
            }
            handles.put(fresh.getId(), fresh);
            synchronized (submitOrder) {
                List<Pending> toSend = new ArrayList<>();
                synchronized (lock) {
                    writeHandle = fresh;
                    writeFirst = lastSequence + 1;
                    writeBytes = 0;
                    writeStartNanos = System.nanoTime();
                    rolling = false;
                    if (failure == null) {
                        while (!parked.isEmpty()) {
                            Pending p = parked.poll();
                            prepare(p);
                            toSend.add(p);
                        }
                    }
                    lock.notifyAll();
                }
                for (Pending p : toSend) {
                    send(p);
                }
            }
        } catch (BKException e) {
            int rc = e.getCode();
            if (rc == BKException.Code.LedgerFencedException || rc == BKException.Code.MetadataVersionException) {
                fail(new WalFencedException(description + ": fenced while rolling to a new ledger", e));
            } else {
                fail(new WalFailedException(description + ": rolling to a new ledger failed: " + e.getMessage(), e));
            }
        } catch (InterruptedException e) {
            fail(new WalFailedException(description + ": the roller was interrupted", e));
        } catch (RuntimeException e) {
            fail(new WalFailedException(description + ": rolling to a new ledger failed", e));
            throw e;
        }
    }

    /**
     * Sets the list to {@code next} if its version is still this writer's; fails the log otherwise.
     * The caller holds {@link #metaLock}.
     */
    private void compareAndSet(LogMetadata next) throws WalException {
        try {
            Stat stat = zk.setData(options.logPath(), next.encode(), metadataVersion);
            metadataVersion = stat.getVersion();
            metadata = next;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            WalFencedException f = new WalFencedException(description + ": the ledger list changed under this "
                    + "writer (epoch " + metadata.epoch() + "): another writer opened the log", e);
            fail(f);
            throw f;
        } catch (KeeperException e) {
            WalMetadataException f = new WalMetadataException(description + ": cannot update the ledger list", e);
            fail(f);
            throw f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            WalMetadataException f = new WalMetadataException(description + ": interrupted while updating the "
                    + "ledger list (it may or may not be updated)", e);
            fail(f);
            throw f;
        }
    }

    // ---------------------------------------------------------------------------------- checkpoint

    @Override
    public void checkpoint(long upToSequence) throws IOException {
        if (upToSequence < 0) {
            throw new IllegalArgumentException("negative checkpoint " + upToSequence);
        }
        synchronized (lock) {
            WalException refusal = refusal();
            if (refusal != null) {
                throw refusal;
            }
        }
        if (upToSequence > last) {
            throw new IllegalArgumentException("checkpoint " + upToSequence + " beyond the last append " + last);
        }
        List<Ledger> removed = new ArrayList<>();
        synchronized (metaLock) {
            if (upToSequence <= metadata.checkpoint()) {
                return;
            }
            List<Ledger> kept = new ArrayList<>();
            for (Ledger l : metadata.ledgers()) {
                (l.closed() && l.last() <= upToSequence ? removed : kept).add(l);
            }
            // The list first: once it no longer names a ledger, deleting it loses nothing a reopen needs.
            compareAndSet(metadata.with(metadata.epoch(), upToSequence, kept));
            checkpoint = upToSequence;
        }
        for (Ledger l : removed) {
            LedgerHandle h = handles.remove(l.id());
            if (h != null) {
                closeQuietly(h);
            }
            deleteQuietly(l.id());
        }
    }

    // ------------------------------------------------------------------------------------- readers

    @Override
    public void replay(long fromSequence, PayloadVisitor visitor) throws IOException {
        Objects.requireNonNull(visitor, "visitor");
        Range range = range(fromSequence);
        for (long seq = range.from; seq <= range.to; ) {
            List<byte[]> batch = readBatch(range.ledgers, seq, range.to);
            for (byte[] entry : batch) {
                visitor.visit(seq, ByteBuffer.wrap(entry, EntryFormat.HEADER, entry.length - EntryFormat.HEADER)
                        .slice().asReadOnlyBuffer());
                seq++;
            }
        }
    }

    @Override
    public WalReader reader(long fromSequence) throws IOException {
        Range range = range(fromSequence);
        return new WalReader() {
            private long next = range.from;
            private final ArrayDeque<byte[]> buffered = new ArrayDeque<>();

            @Override
            public WalRecord next() throws IOException {
                if (buffered.isEmpty()) {
                    if (next > range.to) {
                        return null;
                    }
                    buffered.addAll(readBatch(range.ledgers, next, range.to));
                }
                byte[] entry = buffered.poll();
                byte[] payload = new byte[entry.length - EntryFormat.HEADER];
                System.arraycopy(entry, EntryFormat.HEADER, payload, 0, payload.length);
                return new WalRecord(next++, payload);
            }

            @Override
            public void close() {
                buffered.clear();
                next = Long.MAX_VALUE;
            }
        };
    }

    private record Range(long from, long to, List<Ledger> ledgers) {}

    private Range range(long fromSequence) throws WalException {
        synchronized (lock) {
            WalException refusal = refusal();
            if (refusal instanceof WalClosedException) {
                throw refusal;
            }
        }
        // The mark first, then the list: the list is then at least as new as the mark, so every
        // sequence up to the mark is in one of its ledgers.
        long mark = durable;
        LogMetadata m = metadata;
        return new Range(Math.max(Math.max(fromSequence, 1), m.checkpoint() + 1), mark, m.ledgers());
    }

    /** Up to {@link #READ_BATCH} entries from {@code from}, all in one ledger, none past {@code to}. */
    private List<byte[]> readBatch(List<Ledger> ledgers, long from, long to) throws IOException {
        Ledger ledger = LedgerReads.find(ledgers, from);
        if (ledger == null) {
            throw new WalException(description + ": no ledger of the list holds sequence " + from
                    + " (a checkpoint removed it)");
        }
        long end = Math.min(to, from + READ_BATCH - 1);
        if (ledger.closed()) {
            end = Math.min(end, ledger.last());
        }
        return LedgerReads.read(this::readHandle, ledger, from, end, false, description);
    }

    private LedgerHandle readHandle(long ledgerId) throws BKException, InterruptedException {
        LedgerHandle h = handles.get(ledgerId);
        if (h != null) {
            return h;
        }
        // A closed ledger of this log: no recovery needed (and never for the active one, whose
        // write handle is always in the map).
        LedgerHandle opened = bk.openLedgerNoRecovery(ledgerId, digestType, password);
        LedgerHandle raced = handles.putIfAbsent(ledgerId, opened);
        if (raced != null) {
            closeQuietly(opened);
            return raced;
        }
        return opened;
    }

    // --------------------------------------------------------------------------------------- marks

    @Override
    public long lastSequence() {
        return last;
    }

    @Override
    public long durableSequence() {
        return durable;
    }

    @Override
    public long checkpointSequence() {
        return checkpoint;
    }

    /** The epoch this writer set in the list when it opened: one more than the previous writer's. */
    public long epoch() {
        return metadata.epoch();
    }

    @Override
    public String describe() {
        return description;
    }

    /** The ids of the ledgers in the list, oldest first (for tests and operators). */
    List<Long> ledgerIds() {
        List<Long> ids = new ArrayList<>();
        for (Ledger l : metadata.ledgers()) {
            ids.add(l.id());
        }
        return ids;
    }

    /** The bookies of the active ledger's current ensemble (for tests). */
    List<String> activeEnsemble() {
        LedgerHandle h;
        synchronized (lock) {
            h = writeHandle;
        }
        List<String> out = new ArrayList<>();
        h.getLedgerMetadata().getAllEnsembles().lastEntry().getValue().forEach(b -> out.add(b.toString()));
        return out;
    }

    long zooKeeperSessionId() {
        return zk.getSessionId();
    }

    byte[] zooKeeperSessionPassword() {
        return zk.getSessionPasswd();
    }

    // --------------------------------------------------------------------------------------- close

    /**
     * Waits for every append in flight (each completes, or fails with the log), closes the active
     * ledger (sealing it, so the next writer's open needs no recovery of it) and releases the
     * clients. A log that failed closes without sealing; its appends were already failed.
     *
     * @throws WalFailedException if the ledger could not be sealed (the next writer's recovery then
     *     decides its end, which holds every acknowledged append)
     */
    @Override
    public void close() throws IOException {
        LedgerHandle active;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                while ((outstanding > 0 || rolling) && failure == null) {
                    lock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            active = failure == null ? writeHandle : null;
        }
        WalException sealFailure = null;
        try {
            if (active != null) {
                try {
                    active.close();
                } catch (BKException e) {
                    sealFailure = new WalFailedException(description + ": could not seal ledger " + active.getId(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            roller.shutdownNow();
            for (LedgerHandle h : handles.values()) {
                if (h != active) {
                    closeQuietly(h);
                }
            }
            handles.clear();
            closeQuietly(zk, bk);
        }
        if (sealFailure != null) {
            throw sealFailure;
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
