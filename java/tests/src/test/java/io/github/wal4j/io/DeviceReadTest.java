package io.github.wal4j.io;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Storage#openDeviceRead}: reads at any offset and length return what was written (the kernel
 * writes dirty pages back before an O_DIRECT read), up to the end of a file whose size is no
 * multiple of the block, on the layer of the suite's execution.
 */
class DeviceReadTest {
    @TempDir
    Path tmp;

    @Test
    void readsAtAnyOffsetReturnWhatWasWrittenEvenUnsynced() throws IOException {
        Storage storage = IoLayers.select(System.getProperty("wal4j.io", "auto"));
        Path file = tmp.resolve("data");
        byte[] bytes = new byte[3 * 4096 + 1234];
        new Random(5).nextBytes(bytes);
        try (StorageFile f = storage.create(file)) {
            f.write(ByteBuffer.wrap(bytes), 0);
        }
        try (StorageFile device = storage.openDeviceRead(file)) {
            assumeTrue(device != null, storage.name() + " layer: no O_DIRECT reads on " + Files.getFileStore(tmp).type()
                    + " here");
            Random random = new Random(7);
            for (int i = 0; i < 200; i++) {
                int from = random.nextInt(bytes.length);
                int length = 1 + random.nextInt(Math.min(9000, bytes.length - from + 100));
                ByteBuffer dst = ByteBuffer.allocate(length);
                int total = 0;
                int n;
                while (dst.hasRemaining() && (n = device.read(dst, from + total)) > 0) {
                    total += n;
                }
                int expected = Math.min(length, bytes.length - from);
                assertEquals(expected, total, "bytes read at " + from + " for " + length);
                assertArrayEquals(Arrays.copyOfRange(bytes, from, from + expected),
                        Arrays.copyOf(dst.array(), total), "at " + from);
            }
            assertEquals(-1, device.read(ByteBuffer.allocate(10), bytes.length), "end of file");
        }
    }
}
