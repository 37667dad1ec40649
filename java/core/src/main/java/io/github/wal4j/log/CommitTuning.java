package io.github.wal4j.log;

/**
 * Two switches that turn off a group-commit mechanism, for the benchmarks' A/B runs
 * ({@code bench/}: the {@code wal4j-native-nowait} and {@code wal4j-native-noself} subjects) and the
 * tests that check the path without it. They are not API: no option of
 * {@link io.github.wal4j.WalOptions} sets them, and they may go away.
 *
 * <ul>
 *   <li>{@code -Dwal4j.groupCommitWait=false}: the writer never waits for a batch to fill
 *       ({@link #gatherBatches()});
 *   <li>{@code -Dwal4j.selfCommit=false}: every append goes through the writer thread
 *       ({@link #selfCommit()}).
 * </ul>
 *
 * <p>{@link #fromSystemProperties()} is the one place that reads them; a log reads them once, when
 * it opens, so a property set only while a log opens applies to that log for its whole life.
 *
 * @param gatherBatches whether the writer may wait briefly for appenders still arriving, so the
 *     batch it syncs is as large as the concurrency (see {@link GroupCommitter})
 * @param selfCommit whether a lone blocking appender may write and sync its own record on its own
 *     thread (where the durability mode and the storage layer allow it at all)
 */
record CommitTuning(boolean gatherBatches, boolean selfCommit) {
    /** The switches as the system properties set them now; anything but {@code false} leaves one on. */
    static CommitTuning fromSystemProperties() {
        return new CommitTuning(!"false".equals(System.getProperty("wal4j.groupCommitWait")),
                !"false".equals(System.getProperty("wal4j.selfCommit")));
    }
}
