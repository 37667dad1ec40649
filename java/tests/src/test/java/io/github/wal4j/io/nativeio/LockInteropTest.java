package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalLockedException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.Storage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native layer's lock (flock + OFD fcntl lock) and the java layer's ({@code FileChannel.tryLock},
 * a classic fcntl lock on Linux) exclude each other, across processes and inside one JVM, so a log
 * opened on one layer can never be opened at the same time on the other.
 */
class LockInteropTest {

    @TempDir
    Path dir;

    /** The log's directory: the children's reports stay outside it. */
    Path walDir;

    @BeforeEach
    void requireNative() throws IOException {
        NativeTests.requireNative();
        walDir = Files.createDirectory(dir.resolve("wal"));
    }

    @Test
    void javaLockInAnotherProcessBlocksTheNativeLayer() throws Exception {
        Path lockFile = walDir.resolve("wal.lock");
        Process holder = startHolder("java", lockFile);
        try {
            NativeStorage storage = new NativeStorage();
            int spares = NativeStorage.spareLockDescriptors();
            for (int i = 0; i < 20; i++) {
                assertNull(storage.tryLock(lockFile), "the child JVM holds the java (fcntl) lock");
            }
            assertTrue(NativeStorage.spareLockDescriptors() <= spares + 1, "retries reuse one descriptor");
            WalLockedException e = assertThrows(WalLockedException.class,
                    () -> WriteAheadLog.open(walDir, WalOptions.defaults().withIoLayer("native")).close());
            assertTrue(e.getMessage().contains("wal.lock"), e.getMessage());

            kill(holder);
            try (Closeable lock = storage.tryLock(lockFile)) {
                assertNotNull(lock, "the kernel released the dead child's lock");
            }
            try (WriteAheadLog wal = WriteAheadLog.open(walDir, WalOptions.defaults().withIoLayer("native"))) {
                assertEquals("native", wal.ioLayer());
            }
        } finally {
            kill(holder);
        }
    }

    @Test
    void nativeLockInAnotherProcessBlocksTheJavaLayer() throws Exception {
        Path lockFile = walDir.resolve("wal.lock");
        Process holder = startHolder("native", lockFile);
        try {
            JavaStorage storage = new JavaStorage();
            assertNull(storage.tryLock(lockFile), "the child JVM holds the native (flock + OFD) lock");
            assertThrows(WalLockedException.class,
                    () -> WriteAheadLog.open(walDir, WalOptions.defaults().withIoLayer("java")).close());

            kill(holder);
            try (Closeable lock = storage.tryLock(lockFile)) {
                assertNotNull(lock, "the kernel released the dead child's lock");
            }
            try (WriteAheadLog wal = WriteAheadLog.open(walDir, WalOptions.defaults().withIoLayer("java"))) {
                assertEquals("java", wal.ioLayer());
            }
        } finally {
            kill(holder);
        }
    }

    /**
     * A failed native attempt must not drop this JVM's own java lock: closing any descriptor of a
     * file releases the process's classic fcntl locks on it, so the native layer keeps its descriptor.
     */
    @Test
    void inOneJvmJavaFirstThenNative() throws Exception {
        Path lockFile = walDir.resolve("wal.lock");
        NativeStorage nativeStorage = new NativeStorage();
        Closeable javaLock = new JavaStorage().tryLock(lockFile);
        assertNotNull(javaLock);
        try {
            for (int i = 0; i < 3; i++) {
                assertNull(nativeStorage.tryLock(lockFile), "this JVM's java lock excludes the native layer");
            }
            assertEquals("busy", probe("native", lockFile), "the java lock survived the failed native attempts");
        } finally {
            javaLock.close();
        }
        Closeable nativeLock = nativeStorage.tryLock(lockFile);
        assertNotNull(nativeLock, "free once the java lock is released");
        try {
            assertNull(new JavaStorage().tryLock(lockFile), "the native lock excludes this JVM's java layer");
            assertEquals("busy", probe("java", lockFile), "and another process's");
        } finally {
            nativeLock.close();
        }
        try (Closeable again = new JavaStorage().tryLock(lockFile)) {
            assertNotNull(again);
        }
    }

    @Test
    void inOneJvmNativeFirstThenJava() throws Exception {
        Path lockFile = walDir.resolve("wal.lock");
        Closeable nativeLock = new NativeStorage().tryLock(lockFile);
        assertNotNull(nativeLock);
        try {
            assertNull(new JavaStorage().tryLock(lockFile));
            assertNull(new JavaStorage().tryLock(lockFile));
            assertNull(new NativeStorage().tryLock(lockFile));
            assertEquals("busy", probe("java", lockFile), "the native lock survived the failed java attempts");
        } finally {
            nativeLock.close();
        }
        try (Closeable javaLock = new JavaStorage().tryLock(lockFile)) {
            assertNotNull(javaLock);
        }
    }

    /**
     * A hard link reaches the same lock by another path. Whichever layer holds it, an attempt through
     * the link, on either layer, is refused, and does not drop the holder's lock: another process is
     * still kept out (a java-layer attempt that closed its channel after the overlap would release
     * this process's fcntl lock on the inode).
     */
    @Test
    void aHardLinkToTheLockFileIsTheSameLockOnBothLayers() throws Exception {
        Path lockFile = walDir.resolve("wal.lock");
        Files.createFile(lockFile);
        Path alias = Files.createLink(Files.createDirectory(dir.resolve("alias")).resolve("wal.lock"), lockFile);
        for (String holder : List.of("java", "native")) {
            Closeable held = storage(holder).tryLock(lockFile);
            assertNotNull(held, holder + " layer lock");
            try {
                for (String other : List.of("java", "native", "java", "native")) {
                    assertNull(storage(other).tryLock(alias), "the " + holder + " lock seen through a hard link, by"
                            + " the " + other + " layer");
                }
                for (String probeLayer : List.of("java", "native")) {
                    assertEquals("busy", probe(probeLayer, lockFile), "the " + holder + " lock survived the refused"
                            + " attempts through the link, against another process's " + probeLayer + " layer");
                }
            } finally {
                held.close();
            }
            try (Closeable again = storage(holder).tryLock(alias)) {
                assertNotNull(again, "released at close: the link gets it");
            }
        }
    }

    private static Storage storage(String layer) throws IOException {
        return layer.equals("java") ? new JavaStorage() : new NativeStorage();
    }

    private Process startHolder(String layer, Path lockFile) throws IOException, InterruptedException {
        return LockChildren.startHolder(layer, lockFile, dir);
    }

    private String probe(String layer, Path lockFile) throws IOException, InterruptedException {
        return LockChildren.probe(layer, lockFile, dir);
    }

    private static void kill(Process child) throws InterruptedException {
        LockChildren.kill(child);
    }
}
