package io.github.wal4j.testing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.AckWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The snapshot-takeover kill scenario, the same over every log a node can commit on (the SQLite
 * node's tests run it on a local log and on a BookKeeper log): node A, a child JVM, commits from four
 * threads, takes a snapshot after a seeded number of acknowledgements, goes on committing, and is
 * killed with SIGKILL once its snapshot is durable, the log's checkpoint was reported at the
 * snapshot's sequence (with snapshot retention) or past it (without), and a seeded number of
 * acknowledgements more arrived.
 *
 * <p>Ack lines of node A: {@code ack seq body} per commit that returned, {@code snapshot S} once
 * the snapshot is durable, {@code checkpointed C} per checkpoint of the log; other lines (such as
 * {@code open}) are the caller's and ignored here.
 */
public final class SnapshotKillScenario {
    /** Node A's commit, in the child: returns the change's sequence once it is acknowledged. */
    @FunctionalInterface
    public interface Commit {
        long commit(byte[] change) throws IOException;
    }

    /** Node A's snapshot, in the child: returns the sequence it holds, once it is durable. */
    @FunctionalInterface
    public interface Snapshot {
        long take() throws IOException;
    }

    /** What a killed node A left: its acknowledged changes by sequence and its snapshot's sequence. */
    public record Outcome(Map<Long, String> acked, long snapshotAt, String context) {
    }

    private final boolean retention;
    private final int snapshotAfter;
    private final int extra;
    private final String context;

    private SnapshotKillScenario(boolean retention, int snapshotAfter, int extra, String context) {
        this.retention = retention;
        this.snapshotAfter = snapshotAfter;
        this.extra = extra;
        this.context = context;
    }

    /**
     * Draws one run named {@code name} from {@code random}: the acknowledgements before the
     * snapshot, then those after the checkpoint before the kill.
     */
    public static SnapshotKillScenario draw(String name, boolean retention, Random random, long seed) {
        int snapshotAfter = 20 + random.nextInt(200);
        int extra = 20 + random.nextInt(300);
        return new SnapshotKillScenario(retention, snapshotAfter, extra, "seed " + seed + ", " + name
                + ": snapshot after " + snapshotAfter + " acks, kill " + extra
                + " acks after the snapshot and the checkpoint");
    }

    /** The acknowledgements node A waits for before its snapshot (an argument of the child). */
    public int snapshotAfter() {
        return snapshotAfter;
    }

    /** The child's argument for the retention: {@code keep} with snapshot retention, {@code no} without. */
    public String retentionArgument() {
        return retention ? "keep" : "no";
    }

    /** Whether a child's retention argument ({@link #retentionArgument}) asks for snapshot retention. */
    public static boolean retention(String argument) {
        return argument.equals("keep");
    }

    /** The seed, the run's name and its seeded points, for assertion messages. */
    public String context() {
        return context;
    }

    /**
     * Waits until node A's snapshot is durable, the checkpoint reached (with retention) or passed
     * (without) it and {@code extra} acknowledgements more arrived, kills {@code a}, then reads its
     * ack file: no {@code BAD} line, no sequence acknowledged twice, with retention no checkpoint
     * past the snapshot, and a snapshot strictly inside the acknowledged changes.
     */
    public Outcome killAndRead(CrashJvm a, Path ackFile) throws IOException, InterruptedException {
        AckFile acks = new AckFile(ackFile);
        long[] snapshotAt = {-1};
        int[] ackedAtCheckpoint = {-1};
        acks.awaitLines(a, lines -> {
            int count = 0;
            for (String line : lines) {
                String[] w = line.split(" ");
                if (w[0].equals("ack")) {
                    count++;
                } else if (w[0].equals("snapshot")) {
                    snapshotAt[0] = Long.parseLong(w[1]);
                } else if (w[0].equals("checkpointed") && snapshotAt[0] >= 0 && ackedAtCheckpoint[0] < 0) {
                    long c = Long.parseLong(w[1]);
                    // With retention the checkpoint reaches the snapshot (and is checked below not to
                    // pass it); without, it passes it.
                    if (retention ? c >= snapshotAt[0] : c > snapshotAt[0]) {
                        ackedAtCheckpoint[0] = count;
                    }
                }
            }
            return ackedAtCheckpoint[0] >= 0 && count >= ackedAtCheckpoint[0] + extra;
        }, 90_000, context);
        a.kill();
        Map<Long, String> acked = new HashMap<>();
        long snapshot = -1;
        for (String line : AckFile.readAll(ackFile)) {
            assertFalse(line.startsWith("BAD"), context + ": " + line);
            String[] w = line.split(" ");
            if (w[0].equals("ack")) {
                assertEquals(null, acked.put(Long.parseLong(w[1]), w[2]), context + ": sequence acknowledged twice");
            } else if (w[0].equals("snapshot")) {
                snapshot = Long.parseLong(w[1]);
            } else if (w[0].equals("checkpointed") && retention && snapshot >= 0) {
                assertTrue(Long.parseLong(w[1]) <= snapshot, context + ": with snapshot retention the log was "
                        + line + ", past the snapshot at " + snapshot);
            }
        }
        assertTrue(snapshot > 0 && snapshot < acked.size(), context + ": snapshot at " + snapshot + " of "
                + acked.size() + " acknowledged changes");
        return new Outcome(acked, snapshot, context + ", snapshot at " + snapshot);
    }

    /** Node A's report of a checkpoint of its log: a {@code checkpointed C} line, or BAD and exit. */
    public static void ackCheckpoint(AckWriter ack, long sequence) {
        try {
            ack.line("checkpointed " + sequence);
        } catch (IOException e) {
            ChildSupport.bad(ack, "ack line", e);
        }
    }

    /**
     * Node A after its open: commits {@code change-N} from four threads, an {@code ack} line per
     * commit that returned, takes the snapshot after {@code snapshotAfter} of them and writes its
     * {@code snapshot} line, and goes on until killed. A failure is a BAD line and exit status 3.
     */
    public static void commitAndSnapshot(AckWriter ack, Commit commit, Snapshot snapshot, int snapshotAfter)
            throws InterruptedException {
        AtomicLong next = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        for (int t = 0; t < 4; t++) {
            new Thread(() -> {
                while (true) {
                    String body = "change-" + next.getAndIncrement();
                    try {
                        long seq = commit.commit(body.getBytes(StandardCharsets.UTF_8));
                        ack.line("ack " + seq + " " + body);
                        acked.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        ChildSupport.bad(ack, "commit of " + body + " failed", e);
                    }
                }
            }, "committer-" + t).start();
        }
        while (acked.get() < snapshotAfter) {
            Thread.sleep(1);
        }
        try {
            ack.line("snapshot " + snapshot.take());
        } catch (IOException | RuntimeException e) {
            ChildSupport.bad(ack, "snapshot failed", e);
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * Every acknowledged change once in the database that took over, nothing applied twice, and
     * the rows' sequences exactly 1..applied.
     *
     * @param rows the database's rows as {sequence, body}, by sequence
     * @param applied the node's applied sequence
     */
    public static void assertEveryAcknowledgedChangeOnce(List<String[]> rows, long applied, Map<Long, String> acked,
            String context) {
        Map<String, Integer> bodies = new HashMap<>();
        for (String[] row : rows) {
            bodies.merge(row[1], 1, Integer::sum);
        }
        for (Map.Entry<Long, String> e : acked.entrySet()) {
            assertEquals(1, bodies.getOrDefault(e.getValue(), 0), context + ": acknowledged change " + e.getValue()
                    + " (sequence " + e.getKey() + ") in B's database");
        }
        for (Map.Entry<String, Integer> e : bodies.entrySet()) {
            assertEquals(1, e.getValue(), context + ": " + e.getKey() + " applied more than once");
        }
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i + 1, Long.parseLong(rows.get(i)[0]), context + ": the rows' sequences are 1..applied");
        }
        assertEquals(applied, rows.size(), context);
    }
}
