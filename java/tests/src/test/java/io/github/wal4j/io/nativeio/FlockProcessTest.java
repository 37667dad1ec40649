package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.io.ChildJvm;
import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** flock between two processes: held while the holder lives, free once it is killed. */
class FlockProcessTest {

    @TempDir
    Path dir;

    @BeforeEach
    void requireNative() {
        NativeTests.requireNative();
    }

    @Test
    void lockHeldByAnotherProcessUntilItDies() throws Exception {
        Path lockFile = dir.resolve("LOCK");
        Path report = dir.resolve("child.report");
        Path err = dir.resolve("child.err");
        Process child = ChildJvm.builder(LockHolderChild.class, entry -> true, List.of(),
                        lockFile.toString(), report.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
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
            assertEquals("locked", Files.readString(report).strip());

            NativeStorage storage = new NativeStorage();
            assertNull(storage.tryLock(lockFile), "the child holds the lock");

            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child JVM did not die");
            try (Closeable lock = storage.tryLock(lockFile)) {
                assertNotNull(lock, "the kernel released the dead child's lock");
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
