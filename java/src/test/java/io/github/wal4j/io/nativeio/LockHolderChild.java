package io.github.wal4j.io.nativeio;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Run by {@link FlockProcessTest} in a child JVM: takes the lock on {@code args[0]}, reports
 * {@code locked} (or {@code busy}) in the file {@code args[1]}, then sleeps until killed.
 */
public final class LockHolderChild {

    private LockHolderChild() {
    }

    public static void main(String[] args) throws Exception {
        Path lockFile = Path.of(args[0]);
        Path report = Path.of(args[1]);
        Closeable lock = new NativeStorage().tryLock(lockFile);
        Path partial = report.resolveSibling(report.getFileName() + ".part");
        Files.writeString(partial, (lock != null ? "locked" : "busy") + "\n", StandardCharsets.UTF_8);
        Files.move(partial, report, StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(120_000); // the parent kills this process long before; bounded in case it does not
        System.exit(lock != null ? 0 : 3);
    }
}
