package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalOptions;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wal4j verify} on a log truncated after its clean close: open's verdict, corruption. */
class CliTruncatedLogTest {
    @TempDir
    Path tmp;

    @Test
    void verifySaysCorruptionForALogTruncatedAfterItsCleanClose() throws Exception {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, WalOptions.defaults().withSegmentSize(8 << 20), 500, 100);
        List<Path> segments = LogDirs.segments(dir);
        Path newest = segments.get(segments.size() - 1);
        FileDamage.truncate(newest, SegmentLayout.read(newest).record(40).offset());
        Result r = Cli.run("verify", dir);
        assertEquals(2, r.exit(), r::toString);
        assertFalse(r.out().contains("no acknowledged record is lost"), r::toString);
        assertTrue(r.out().contains("500"), r::toString);
    }
}
