package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.Closeable;
import java.nio.file.Path;
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
        Process child = LockChildren.startHolder("native", lockFile, dir);
        try {
            NativeStorage storage = new NativeStorage();
            assertNull(storage.tryLock(lockFile), "the child holds the lock");

            LockChildren.kill(child);
            try (Closeable lock = storage.tryLock(lockFile)) {
                assertNotNull(lock, "the kernel released the dead child's lock");
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
