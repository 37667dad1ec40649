package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link CommitTuning}: both mechanisms on unless a benchmark switch says {@code false}. */
class CommitTuningTest {
    @Test
    void eachSwitchTurnsOffOnlyItsMechanismAndOnlyWithFalse() {
        try {
            System.clearProperty("wal4j.groupCommitWait");
            System.clearProperty("wal4j.selfCommit");
            assertEquals(new CommitTuning(true, true), CommitTuning.fromSystemProperties());
            System.setProperty("wal4j.groupCommitWait", "false");
            assertEquals(new CommitTuning(false, true), CommitTuning.fromSystemProperties());
            System.setProperty("wal4j.groupCommitWait", "no");
            System.setProperty("wal4j.selfCommit", "false");
            assertEquals(new CommitTuning(true, false), CommitTuning.fromSystemProperties());
        } finally {
            System.clearProperty("wal4j.groupCommitWait");
            System.clearProperty("wal4j.selfCommit");
        }
    }
}
