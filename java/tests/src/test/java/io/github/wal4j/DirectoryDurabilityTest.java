package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.io.IoLayers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Open creates every missing directory on the way to the log, and the entry of each is durable
 * before open returns: the directory holding it is fsynced. (A power cut could otherwise lose a
 * whole created branch, and the acknowledged records in it.)
 */
class DirectoryDurabilityTest {
    @TempDir
    Path tmp;

    /** Records the directories synced through it, in order. */
    private static final class RecordingStorage extends ForwardingStorage {
        final List<Path> syncedDirectories = new CopyOnWriteArrayList<>();

        RecordingStorage() throws IOException {
            super(IoLayers.select());
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            syncedDirectories.add(dir);
            super.syncDirectory(dir);
        }
    }

    @Test
    void everyCreatedDirectoryIsMadeDurableInItsParentBeforeOpenReturns() throws Exception {
        Path root = tmp.toRealPath();
        Path dir = root.resolve("a").resolve("b").resolve("c").resolve("wal");
        RecordingStorage storage = new RecordingStorage();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            List<Path> synced = List.copyOf(storage.syncedDirectories);
            for (Path parent : List.of(root, root.resolve("a"), root.resolve("a/b"), root.resolve("a/b/c"))) {
                assertTrue(synced.contains(parent), "the directory holding the created entry "
                        + parent.relativize(dir).getName(0) + " was not fsynced by open: " + parent + "; synced: "
                        + synced);
            }
            assertEquals(1, wal.append(new byte[] {1}));
        }
    }

    @Test
    void anExistingDirectoryIsNotSyncedForNothing() throws Exception {
        Path root = tmp.toRealPath();
        Path dir = Files.createDirectories(root.resolve("x/wal"));
        RecordingStorage storage = new RecordingStorage();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(storage))) {
            assertTrue(!storage.syncedDirectories.contains(root) && !storage.syncedDirectories.contains(
                    root.resolve("x")), "no directory entry was created above the log: " + storage.syncedDirectories);
            assertEquals(dir, wal.directory());
        }
    }
}
