package io.github.wal4j;

import static io.github.wal4j.fixtures.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.Keys;
import io.github.wal4j.testing.internal.LogDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal is a {@link WalRefusedException}: the call changed no byte and no name in the
 * directory, and the message says so exactly once, at its end, whichever class refused.
 */
class RefusalsTest {
    private static final WalOptions SMALL = WalOptions.defaults().withSegmentSize(64 << 10);

    @TempDir
    Path tmp;

    @Test
    void damageToAcknowledgedData() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 5, 100);
        // A payload byte of record 1; later batches and the clean close say it was durable.
        FileDamage.flipBit(LogDirs.segments(dir).get(0), 4096 + 36 + 4 + 10, 3);
        WalCorruptedException e = assertRefused(WalCorruptedException.class, dir, () -> WriteAheadLog.open(dir, SMALL).close());
        assertTrue(!e.reason().contains("nothing was changed"), "the reason is the damage alone: " + e.reason());
    }

    @Test
    void notAWal() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(dir.resolve("notes.txt"), "mine");
        assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir, SMALL).close());
    }

    @Test
    void heldLock() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            wal.append(new byte[10]);
            assertRefused(WalLockedException.class, dir, () -> WriteAheadLog.open(dir, SMALL).close());
        }
    }

    @Test
    void missingKey() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL.withProtection(Protection.AES_256_GCM, Keys.only("k1")), 3, 100);
        assertRefused(WalKeyException.class, dir,
                () -> WriteAheadLog.open(dir, SMALL.withProtection(Protection.AES_256_GCM, Keys.only("k2"))).close());
    }

    @Test
    void recordOverTheLimitAtOpenAndAtAppend() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 3, 1000);
        assertRefused(RecordTooLargeException.class, dir, () -> WriteAheadLog.open(dir, SMALL.withMaxRecordSize(100)).close());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL.withMaxRecordSize(1000))) {
            assertRefused(RecordTooLargeException.class, dir, () -> wal.append(new byte[1001]));
        }
    }

    @Test
    void directoryOthersCanWrite() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 3, 100);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        assertRefused(WalUnsafeDirectoryException.class, dir, () -> WriteAheadLog.open(dir, SMALL).close());
    }
}
