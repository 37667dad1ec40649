package io.github.wal4j.testing;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.internal.CrashJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Runs an application's workload in a child JVM, kills it with SIGKILL (a real process death: the
 * JVM gets no chance to close anything, the page cache keeps what it wrote) after a seeded number
 * of acknowledgements, and lets the application recover in this JVM and check what the child
 * acknowledged; round after round, on the same directory, so each round also recovers from the
 * kill before it. A kill is not a power cut: nothing written is lost, only what was not written yet
 * (use {@link CrashLoop} for power cuts).
 *
 * <p>The child is {@code main(String[] args)} of a class on this JVM's class path, run as
 * {@code main(ackFile, workDirectory, userArgs...)}. It acknowledges each operation once it has
 * returned with one {@link AckWriter#line} (one {@code write(2)} of a whole line into the ack file:
 * it survives the kill, where a line in a pipe may not), and runs until it is killed. A line that
 * starts with {@code BAD} makes the round fail at once with the child's output.
 *
 * <p>A round fails (an {@link AssertionError} naming the seed and the round, to run again with
 * {@code withSeed}) if the child ends by itself, reports {@code BAD}, does not reach its
 * acknowledgements within the timeout, or if the check throws. Not thread-safe.
 */
public final class KillLoop {

    /** The application's recovery and its check, in this JVM, after each kill. */
    public interface Check {
        /**
         * Recovers from the kill in {@code workDirectory} and checks the invariant against
         * {@code acknowledged}: every line the child wrote to its ack file in every round so far, in
         * order (the last round's last).
         */
        void recover(int round, Path workDirectory, List<String> acknowledged) throws Exception;
    }

    private final long seed;
    private int rounds = 5;
    private int minAcks = 1;
    private int maxAcks = 200;
    private long timeoutMillis = 60_000;

    private KillLoop(long seed) {
        this.seed = seed;
    }

    /** A loop whose kill points follow from {@code seed}. */
    public static KillLoop withSeed(long seed) {
        return new KillLoop(seed);
    }

    /** A loop seeded from {@code -Dwal4j.seed} if set, or from the clock (printed by a failure). */
    public static KillLoop seeded() {
        String property = System.getProperty("wal4j.seed");
        return new KillLoop(property != null ? Long.parseLong(property.strip()) : System.nanoTime());
    }

    /** How many children are started and killed (5 unless set). */
    public KillLoop rounds(int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1: " + rounds);
        }
        this.rounds = rounds;
        return this;
    }

    /** Each child is killed once it has written between {@code min} and {@code max} new lines (seeded). */
    public KillLoop killAfterAcknowledgements(int min, int max) {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("need 0 <= min <= max: " + min + ", " + max);
        }
        this.minAcks = min;
        this.maxAcks = max;
        return this;
    }

    /** How long a child may take to reach its kill point (60 s unless set). */
    public KillLoop timeoutMillis(long timeoutMillis) {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeout must be positive: " + timeoutMillis);
        }
        this.timeoutMillis = timeoutMillis;
        return this;
    }

    /** The seed the kill points follow from. */
    public long seed() {
        return seed;
    }

    /**
     * Runs the rounds: child {@code main} works in {@code workDirectory} (created if missing) until
     * killed, then {@code check} recovers there.
     *
     * @return every acknowledgement of every round, in order
     * @throws AssertionError at the first round that fails
     */
    public List<String> run(Class<?> main, Path workDirectory, Check check, String... args)
            throws IOException, InterruptedException {
        Objects.requireNonNull(main, "main");
        Objects.requireNonNull(check, "check");
        Files.createDirectories(workDirectory);
        Path logs = Files.createDirectories(workDirectory.resolveSibling(workDirectory.getFileName() + ".kill-logs"));
        Random random = new Random(seed);
        List<String> acknowledged = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            int killAfter = minAcks + random.nextInt(maxAcks - minAcks + 1);
            Path ackFile = logs.resolve("round-" + round + ".ack");
            String[] childArgs = new String[args.length + 2];
            childArgs[0] = ackFile.toString();
            childArgs[1] = workDirectory.toString();
            System.arraycopy(args, 0, childArgs, 2, args.length);
            String where = "kill loop seed " + seed + ", round " + round + " (kill after " + killAfter
                    + " acknowledgements)";
            try (CrashJvm child = CrashJvm.start(main, logs, "round-" + round, childArgs)) {
                AckFile acks = new AckFile(ackFile);
                try {
                    acks.awaitLines(child, lines -> lines.size() >= killAfter, timeoutMillis, where);
                } catch (AssertionError e) {
                    throw new AssertionError(where + ": " + e.getMessage(), e);
                }
                child.kill();
                acknowledged.addAll(AckFile.readAll(ackFile));
            }
            try {
                check.recover(round, workDirectory, List.copyOf(acknowledged));
            } catch (Exception | AssertionError e) {
                throw new AssertionError(where + ": the check after the kill failed: " + e, e);
            }
        }
        return acknowledged;
    }
}
