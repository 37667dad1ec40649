package io.github.wal4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.io.nativeio.NativeIo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build runs the whole suite twice, with {@code -Dwal4j.io=java} and {@code -Dwal4j.io=native}
 * (pom.xml, Surefire). This test makes the native run fail if a log opened with the default options
 * silently ran on another layer, so that run really tests the native layer.
 */
class ActiveLayerTest {

    @TempDir
    Path dir;

    @Test
    void aLogWithDefaultOptionsRunsOnTheLayerThisRunAsksFor() throws IOException {
        String requested = System.getProperty(IoLayers.PROPERTY, "").strip().toLowerCase(Locale.ROOT);
        String expected;
        if (requested.equals(IoLayers.NATIVE) || requested.equals(IoLayers.JAVA)) {
            expected = requested;
        } else {
            expected = NativeIo.isAvailable() ? IoLayers.NATIVE : IoLayers.JAVA; // auto
        }
        byte[] record = "on the requested layer".getBytes(StandardCharsets.UTF_8);
        try (WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"))) {
            assertEquals(expected, wal.ioLayer(), () -> "-D" + IoLayers.PROPERTY + "=" + requested
                    + " but the log runs on " + wal.ioLayer() + "; native unavailable because: "
                    + NativeIo.unavailabilityReason());
            wal.append(record);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"))) {
            assertEquals(expected, wal.ioLayer());
            List<WalRecord> records = wal.recover();
            assertEquals(1, records.size());
            assertEquals(new String(record, StandardCharsets.UTF_8),
                    new String(records.get(0).payload(), StandardCharsets.UTF_8));
        }
    }
}
