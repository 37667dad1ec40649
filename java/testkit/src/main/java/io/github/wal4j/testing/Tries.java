package io.github.wal4j.testing;

/**
 * How many cases each property checks: the system property {@code wal4j.tries} (the build sets 1000;
 * {@code -Dwal4j.tries=100000} for a soak run).
 */
public final class Tries {
    private Tries() {
    }

    /** Cases per property. */
    public static int count() {
        return Integer.getInteger("wal4j.tries", 1000);
    }

    /** {@code count()} scaled by {@code factor}, at least {@code minimum}. */
    public static int scaled(double factor, int minimum) {
        return Math.max(minimum, (int) (count() * factor));
    }
}
