package io.github.wal4j.io.nativeio;

import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.Storage;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Run in a child JVM by {@link FlockProcessTest} and {@link LockInteropTest}: tries the lock on
 * {@code args[0]} through the layer {@code args[2]} ({@code native}, the default, or {@code java}),
 * reports {@code locked} or {@code busy} in the file {@code args[1]}, then, with {@code args[3]} =
 * {@code hold} (the default), sleeps until killed, or with {@code probe} exits at once (0 when it
 * got the lock, 3 when not).
 */
public final class LockHolderChild {

    private LockHolderChild() {
    }

    public static void main(String[] args) throws Exception {
        Path lockFile = Path.of(args[0]);
        Path report = Path.of(args[1]);
        String layer = args.length > 2 ? args[2] : "native";
        boolean hold = args.length <= 3 || args[3].equals("hold");
        Storage storage = layer.equals("java") ? new JavaStorage() : new NativeStorage();
        Closeable lock = storage.tryLock(lockFile);
        Path partial = report.resolveSibling(report.getFileName() + ".part");
        Files.writeString(partial, (lock != null ? "locked" : "busy") + "\n", StandardCharsets.UTF_8);
        Files.move(partial, report, StandardCopyOption.ATOMIC_MOVE);
        if (hold) {
            Thread.sleep(120_000); // the parent kills this process long before; bounded in case it does not
        }
        System.exit(lock != null ? 0 : 3);
    }
}
