package io.github.wal4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WalSubscription;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's tailing example is {@link Follower}, compiled by the build: the README's block in
 * "Following the log" must be that source file without its package line; shipping resumes from the
 * returned position with nothing lost or twice, across a reopen; the subscription sees every record.
 */
class FollowerExampleTest {
    private static final Path PROJECT = Path.of(System.getProperty("wal4j.projectRoot", "../..")).toAbsolutePath();
    private static final Path SOURCE = Path.of("java/tests/src/test/java/io/github/wal4j/example/Follower.java");

    @TempDir
    Path tmp;

    @Test
    void readmeBlockIsTheCompiledExample() throws IOException {
        List<String> lines = Files.readAllLines(PROJECT.resolve("README.md"));
        int section = lines.indexOf("## Following the log");
        assertTrue(section >= 0, "README.md has no section \"## Following the log\"");
        int from = section + lines.subList(section, lines.size()).indexOf("```java") + 1;
        int to = from + lines.subList(from, lines.size()).indexOf("```");
        List<String> source = Files.readAllLines(PROJECT.resolve(SOURCE));
        assertEquals("package io.github.wal4j.example;", source.get(0));
        assertEquals(source.subList(2, source.size()), lines.subList(from, to),
                "README.md's block in \"Following the log\" must be " + SOURCE + " without its package line");
    }

    @Test
    void shipsEachRecordOnceAcrossAReopenAndTheSubscriptionSeesThemAll() throws Exception {
        Path dir = tmp.resolve("wal");
        List<String> replica = new ArrayList<>();
        long position;
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            for (int i = 1; i <= 5; i++) {
                wal.append(("change " + i).getBytes(StandardCharsets.UTF_8));
            }
            position = Follower.ship(wal, 1, r -> replica.add(text(r)), Duration.ofMillis(50));
            assertEquals(6, position);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            wal.append("change 6".getBytes(StandardCharsets.UTF_8));
            position = Follower.ship(wal, position, r -> replica.add(text(r)), Duration.ofMillis(50));
            assertEquals(7, position);
            assertEquals(List.of("change 1", "change 2", "change 3", "change 4", "change 5", "change 6"), replica);
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                wal.checkpoint(2);
                CountDownLatch all = new CountDownLatch(4);
                List<Long> indexed = new ArrayList<>();
                WalSubscription s = Follower.index(wal, executor, (sequence, payload) -> {
                    indexed.add(sequence);
                    all.countDown();
                });
                assertTrue(all.await(10, TimeUnit.SECONDS), "indexed " + indexed);
                s.close();
                assertNull(s.ended().get(5, TimeUnit.SECONDS));
                assertEquals(List.of(3L, 4L, 5L, 6L), indexed);
            } finally {
                executor.shutdown();
            }
        }
    }

    private static String text(WalRecord r) {
        return new String(r.payload(), StandardCharsets.UTF_8);
    }
}
