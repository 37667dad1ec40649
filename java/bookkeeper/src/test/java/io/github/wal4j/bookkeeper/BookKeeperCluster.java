package io.github.wal4j.bookkeeper;

import io.github.wal4j.testing.internal.ChildSupport;
import io.github.wal4j.testing.internal.CrashJvm;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.bookkeeper.client.BookKeeper;
import org.apache.bookkeeper.client.BookKeeperAdmin;
import org.apache.bookkeeper.common.component.LifecycleComponentStack;
import org.apache.bookkeeper.conf.ClientConfiguration;
import org.apache.bookkeeper.conf.ServerConfiguration;
import org.apache.bookkeeper.proto.BookieServer;
import org.apache.bookkeeper.server.EmbeddedServer;
import org.apache.bookkeeper.server.conf.BookieConfiguration;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One ZooKeeper server and a few bookies inside the test JVM, on 127.0.0.1 only, on free ports, in
 * a temporary directory that {@link #close()} deletes. Every wait is bounded ({@link #START_TIMEOUT_MS}).
 * Bookies flush their journal as soon as its queue is empty (no 2 ms group wait), as a latency-minded
 * deployment would. Under JDK 17 the JVM needs {@code --add-opens java.base/java.io=ALL-UNNAMED}
 * (this module's surefire configuration has it).
 *
 * <p>A test class owns one as a JUnit extension, which starts it before the class's first test and
 * closes it after its last (also when a test or the start failed):
 * <pre>{@code @RegisterExtension static final BookKeeperCluster cluster = BookKeeperCluster.of(4).withQuorum(3, 3, 2);}</pre>
 * {@link #start(int)} starts one outside JUnit (the caller closes it). The quorum given is the one
 * {@link #newLog(String)} uses; the default is 3/3/2 with at least 3 bookies.
 */
final class BookKeeperCluster implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    static final long START_TIMEOUT_MS = 60_000;
    /** How long a bookie child JVM lives at most (its own watchdog halts it). */
    static final int PROCESS_WATCHDOG_S = 600;
    private static final AtomicInteger LOGS = new AtomicInteger();

    private final int bookieCount;
    private final int ensemble;
    private final int writeQuorum;
    private final int ackQuorum;
    private final boolean processes;
    private Path root;
    private ZooKeeperServer zkServer;
    private ServerCnxnFactory zkFactory;
    private String connect;
    private final List<Bookie> bookies = new ArrayList<>();

    /**
     * One bookie: its configuration (port and directories, kept across restarts) and its server,
     * or the child JVM that runs it.
     */
    private static final class Bookie {
        final ServerConfiguration conf;
        EmbeddedServer server;
        LifecycleComponentStack stack;
        CrashJvm process;

        Bookie(ServerConfiguration conf) {
            this.conf = conf;
        }
    }

    private BookKeeperCluster(int bookieCount, int ensemble, int writeQuorum, int ackQuorum, boolean processes) {
        if (ensemble > bookieCount || writeQuorum > ensemble || ackQuorum > writeQuorum || ackQuorum < 1) {
            throw new IllegalArgumentException("quorum " + ensemble + "/" + writeQuorum + "/" + ackQuorum
                    + " does not fit " + bookieCount + " bookies");
        }
        this.bookieCount = bookieCount;
        this.ensemble = ensemble;
        this.writeQuorum = writeQuorum;
        this.ackQuorum = ackQuorum;
        this.processes = processes;
    }

    /** A cluster of {@code bookieCount} bookies (at least 3), not started; quorum 3/3/2. */
    static BookKeeperCluster of(int bookieCount) {
        return new BookKeeperCluster(bookieCount, 3, 3, 2, false);
    }

    /** The same cluster with the quorum {@link #newLog(String)} gives its logs. */
    BookKeeperCluster withQuorum(int ensemble, int writeQuorum, int ackQuorum) {
        return new BookKeeperCluster(bookieCount, ensemble, writeQuorum, ackQuorum, processes);
    }

    /**
     * The same cluster with each bookie in a child JVM of its own (ZooKeeper stays in this one), so
     * that a test can SIGKILL, SIGSTOP and SIGCONT a real bookie process. A child halts by itself
     * after {@link #PROCESS_WATCHDOG_S} if nobody killed it; {@link #close()} kills every one.
     */
    BookKeeperCluster withBookieProcesses() {
        return new BookKeeperCluster(bookieCount, ensemble, writeQuorum, ackQuorum, true);
    }

    /** Starts ZooKeeper and {@code bookieCount} bookies, or fails within {@link #START_TIMEOUT_MS}. */
    static BookKeeperCluster start(int bookieCount) throws Exception {
        BookKeeperCluster cluster = of(bookieCount);
        cluster.startUp();
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        startUp();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void startUp() throws Exception {
        if (root != null) {
            throw new IllegalStateException("the cluster in " + root + " is already started");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        root = Files.createTempDirectory("wal4j-bk-");
        System.setProperty("zookeeper.4lw.commands.whitelist", "srvr,ruok");
        System.setProperty("zookeeper.admin.enableServer", "false");
        File zkDir = Files.createDirectories(root.resolve("zookeeper")).toFile();
        zkServer = new ZooKeeperServer(zkDir, zkDir, 500);
        try {
            zkFactory = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", 0), 200);
            zkFactory.startup(zkServer);
            connect = "127.0.0.1:" + zkFactory.getLocalPort();
            awaitZooKeeper(deadline);
            ServerConfiguration base = bookieConfiguration(0);
            if (!BookKeeperAdmin.initNewCluster(base)) {
                throw new IllegalStateException("BookKeeper cluster metadata was not initialized");
            }
            for (int i = 0; i < bookieCount; i++) {
                Bookie b = new Bookie(bookieConfiguration(i));
                bookies.add(b);
                startBookie(b);
            }
            awaitBookies(bookieCount, deadline);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private ServerConfiguration bookieConfiguration(int i) throws IOException {
        return bookieConfiguration(metadataServiceUri(), root.resolve("bookie-" + i), freePort());
    }

    /** A bookie's configuration: loopback only, at {@code port}, its journal and ledgers in {@code dir}. */
    static ServerConfiguration bookieConfiguration(String metadataServiceUri, Path dir, int port) throws IOException {
        Files.createDirectories(dir);
        ServerConfiguration conf = new ServerConfiguration();
        conf.setMetadataServiceUri(metadataServiceUri);
        conf.setZkTimeout(10_000);
        conf.setBookiePort(port);
        conf.setAdvertisedAddress("127.0.0.1");
        conf.setAllowLoopback(true);
        conf.setJournalDirName(Files.createDirectories(dir.resolve("journal")).toString());
        conf.setLedgerDirNames(new String[] {Files.createDirectories(dir.resolve("ledgers")).toString()});
        conf.setJournalFlushWhenQueueEmpty(true);
        conf.setHttpServerEnabled(false);
        conf.setDiskUsageThreshold(0.999f);
        conf.setDiskUsageWarnThreshold(0.998f);
        conf.setAutoRecoveryDaemonEnabled(false);
        conf.setProperty("dataIntegrityCheckingEnabled", false);
        // Small buffers: four bookies share one test JVM.
        conf.setProperty("journalPreAllocSizeMB", 1);
        conf.setProperty("journalBufferedWritesThreshold", 64 * 1024);
        conf.setProperty("skipListSizeLimit", 4 * 1024 * 1024);
        conf.setProperty("sortedLedgerStorageEnabled", true);
        conf.setProperty("entryLogSizeLimit", 16 * 1024 * 1024);
        return conf;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private void startBookie(Bookie b) throws Exception {
        if (processes) {
            Path dir = Path.of(b.conf.getJournalDirNames()[0]).getParent();
            b.process = CrashJvm.start(BookKeeperCluster.class, dir, "bookie-process", metadataServiceUri(),
                    dir.toString(), Integer.toString(b.conf.getBookiePort()), Integer.toString(PROCESS_WATCHDOG_S));
            return;
        }
        b.server = EmbeddedServer.builder(new BookieConfiguration(b.conf)).build();
        b.stack = b.server.getLifecycleComponentStack();
        b.stack.start();
    }

    /**
     * A bookie child JVM ({@link #withBookieProcesses()}): metadata service URI, directory, port,
     * watchdog seconds. Runs until killed.
     */
    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(Integer.parseInt(args[3]));
        ServerConfiguration conf = bookieConfiguration(args[0], Path.of(args[1]), Integer.parseInt(args[2]));
        EmbeddedServer.builder(new BookieConfiguration(conf)).build().getLifecycleComponentStack().start();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Polls {@code srvr} (not {@code ruok}, which answers {@code imok} after the server died). */
    private void awaitZooKeeper(long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            if (fourLetter("srvr").contains("Mode: standalone")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("ZooKeeper on " + connect + " did not answer srvr in time");
    }

    private String fourLetter(String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", zkFactory.getLocalPort()), 1000);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder b = new StringBuilder();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (String line; (line = in.readLine()) != null; ) {
                b.append(line).append('\n');
            }
            return b.toString();
        } catch (IOException e) {
            return "";
        }
    }

    private void awaitBookies(int count, long deadline) throws Exception {
        ZooKeeper zk = client();
        try {
            while (System.nanoTime() < deadline) {
                List<String> available = zk.getChildren("/ledgers/available", false);
                long bookiesUp = available.stream().filter(n -> !n.equals("readonly")).count();
                if (bookiesUp >= count) {
                    return;
                }
                Thread.sleep(50);
            }
        } finally {
            zk.close();
        }
        throw new IllegalStateException(count + " bookies did not register within " + START_TIMEOUT_MS + " ms");
    }

    /** A plain ZooKeeper client of this cluster, connected (bounded). */
    ZooKeeper client() throws IOException, InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, 10_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(START_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new IllegalStateException("no connection to ZooKeeper " + connect);
        }
        return zk;
    }

    String zooKeeper() {
        return connect;
    }

    /** BookKeeper's metadata service URI of this cluster, for a client of its own. */
    String metadataServiceUri() {
        return "zk+null://" + connect + "/ledgers";
    }

    /** A BookKeeper client of this cluster; the caller closes it. */
    BookKeeper bookKeeperClient() throws Exception {
        return new BookKeeper(new ClientConfiguration().setMetadataServiceUri(metadataServiceUri()));
    }

    /** Options for a log of its own (a fresh path per call), with the cluster's quorum. */
    BookKeeperLogOptions newLog(String name) {
        return newLog(name, ensemble, writeQuorum, ackQuorum);
    }

    /** Options for a log of its own (a fresh path per call), with the given quorum. */
    BookKeeperLogOptions newLog(String name, int ensemble, int write, int ack) {
        return BookKeeperLogOptions.of(connect, "/wal4j-test/" + name + "-" + LOGS.incrementAndGet())
                .withQuorum(ensemble, write, ack);
    }

    int bookieCount() {
        return bookies.size();
    }

    BookieServer bookieServer(int i) {
        if (processes) {
            throw new IllegalStateException("bookie " + i + " runs in a child JVM");
        }
        return bookies.get(i).server.getBookieService().getServer();
    }

    /**
     * Waits up to {@code waitMillis} until ZooKeeper lists every bookie as available; each child
     * JVM still missing then is killed and started again on its port and directories, and waited
     * for ({@link #START_TIMEOUT_MS}). Returns the ids of the restarted bookies.
     */
    List<String> restartUnregisteredBookies(long waitMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        List<String> missing = new ArrayList<>();
        ZooKeeper zk = client();
        try {
            do {
                missing.clear();
                List<String> available = zk.getChildren("/ledgers/available", false);
                for (int i = 0; i < bookies.size(); i++) {
                    if (bookies.get(i).process != null && !available.contains(bookieId(i))) {
                        missing.add(bookieId(i));
                    }
                }
                if (missing.isEmpty()) {
                    return missing;
                }
                Thread.sleep(100);
            } while (System.nanoTime() < deadline);
        } finally {
            zk.close();
        }
        for (int i = 0; i < bookies.size(); i++) {
            if (missing.contains(bookieId(i))) {
                stopBookie(i);
            }
        }
        restartStoppedBookies();
        return missing;
    }

    /** Which bookies ZooKeeper lists as available, and which child JVMs are alive (for failure messages). */
    String describeBookies() throws Exception {
        StringBuilder b = new StringBuilder();
        ZooKeeper zk = client();
        try {
            b.append("registered: ").append(zk.getChildren("/ledgers/available", false));
            b.append(", read-only: ").append(zk.getChildren("/ledgers/available/readonly", false));
        } finally {
            zk.close();
        }
        for (int i = 0; i < bookies.size(); i++) {
            Bookie k = bookies.get(i);
            if (k.process != null) {
                b.append("\n").append(bookieId(i)).append(k.process.isAlive() ? " alive" : " dead").append('\n')
                        .append(k.process.output());
            }
        }
        return b.toString();
    }

    /** The id a client sees for bookie {@code i} (as in a ledger's ensemble). */
    String bookieId(int i) {
        return "127.0.0.1:" + bookies.get(i).conf.getBookiePort();
    }

    /**
     * Suspends bookie {@code i}: it keeps its connections and answers nothing. A child JVM gets
     * SIGSTOP; an in-JVM bookie stops processing requests.
     */
    void suspendBookie(int i) throws Exception {
        if (processes) {
            signal(bookies.get(i).process, "STOP");
        } else {
            bookieServer(i).suspendProcessing();
        }
    }

    /** Undoes {@link #suspendBookie} (SIGCONT for a child JVM). */
    void resumeBookie(int i) throws Exception {
        if (processes) {
            signal(bookies.get(i).process, "CONT");
        } else {
            bookieServer(i).resumeProcessing();
        }
    }

    private static void signal(CrashJvm process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            kill.destroyForcibly();
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /**
     * Stops bookie {@code i} at once: an in-JVM one closes (its connections drop, as when its
     * process dies); a child JVM gets SIGKILL.
     */
    void stopBookie(int i) throws InterruptedException {
        Bookie b = bookies.get(i);
        if (b.process != null) {
            CrashJvm p = b.process;
            b.process = null;
            p.kill();
        }
        if (b.stack != null) {
            b.stack.close();
            b.stack = null;
            b.server = null;
        }
    }

    /** Starts every stopped bookie again on its port and directories, and waits for all. */
    void restartStoppedBookies() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        for (Bookie b : bookies) {
            if (b.stack == null && b.process == null) {
                startBookie(b);
            }
        }
        awaitBookies(bookies.size(), deadline);
    }

    /**
     * Ends a client's session as ZooKeeper does when it expires: a second client joins the same
     * session (id and password) and closes it.
     */
    void expireSession(long sessionId, byte[] password) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper twin = new ZooKeeper(connect, 10_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        }, sessionId, password);
        try {
            if (!connected.await(START_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("could not join session 0x" + Long.toHexString(sessionId));
            }
        } finally {
            twin.close();
        }
    }

    /** Stops every bookie and ZooKeeper and deletes the directory; a cluster not started: nothing. */
    @Override
    public void close() {
        if (root == null) {
            return;
        }
        for (Bookie b : bookies) {
            // A child JVM: SIGKILL, which also ends a stopped (SIGSTOP) one; no check of how it ended.
            if (b.process != null) {
                b.process.close();
                b.process = null;
            }
        }
        for (int i = 0; i < bookies.size(); i++) {
            try {
                stopBookie(i);
            } catch (RuntimeException | InterruptedException e) {
                // Stop the others and ZooKeeper anyway.
            }
        }
        bookies.clear();
        if (zkFactory != null) {
            zkFactory.shutdown();
        }
        zkServer.shutdown();
        Path dir = root;
        root = null;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
