package io.github.wal4j.testing.internal;

/** Seeds and scaling for the randomized crash tests. */
public final class Seeds {
    private Seeds() {
    }

    /**
     * The seed of a randomized test: {@code -Dwal4j.seed=N} if given, else a fresh one. Printed, so
     * that a failing run's kill schedule can be replayed.
     */
    public static long seed(String test) {
        Long given = Long.getLong("wal4j.seed");
        long seed = given != null ? given : System.nanoTime() ^ Double.doubleToLongBits(Math.random());
        System.out.println("[wal4j] " + test + " seed=" + seed + " (reproduce with -Dwal4j.seed=" + seed + ")");
        return seed;
    }

    /** {@code wal4j.tries} (the pom sets 1000). */
    public static int tries() {
        return Integer.getInteger("wal4j.tries", 1000);
    }
}
