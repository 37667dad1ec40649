package io.github.wal4j.bookkeeper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link BookKeeperLog} reaches its cluster and writes its ledgers. Immutable: every
 * {@code with} method returns a copy. The defaults:
 * <ul>
 *   <li>ensemble 3, write quorum 3, ack quorum 2: an append is acknowledged once two bookies have
 *       it in their fsynced journal, and the log keeps writing through the loss of one bookie if the
 *       cluster has a fourth to replace it (docs/replication.md);</li>
 *   <li>CRC32C digests on every entry (BookKeeper checks them on each read);</li>
 *   <li>a new ledger after 256 MiB or 1 hour of appends, whichever comes first (checked on append:
 *       a quiet log does not roll);</li>
 *   <li>explicit last-add-confirmed every 100 ms, so a reader that opens the active ledger without
 *       recovery sees the last entry within that time, not only after the next add;</li>
 *   <li>ZooKeeper session timeout 10 s, and 30 s to connect or to complete one metadata call;</li>
 *   <li>add timeout 10 s: a bookie that does not answer an add within it is replaced in the
 *       ensemble, which bounds how long a stalled bookie can hold appends.</li>
 * </ul>
 * The client's add throttle is always off ({@code setThrottleValue(0)}: BookKeeper's default of
 * 5,000 adds/s per client would be the log's ceiling otherwise).
 */
public final class BookKeeperLogOptions {
    private final String zooKeeper;
    private final String logPath;
    private final String ledgersRootPath;
    private final int ensembleSize;
    private final int writeQuorum;
    private final int ackQuorum;
    private final boolean digest;
    private final byte[] password;
    private final long rollBytes;
    private final Duration rollInterval;
    private final Duration explicitLacInterval;
    private final Duration sessionTimeout;
    private final Duration operationTimeout;
    private final Duration addTimeout;
    private final int maxRecordSize;

    private BookKeeperLogOptions(String zooKeeper, String logPath, String ledgersRootPath, int ensembleSize,
            int writeQuorum, int ackQuorum, boolean digest, byte[] password, long rollBytes, Duration rollInterval,
            Duration explicitLacInterval, Duration sessionTimeout, Duration operationTimeout, Duration addTimeout,
            int maxRecordSize) {
        this.zooKeeper = zooKeeper;
        this.logPath = logPath;
        this.ledgersRootPath = ledgersRootPath;
        this.ensembleSize = ensembleSize;
        this.writeQuorum = writeQuorum;
        this.ackQuorum = ackQuorum;
        this.digest = digest;
        this.password = password;
        this.rollBytes = rollBytes;
        this.rollInterval = rollInterval;
        this.explicitLacInterval = explicitLacInterval;
        this.sessionTimeout = sessionTimeout;
        this.operationTimeout = operationTimeout;
        this.addTimeout = addTimeout;
        this.maxRecordSize = maxRecordSize;
    }

