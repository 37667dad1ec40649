package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.spi.StorageFile;
import io.github.wal4j.testing.fuse.PowerCutFileSystem;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a file system without {@code fallocate(2)} (NFSv3, many FUSE file systems; here the power-cut
 * file system mounted without it), preallocation is refused instead of emulated: glibc's
 * {@code posix_fallocate} would write the whole 64 MiB segment with zeros in the foreground (9.5 s
 * to open a new log on LazyFS), so the native layer lets such files grow as they are written, as
 * the java layer does everywhere.
 */
class NoFallocateFileSystemTest {
    private static final long SEGMENT = 64L << 20;

    @TempDir
    Path tmp;

    @BeforeEach
    void requireNativeAndFuse() {
        NativeTests.requireNative();
        Assumptions.assumeTrue(PowerCutFileSystem.isAvailable(), PowerCutFileSystem::unavailabilityCause);
    }

    @Test
    void preallocationIsRefusedWithoutWritingTheRange() throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        try (PowerCutFileSystem fs = PowerCutFileSystem.mountWithoutFallocate(
                Files.createDirectory(tmp.resolve("backing")), mnt)) {
            NativeStorage storage = new NativeStorage();
            try (StorageFile file = storage.create(mnt.resolve("1.wal.tmp"))) {
                file.write(ByteBuffer.wrap("header".getBytes(StandardCharsets.US_ASCII)), 0);
                long before = fs.writeRequests();
                boolean preallocated = file.preallocate(SEGMENT);
                long writes = fs.writeRequests() - before;
                assertEquals(0, writes, "writes made by the preallocation");
                assertFalse(preallocated, "preallocation where fallocate(2) is not supported");
                assertEquals(6, file.size(), "the file keeps its size");
            }
        }
    }

    @Test
    void aNewLogOnTheNativeLayerWritesWhatItAppendsNotASegmentOfZeros() throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        WalOptions options = WalOptions.defaults().withIoLayer("native");
        try (PowerCutFileSystem fs = PowerCutFileSystem.mountWithoutFallocate(
                Files.createDirectory(tmp.resolve("backing")), mnt)) {
            Path dir = mnt.resolve("wal");
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                for (int i = 0; i < 10; i++) {
                    wal.append(("record " + i).getBytes(StandardCharsets.UTF_8));
                }
            }
            assertTrue(fs.writeRequests() < 1000, "opening, appending 10 records and closing made "
                    + fs.writeRequests() + " writes (a " + SEGMENT + "-byte segment has "
                    + SEGMENT / 4096 + " blocks)");
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                assertEquals(10, wal.recover().size());
            }
        }
    }
}
