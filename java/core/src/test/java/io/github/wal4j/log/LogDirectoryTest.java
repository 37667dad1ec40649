package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.wal4j.WalException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalLockedException;
import io.github.wal4j.EngineConfigs;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalUnsafeDirectoryException;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LogDirectory}: creation, the refusals, the lock and its timeout, and the file operations it routes to its layer. */
class LogDirectoryTest {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    @TempDir
    Path tmp;

    private static WalOptions lockTimeout(Duration timeout) {
        return WalOptions.defaults().withLockTimeout(timeout);
    }

    /** The layer under test, recording the directory syncs it is asked for. */
    private static final class RecordingStorage extends ForwardingStorage {
        final List<Path> directorySyncs = new ArrayList<>();

        RecordingStorage() {
            super(new JavaStorage());
        }

        @Override
        public synchronized void syncDirectory(Path dir) throws IOException {
            directorySyncs.add(dir);
            super.syncDirectory(dir);
        }
    }

    @Test
    void createsAMissingDirectoryAndItsParentsOwnerOnlyAndSyncsEachParent() throws IOException {
        RecordingStorage storage = new RecordingStorage();
        Path requested = tmp.resolve("a/b/wal");
        try (LogDirectory dir = LogDirectory.open(requested, EngineConfigs.of(WalOptions.defaults()), storage)) {
            assertTrue(Files.isDirectory(requested));
            assertEquals(requested.toRealPath(), dir.path());
            assertEquals(List.of(tmp.resolve("a/b"), tmp.resolve("a"), tmp), storage.directorySyncs,
                    "each created directory's entry is made durable in its parent");
            if (POSIX) {
                for (Path created : List.of(requested, tmp.resolve("a/b"), tmp.resolve("a"))) {
                    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(created)),
                            created.toString());
                }
            }
        }
    }

    @Test
    void refusesWhatIsNotADirectoryOfItsOwn() throws IOException {
        Storage storage = new JavaStorage();
        Path file = Files.createFile(tmp.resolve("file"));
        assertThrows(WalFormatException.class, () -> LogDirectory.open(file, EngineConfigs.of(WalOptions.defaults()), storage));

        Path dangling = Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("missing"));
        assertThrows(WalFormatException.class, () -> LogDirectory.open(dangling, EngineConfigs.of(WalOptions.defaults()), storage));
        assertFalse(Files.exists(tmp.resolve("missing")), "a link that leads nowhere is not followed to create");

        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.createFile(shared.resolve("notes.txt"));
        WalFormatException foreign = assertThrows(WalFormatException.class,
                () -> LogDirectory.open(shared, EngineConfigs.of(WalOptions.defaults()), storage));
        assertTrue(foreign.getMessage().contains("notes.txt"), foreign.getMessage());
        assertEquals(List.of("notes.txt"), storage.list(shared), "nothing was changed, no lock file created");
    }

    @Test
    void refusesADirectoryOthersCanWriteUnlessAllowed() throws IOException {
        assumeTrue(POSIX);
        Path dir = Files.createDirectory(tmp.resolve("wal"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        assertThrows(WalUnsafeDirectoryException.class,
                () -> LogDirectory.open(dir, EngineConfigs.of(WalOptions.defaults()), new JavaStorage()));
        assertTrue(new JavaStorage().list(dir).isEmpty(), "the refusal took no lock and created nothing");
        try (LogDirectory opened = LogDirectory.open(dir, EngineConfigs.of(WalOptions.defaults().withSharedDirectoryAllowed(true)),
                new JavaStorage())) {
            assertEquals(dir.toRealPath(), opened.path());
        }
    }

    @Test
    void aHeldLockIsWaitedForUntilTheTimeoutThenRefused() throws IOException {
        Path dir = tmp.resolve("wal");
        try (LogDirectory first = LogDirectory.open(dir, EngineConfigs.of(WalOptions.defaults()), new JavaStorage())) {
            assertEquals(dir.toRealPath(), first.path());
            long start = System.nanoTime();
            WalLockedException e = assertThrows(WalLockedException.class,
                    () -> LogDirectory.open(dir, EngineConfigs.of(lockTimeout(Duration.ofMillis(300))), new JavaStorage()));
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waited >= 300, "gave up after " + waited + " ms, before the 300 ms timeout");
            assertTrue(e.getMessage().contains(LogFiles.LOCK), e.getMessage());
            assertThrows(WalLockedException.class,
                    () -> LogDirectory.open(dir, EngineConfigs.of(WalOptions.defaults()), new JavaStorage()),
                    "a zero timeout makes one attempt");
        }
        try (LogDirectory again = LogDirectory.open(dir, EngineConfigs.of(WalOptions.defaults()), new JavaStorage())) {
            assertEquals(dir.toRealPath(), again.path(), "close released the lock");
        }
    }

    @Test
    void aLockReleasedWhileWaitingIsTaken() throws Exception {
        Path dir = tmp.resolve("wal");
        LogDirectory first = LogDirectory.open(dir, EngineConfigs.of(WalOptions.defaults()), new JavaStorage());
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(100);
                first.close();
            } catch (InterruptedException | IOException e) {
                throw new AssertionError(e);
            }
        });
        releaser.start();
        try (LogDirectory second = LogDirectory.open(dir, EngineConfigs.of(lockTimeout(Duration.ofSeconds(30))), new JavaStorage())) {
            assertEquals(dir.toRealPath(), second.path());
        } finally {
            releaser.join();
        }
    }

    @Test
    void anInterruptedWaitGivesUpAndKeepsTheInterrupt() throws IOException {
        Path dir = tmp.resolve("wal");
        try (LogDirectory first = LogDirectory.open(dir, EngineConfigs.of(WalOptions.defaults()), new JavaStorage())) {
            assertEquals(dir.toRealPath(), first.path());
            Thread.currentThread().interrupt();
            long start = System.nanoTime();
            try {
                assertThrows(WalLockedException.class,
                        () -> LogDirectory.open(dir, EngineConfigs.of(lockTimeout(Duration.ofSeconds(30))), new JavaStorage()));
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is set again");
            } finally {
                Thread.interrupted();
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "did not wait out the timeout");
        }
    }

    @Test
    void deletesThroughItsLayerWithOneDirectorySync() throws IOException {
        RecordingStorage storage = new RecordingStorage();
        try (LogDirectory dir = LogDirectory.open(tmp.resolve("wal"), EngineConfigs.of(WalOptions.defaults()), storage)) {
            storage.directorySyncs.clear();
            dir.deleteAll(List.of());
            assertEquals(List.of(), storage.directorySyncs, "nothing deleted, nothing to sync");
            List<Path> files = new ArrayList<>();
            for (long id = 1; id <= 3; id++) {
                Path file = dir.resolve(LogFiles.segmentName(id));
                storage.create(file).close();
                files.add(file);
            }
            assertEquals(Set.of(LogFiles.LOCK, LogFiles.segmentName(1), LogFiles.segmentName(2),
                    LogFiles.segmentName(3)), Set.copyOf(dir.list()));
            dir.deleteAll(files.subList(0, 2));
            assertEquals(Set.of(LogFiles.LOCK, LogFiles.segmentName(3)), Set.copyOf(dir.list()));
            assertEquals(List.of(dir.path()), storage.directorySyncs, "one fsync of the directory after the deletions");
        }
    }

    @Test
    void refusesSnapshotTargetsItMustNotWrite() throws IOException {
        try (LogDirectory dir = LogDirectory.open(tmp.resolve("wal"), EngineConfigs.of(WalOptions.defaults()), new JavaStorage())) {
            assertThrows(IllegalArgumentException.class, () -> dir.checkSnapshotTarget(dir.resolve("state.snap")));
            assertThrows(WalException.class, () -> dir.checkSnapshotTarget(tmp.resolve("missing/state.snap")));
            Path snapshots = Files.createDirectory(tmp.resolve("snapshots"));
            Path link = Files.createSymbolicLink(snapshots.resolve("state.snap"), tmp.resolve("elsewhere"));
            assertThrows(WalFormatException.class, () -> dir.checkSnapshotTarget(link));
            assertFalse(Files.exists(tmp.resolve("elsewhere")));
            dir.checkSnapshotTarget(snapshots.resolve("other.snap"));

            assertEquals(List.of(), dir.listOther(tmp.resolve("missing")), "a missing directory holds nothing");
            assertEquals(List.of(), dir.listOther(snapshots), "a link is not a regular file");
        }
    }
}
