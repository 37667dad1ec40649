package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.WalLockedException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.io.ChildJvm;
import io.github.wal4j.io.JavaStorage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    /** Starts a child JVM that takes the lock through {@code layer} and holds it until killed. */
    private Process startHolder(String layer, Path lockFile) throws IOException, InterruptedException {
        Path report = dir.resolve("holder-" + layer + ".report");
        Path err = dir.resolve("holder-" + layer + ".err");
        Process child = ChildJvm.builder(LockHolderChild.class, entry -> true, List.of(),
                        lockFile.toString(), report.toString(), layer, "hold")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
        boolean started = false;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(report)) {
                if (!child.isAlive()) {
                    fail("child JVM exited with " + child.exitValue() + " before locking:\n" + Files.readString(err));
                }
                if (System.nanoTime() > deadline) {
                    fail("child JVM did not lock within 30 s:\n" + Files.readString(err));
                }
                Thread.sleep(20);
            }
            assertEquals("locked", Files.readString(report).strip(), "the child took the " + layer + " lock");
            started = true;
            return child;
        } finally {
            if (!started) {
                kill(child);
            }
        }
    }

    /** Runs a child JVM that tries the lock through {@code layer} once: "locked" or "busy". */
    private String probe(String layer, Path lockFile) throws IOException, InterruptedException {
        Path report = dir.resolve("probe-" + layer + "-" + System.nanoTime() + ".report");
        Path err = dir.resolve(report.getFileName() + ".err");
        Process child = ChildJvm.builder(LockHolderChild.class, entry -> true, List.of(),
                        lockFile.toString(), report.toString(), layer, "probe")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
        try {
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        } finally {
            kill(child);
        }
        assertTrue(Files.exists(report), () -> "probe JVM exited with " + child.exitValue() + " without a report:\n"
                + readQuietly(err));
        return Files.readString(report).strip();
    }

    private static void kill(Process child) throws InterruptedException {
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child JVM did not die");
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
