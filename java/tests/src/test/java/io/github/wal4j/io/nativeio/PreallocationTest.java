package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.fixtures.Mounts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preallocation is an optimisation: where the file system cannot give the space (ENOSPC) the native
 * layer reports {@code false}, leaves the file as it was (no partly allocated tail holding the
 * disk), and warns once per directory, not once per file.
 */
class PreallocationTest {
    private static final long SEGMENT = 64L << 20;

    @TempDir
    Path tmp;
    private Path mount;
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger("io.github.wal4j");
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void setUp() {
        NativeTests.requireNative();
        logger.addHandler(handler);
    }

    @AfterEach
    void tearDown() throws Exception {
        logger.removeHandler(handler);
        if (mount != null) {
            Mounts.unmount(mount);
        }
    }

    @Test
    void onAFullTmpfs() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("tmpfs"));
        Mounts.tmpfsOrSkip(dir, "2m");
        mount = dir;
        refusedPreallocationLeavesTheFilesAsTheyWereAndWarnsOnce(dir);
    }

    /** ext4 keeps what a failed fallocate got, and grows the file to it: the layer must give it back. */
    @Test
    void onAFullExt4() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ext4"));
        Mounts.ext4LoopOrSkip(tmp.resolve("ext4.img"), "8M", dir);
        mount = dir;
        refusedPreallocationLeavesTheFilesAsTheyWereAndWarnsOnce(dir);
    }

    private void refusedPreallocationLeavesTheFilesAsTheyWereAndWarnsOnce(Path dir) throws IOException {
        NativeStorage storage = new NativeStorage();
        long free = Files.getFileStore(dir).getUsableSpace();
        for (String name : List.of("1.wal.tmp", "2.wal.tmp", "3.wal.tmp")) {
            try (StorageFile file = storage.create(dir.resolve(name))) {
                file.write(ByteBuffer.wrap(new byte[4096]), 0);
                assertFalse(file.preallocate(SEGMENT), "a " + SEGMENT + "-byte preallocation on a disk with " + free
                        + " bytes free");
                assertEquals(4096, file.size(), name + " is as it was");
                file.sync();
            }
        }
        long after = Files.getFileStore(dir).getUsableSpace();
        assertTrue(after >= free - (256 << 10), "the refused preallocations hold no space: " + free + " bytes free"
                + " before, " + after + " after");
        assertEquals(1, warnings.size(), "one warning for the directory, not one per file: " + messages());
        String message = warnings.get(0).getMessage();
        assertTrue(message.contains(dir.toString()) && message.contains("ENOSPC"), message);

        // Preallocation works there again, then fails again: that is worth a new warning.
        try (StorageFile file = storage.create(dir.resolve("4.wal.tmp"))) {
            assertTrue(file.preallocate(64 << 10));
            assertEquals(64 << 10, file.size());
        }
        try (StorageFile file = storage.create(dir.resolve("5.wal.tmp"))) {
            assertFalse(file.preallocate(SEGMENT));
            assertEquals(0, file.size());
        }
        assertEquals(2, warnings.size(), messages().toString());
    }

    private List<String> messages() {
        return warnings.stream().map(LogRecord::getMessage).toList();
    }
}
