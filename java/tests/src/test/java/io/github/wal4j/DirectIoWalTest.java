package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.spi.ForwardingStorage;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The O_DIRECT path of the log: used when asked for and possible (native layer, a file system that
 * takes O_DIRECT), falling back to buffered writes + fdatasync, detected at open and reported by
 * {@link WriteAheadLog#directIo()}, where the layer or file system cannot.
 */
class DirectIoWalTest {
    @TempDir
    Path tmp;

    private static byte[] payload(int i) {
        byte[] b = new byte[(i * 37) % 1500];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (i + k);
        }
        return b;
    }

    @Test
    void directIoLogRecoversEverythingAcrossRotationAndReopen() throws IOException {
        Assumptions.assumeTrue("native".equals(System.getProperty("wal4j.io")),
                "direct I/O needs the native layer; this run uses " + System.getProperty("wal4j.io"));
        Path dir = tmp.resolve("wal");
        WalOptions options = WalOptions.defaults().withDirectIo(true).withSegmentSize(16 << 10);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertTrue(wal.directIo(), "ext4 takes O_DIRECT, so the native layer must use it");
            for (int i = 1; i <= 100; i++) {
                assertEquals(i, wal.append(payload(i)));
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.filter(p -> p.toString().endsWith(".wal")).count() > 3, "rotated several times");
        }
        // Reopened with direct I/O and without it: the same bytes, the same records.
        for (boolean direct : new boolean[] {true, false}) {
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options.withDirectIo(direct))) {
                assertEquals(direct, wal.directIo());
                List<WalRecord> records = wal.recover();
                assertEquals(100 + (direct ? 0 : 1), records.size());
                for (int i = 1; i <= 100; i++) {
                    assertArrayEquals(payload(i), records.get(i - 1).payload());
                }
                assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
                wal.append(payload(101));
            }
        }
    }

    @Test
    void fallsBackToBufferedWritesWhereDirectIoIsRefused() throws IOException {
        // A layer whose file system refuses O_DIRECT (as tmpfs before Linux 6.6 answers EINVAL).
        Storage refusing = new ForwardingStorage(new JavaStorage()) {
            @Override
            public int directIoAlignment(Path dir) {
                return 0;
            }
        };
        Path dir = tmp.resolve("fallback");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withDirectIo(true)
                .withStorage(refusing))) {
            assertFalse(wal.directIo(), "reported as buffered");
            wal.append(payload(1));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(1, wal.recover().size());
        }
    }

    @Test
    void theJavaLayerReportsBufferedWrites() throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("java"), WalOptions.defaults().withDirectIo(true)
                .withIoLayer("java"))) {
            assertFalse(wal.directIo());
            assertEquals(1, wal.append(payload(3)));
        }
    }
}
