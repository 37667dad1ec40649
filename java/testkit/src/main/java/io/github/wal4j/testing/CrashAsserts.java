package io.github.wal4j.testing;

import io.github.wal4j.WalException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Path;

/** Assertions shared by the crash tests. */
public final class CrashAsserts {
    private CrashAsserts() {
    }

    /**
     * Opens the log after a kill; a refusal to open (corruption, a format error) is a failed
     * assertion that names the cycle and seed.
     */
    public static WriteAheadLog open(Path dir, WalOptions options, String where) throws IOException {
        try {
            return WriteAheadLog.open(dir, options);
        } catch (WalException e) {
            throw new AssertionError("reopening the log after the kill failed, " + where + ": " + e, e);
        }
    }
}
