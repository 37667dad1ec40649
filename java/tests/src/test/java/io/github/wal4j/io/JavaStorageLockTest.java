package io.github.wal4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.io.nativeio.LockChildren;
import java.io.Closeable;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The java layer never closes a channel of a lock file after a failed attempt: closing any
 * descriptor of a file drops every fcntl lock this process holds on it.
 */
class JavaStorageLockTest {
    @TempDir
    Path dir;

    /**
     * The application holds an fcntl lock on the file through a channel of its own: the attempt
     * fails with an overlap inside the JDK, and its channel must stay open.
     */
    @Test
    void anOverlapWithAnotherChannelOfThisJvmLeavesThatLockInForce() throws Exception {
        Path lockFile = Files.createDirectory(dir.resolve("wal")).resolve("wal.lock");
        try (FileChannel own = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = own.tryLock()) {
            assertNotNull(lock);
            int spares = JavaStorage.spareLockChannels();
            for (int i = 0; i < 5; i++) {
                assertNull(new JavaStorage().tryLock(lockFile), "held by this JVM through another channel");
            }
            assertTrue(JavaStorage.spareLockChannels() <= spares + 1, "the attempts reuse one kept channel");
            assertEquals("busy", LockChildren.probe("java", lockFile, dir),
                    "the application's lock survived the refused attempts");
        }
        try (Closeable lock = new JavaStorage().tryLock(lockFile)) {
            assertNotNull(lock, "free once the application released it");
        }
    }

    @Test
    void attemptsWhileAnotherProcessHoldsTheLockReuseOneChannel() throws Exception {
        Path lockFile = Files.createDirectory(dir.resolve("wal")).resolve("wal.lock");
        Process holder = LockChildren.startHolder("java", lockFile, dir);
        try {
            int spares = JavaStorage.spareLockChannels();
            for (int i = 0; i < 20; i++) {
                assertNull(new JavaStorage().tryLock(lockFile), "the child JVM holds the lock");
            }
            assertTrue(JavaStorage.spareLockChannels() <= spares + 1, "the attempts reuse one kept channel");
            LockChildren.kill(holder);
            try (Closeable lock = new JavaStorage().tryLock(lockFile)) {
                assertNotNull(lock, "the kernel released the dead child's lock");
                assertEquals("busy", LockChildren.probe("java", lockFile, dir), "and this process holds it now");
            }
        } finally {
            LockChildren.kill(holder);
        }
    }
}
