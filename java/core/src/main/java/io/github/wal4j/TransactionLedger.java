package io.github.wal4j;

import java.util.TreeMap;

/**
 * Which transactions have not committed, so a commit never checkpoints past a record that an open
 * (or abandoned) transaction has not applied. Each open transaction is registered under a lower
 * bound of its sequence numbers taken before it appends, so a record can never slip under the
 * checkpoint between its append and its registration.
 */
final class TransactionLedger {
    private final TreeMap<Long, Integer> openLowBounds = new TreeMap<>();
    private long highestCommitted;

    synchronized void open(long lowBound) {
        openLowBounds.merge(lowBound, 1, Integer::sum);
    }

    /**
     * Records a commit and returns the sequence a checkpoint may now cover: everything below the
     * oldest transaction still open, and nothing past what has committed.
     */
    synchronized long commit(long lowBound, long highestSequence) {
        release(lowBound);
        highestCommitted = Math.max(highestCommitted, highestSequence);
        return openLowBounds.isEmpty() ? highestCommitted
                : Math.min(highestCommitted, openLowBounds.firstKey() - 1);
    }

    private void release(long lowBound) {
        openLowBounds.computeIfPresent(lowBound, (k, n) -> n == 1 ? null : n - 1);
    }
}
