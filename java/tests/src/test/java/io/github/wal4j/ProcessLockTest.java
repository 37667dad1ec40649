package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.fixtures.ProcessLockChild;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory lock between processes, and its release by the OS when the holder is SIGKILLed. */
class ProcessLockTest {
    @TempDir
    Path tmp;

    @Test
    void anotherProcessHoldsTheLockUntilItIsKilled() throws Exception {
        Path dir = tmp.resolve("wal");
        Path ack = tmp.resolve("hold.txt");
        try (CrashJvm holder = CrashJvm.start(ProcessLockChild.class, tmp, "holder", "hold", dir.toString(),
                ack.toString())) {
            new AckFile(ack).awaitLines(holder, lines -> !lines.isEmpty(), 60_000, "the holder to open the log");
            assertEquals(List.of("opened 3"), AckFile.readAll(ack));
            Map<String, Long> before = listing(dir);

            long started = System.nanoTime();
            WalLockedException e = assertThrows(WalLockedException.class, () -> WriteAheadLog.open(dir).close());
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis < 1000, "open took " + millis + " ms to fail; the lock timeout is zero");
            assertTrue(e.getMessage().contains("wal.lock"), e.getMessage());

            // With a timeout it waits that long, then fails the same way.
            started = System.nanoTime();
            assertThrows(WalLockedException.class,
                    () -> WriteAheadLog.open(dir, WalOptions.defaults().withLockTimeout(Duration.ofMillis(300))).close());
            millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis >= 290 && millis < 2000, "open with a 300 ms lock timeout failed after " + millis + " ms");

            // The failed opens changed nothing on disk.
            assertEquals(before, listing(dir), "files of the locked log changed by the failed opens");
            holder.kill();
        }

        // The OS released the dead holder's lock: open succeeds at once, and sees its records.
        long started = System.nanoTime();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis < 1000, "open after the holder died took " + millis + " ms");
            List<WalRecord> records = wal.recover();
            assertEquals(3, records.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, records.get(i).sequence());
                assertEquals("held-" + i, new String(records.get(i).payload(), StandardCharsets.UTF_8));
            }

            // And now this process holds it: a child's open fails.
            Path tryAck = tmp.resolve("try-locked.txt");
            try (CrashJvm child = CrashJvm.start(ProcessLockChild.class, tmp, "try-locked", "try", dir.toString(),
                    tryAck.toString())) {
                assertEquals(0, child.awaitExit(60_000), child.output());
                List<String> lines = AckFile.readAll(tryAck);
                assertEquals(1, lines.size(), lines + "\n" + child.output());
                assertTrue(lines.get(0).startsWith("locked "), "the child's open while this process holds the log: "
                        + lines.get(0));
                long childMillis = Long.parseLong(lines.get(0).substring("locked ".length()));
                assertTrue(childMillis < 1000, "the child's open took " + childMillis + " ms to fail");
            }
        }

        // Closed: a child opens it.
        Path tryAck = tmp.resolve("try-free.txt");
        try (CrashJvm child = CrashJvm.start(ProcessLockChild.class, tmp, "try-free", "try", dir.toString(),
                tryAck.toString())) {
            assertEquals(0, child.awaitExit(60_000), child.output());
            assertEquals(List.of("opened 3"), AckFile.readAll(tryAck), child.output());
        }
    }

    private static Map<String, Long> listing(Path dir) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                m.put(p.getFileName().toString(), Files.size(p));
            }
        }
        return m;
    }
}
