package io.github.wal4j.testing.internal;

import io.github.wal4j.testing.AckWriter;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Common behaviour of the crash-test children. */
public final class ChildSupport {
    private ChildSupport() {
    }

    /**
     * Halts this JVM after {@code seconds}, so that a child whose parent died (and so never kills it)
     * does not append forever.
     */
    public static void watchdog(int seconds) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(seconds * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("watchdog: no SIGKILL within " + seconds + " s, halting");
            Runtime.getRuntime().halt(4);
        }, "watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** Reports a failed check: a BAD line in the ack file, the trace on stderr, and exit status 3. */
    public static void bad(AckWriter ack, String what, Throwable cause) {
        StringWriter trace = new StringWriter();
        if (cause != null) {
            cause.printStackTrace(new PrintWriter(trace));
        }
        System.err.println("BAD " + what + "\n" + trace);
        try {
            ack.line("BAD " + what.replace('\n', ' ') + (cause == null ? "" : " (" + cause + ")").replace('\n', ' '));
        } catch (Exception e) {
            e.printStackTrace();
        }
        System.err.flush();
        Runtime.getRuntime().halt(3);
    }
}
