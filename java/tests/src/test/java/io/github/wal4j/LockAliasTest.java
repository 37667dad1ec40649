package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.fixtures.Mounts;
import io.github.wal4j.fixtures.ProcessLockChild;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory lock follows the lock file's inode, not its path: a second open of a log that is
 * already open in this JVM, reached by another path to the same {@code wal.lock} (a hard link, a bind
 * mount), is refused, and the refusal leaves the first holder's lock in force against other
 * processes. (With fcntl locks, closing any descriptor of the inode would drop it.)
 */
class LockAliasTest {
    @TempDir
    Path tmp;

    @Test
    void aHardLinkedLockFileIsRefusedAndTheHolderStillExcludesOtherProcesses() throws Exception {
        Path first = tmp.resolve("wal");
        Path second = Files.createDirectory(tmp.resolve("alias"));
        try (WriteAheadLog wal = WriteAheadLog.open(first)) {
            wal.append(bytes("before"));
            Files.createLink(second.resolve("wal.lock"), first.resolve("wal.lock"));
            assertRefusedAndStillHeld(wal, first, second);
        }
        // Released at close: the other path to the inode now gets it.
        try (WriteAheadLog alias = WriteAheadLog.open(second)) {
            assertEquals(0, alias.lastSequence());
        }
    }

    @Test
    void aBindMountOfTheDirectoryIsRefusedAndTheHolderStillExcludesOtherProcesses() throws Exception {
        Path first = Files.createDirectory(tmp.resolve("wal"));
        Path mounted = Files.createDirectory(tmp.resolve("mounted"));
        Mounts.bindOrSkip(first, mounted);
        try {
            try (WriteAheadLog wal = WriteAheadLog.open(first)) {
                wal.append(bytes("before"));
                assertRefusedAndStillHeld(wal, first, mounted);
            }
            try (WriteAheadLog again = WriteAheadLog.open(mounted)) {
                assertEquals(2, again.lastSequence(), "the same log, through the mount, once released");
            }
        } finally {
            Mounts.unmount(mounted);
        }
    }

    /** {@code alias} reaches {@code wal}'s lock file by another path. */
    private void assertRefusedAndStillHeld(WriteAheadLog wal, Path dir, Path alias) throws Exception {
        for (int i = 0; i < 3; i++) {
            WalLockedException e = assertThrows(WalLockedException.class, () -> WriteAheadLog.open(alias).close(),
                    "a second open of the same log through " + alias);
            assertTrue(e.getMessage().contains("wal.lock"), e.getMessage());
        }
        Path ack = tmp.resolve("probe.txt");
        try (CrashJvm child = CrashJvm.start(ProcessLockChild.class, tmp, "probe", "try", dir.toString(),
                ack.toString())) {
            assertEquals(0, child.awaitExit(60_000), child.output());
            List<String> lines = AckFile.readAll(ack);
            assertEquals(1, lines.size(), lines + "\n" + child.output());
            assertTrue(lines.get(0).startsWith("locked "), "another process opened the log while this one holds it"
                    + " (the refused open through " + alias + " dropped the lock): " + lines.get(0));
        }
        assertEquals(2, wal.append(bytes("after")), "the holder goes on");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
