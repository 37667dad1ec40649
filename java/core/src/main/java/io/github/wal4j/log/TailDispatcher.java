package io.github.wal4j.log;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The thread that wakes caught-up subscriptions: it waits on the log's {@link MarkSignal} and, each
 * time the durable mark moved (or the log failed, or a subscription asked to be watched), submits
 * the next task of every watched subscription that now has something to do. So the writer only
 * signals (it never runs a subscriber's executor), and no pooled thread waits for records.
 *
 * <p>While every subscription it watches has a maximum delivery delay, it waits in the signal's
 * coalesced queue, for the shortest of those delays at a time, so that commits do not wake it
 * (nor, while it watches none, at all: a subscription that caught up kicks it). Back-pressure is
 * the same either way: it submits a subscription's next task only once its previous one ended.
 *
 * <p>One per log, started with the first subscription, a daemon; {@link #stop()} ends it without
 * waiting for it. An executor that runs tasks on the calling thread runs them on this one.
 */
final class TailDispatcher {
    private final TailRegistry.Log log;
    private final MarkSignal signal;
    private final Set<TailSubscription> watching = ConcurrentHashMap.newKeySet();
    /** Set by {@link #watch}: the set changed, look again. */
    private final AtomicBoolean kicked = new AtomicBoolean();
    private volatile boolean stopped;

    TailDispatcher(TailRegistry.Log log, MarkSignal signal, String name) {
        this.log = log;
        this.signal = signal;
        Thread thread = new Thread(this::run, "wal4j-tail-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Watches {@code subscription}, which caught up: its next task is submitted once there is work. */
    void watch(TailSubscription subscription) {
        watching.add(subscription);
        kicked.set(true);
        signal.wakeAll();
    }

    /** Stops watching {@code subscription} (it ended). */
    void forget(TailSubscription subscription) {
        watching.remove(subscription);
    }

    /** Ends the thread (the log closed); does not wait for it. */
    void stop() {
        stopped = true;
        signal.wakeAll();
    }

    private void run() {
        while (!stopped) {
            kicked.set(false);
            WriteMark mark = log.durableMark();
            boolean failed = log.failure() != null;
            // The shortest delay of the subscriptions still watched; 0 if one has none.
            long delay = Long.MAX_VALUE;
            for (TailSubscription s : watching) {
                if (s.wantsTask(mark, failed)) {
                    watching.remove(s);
                    s.schedule();
                } else {
                    delay = Math.min(delay, s.delayNanos());
                }
            }
            // A failure is looked at once: the subscriptions it wakes end, and are forgotten.
            BooleanSupplier ready = () -> stopped || kicked.get() || log.durableMark() != mark
                    || (!failed && log.failure() != null);
            try {
                if (delay == 0) {
                    signal.await(ready, Long.MAX_VALUE);
                } else {
                    // Every watched subscription has a delay (or none is watched, and only a kick
                    // gives work): commits need not wake this thread.
                    signal.awaitCoalesced(ready, Long.MAX_VALUE, delay);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