    /**
     * The log whose ledger list is the ZooKeeper node {@code logPath} (created with its parents on
     * the first open), on the cluster whose ZooKeeper is {@code zooKeeper} ({@code host:port,...}) and
     * whose BookKeeper metadata lives under {@code /ledgers}.
     *
     * @throws IllegalArgumentException if {@code logPath} is not an absolute ZooKeeper path
     */
    public static BookKeeperLogOptions of(String zooKeeper, String logPath) {
        Objects.requireNonNull(zooKeeper, "zooKeeper");
        checkPath(logPath, "logPath");
        return new BookKeeperLogOptions(zooKeeper, logPath, "/ledgers", 3, 3, 2, true,
                "wal4j".getBytes(StandardCharsets.UTF_8), 256L << 20, Duration.ofHours(1), Duration.ofMillis(100),
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10), 1 << 20);
    }

    private static void checkPath(String path, String what) {
        Objects.requireNonNull(path, what);
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
            throw new IllegalArgumentException(what + " must be an absolute ZooKeeper path: " + path);
        }
    }

    /**
     * Ensemble size, write quorum and ack quorum of each new ledger.
     *
     * @throws IllegalArgumentException unless {@code ensemble >= write >= ack >= 1}
     */
    public BookKeeperLogOptions withQuorum(int ensemble, int write, int ack) {
        if (ack < 1 || write < ack || ensemble < write) {
            throw new IllegalArgumentException("need ensemble >= write >= ack >= 1: " + ensemble + "/" + write + "/" + ack);
        }
        return new BookKeeperLogOptions(zooKeeper, logPath, ledgersRootPath, ensemble, write, ack, digest, password,
                rollBytes, rollInterval, explicitLacInterval, sessionTimeout, operationTimeout, addTimeout, maxRecordSize);
    }

    /** Where BookKeeper's own metadata lives in ZooKeeper (its {@code zkLedgersRootPath}). */
    public BookKeeperLogOptions withLedgersRootPath(String path) {
        checkPath(path, "ledgersRootPath");
        return new BookKeeperLogOptions(zooKeeper, logPath, path, ensembleSize, writeQuorum, ackQuorum, digest,
                password, rollBytes, rollInterval, explicitLacInterval, sessionTimeout, operationTimeout, addTimeout,
                maxRecordSize);
    }

    /**
     * CRC32C digests (true, the default) or none; the password BookKeeper binds to each ledger
     * (every writer and reader of the log must use the same one).
     */
    public BookKeeperLogOptions withDigest(boolean on, byte[] ledgerPassword) {
        Objects.requireNonNull(ledgerPassword, "ledgerPassword");
        return new BookKeeperLogOptions(zooKeeper, logPath, ledgersRootPath, ensembleSize, writeQuorum, ackQuorum, on,
                ledgerPassword.clone(), rollBytes, rollInterval, explicitLacInterval, sessionTimeout, operationTimeout,
                addTimeout, maxRecordSize);
    }

    /**
     * Roll to a new ledger once the current one holds {@code bytes} of entries or is
     * {@code interval} old (checked when an append arrives).
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive or {@code interval} not positive
     */
    public BookKeeperLogOptions withRoll(long bytes, Duration interval) {
        if (bytes <= 0 || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("roll bounds must be positive: " + bytes + " bytes, " + interval);
        }
        return new BookKeeperLogOptions(zooKeeper, logPath, ledgersRootPath, ensembleSize, writeQuorum, ackQuorum,
                digest, password, bytes, interval, explicitLacInterval, sessionTimeout, operationTimeout, addTimeout,
                maxRecordSize);
    }

    /** ZooKeeper session timeout, the bound on connecting and on each metadata call, and the add timeout. */
    public BookKeeperLogOptions withTimeouts(Duration session, Duration operation, Duration add) {
        if (session.toMillis() <= 0 || operation.toMillis() <= 0 || add.getSeconds() <= 0) {
            throw new IllegalArgumentException("timeouts must be positive (the add timeout at least 1 s)");
        }
        return new BookKeeperLogOptions(zooKeeper, logPath, ledgersRootPath, ensembleSize, writeQuorum, ackQuorum,
                digest, password, rollBytes, rollInterval, explicitLacInterval, session, operation, add, maxRecordSize);
    }

    /**
     * The largest record accepted (default 1 MiB; BookKeeper's frame limit is 5 MiB per entry).
     *
     * @throws IllegalArgumentException outside 1 B to 4 MiB
     */
    public BookKeeperLogOptions withMaxRecordSize(int bytes) {
        if (bytes < 1 || bytes > (4 << 20)) {
            throw new IllegalArgumentException("max record size must be 1 B to 4 MiB: " + bytes);
        }
        return new BookKeeperLogOptions(zooKeeper, logPath, ledgersRootPath, ensembleSize, writeQuorum, ackQuorum,
                digest, password, rollBytes, rollInterval, explicitLacInterval, sessionTimeout, operationTimeout,
                addTimeout, bytes);
    }

    public String zooKeeper() {
        return zooKeeper;
    }

    public String logPath() {
        return logPath;
    }

    public String ledgersRootPath() {
        return ledgersRootPath;
    }

    public int ensembleSize() {
        return ensembleSize;
    }

    public int writeQuorum() {
        return writeQuorum;
    }

    public int ackQuorum() {
        return ackQuorum;
    }

    public boolean digest() {
        return digest;
    }

    byte[] password() {
        return password.clone();
    }

    public long rollBytes() {
        return rollBytes;
    }

    public Duration rollInterval() {
        return rollInterval;
    }

    public Duration explicitLacInterval() {
        return explicitLacInterval;
    }

    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    public Duration operationTimeout() {
        return operationTimeout;
    }

    public Duration addTimeout() {
        return addTimeout;
    }

    public int maxRecordSize() {
        return maxRecordSize;
    }
}
