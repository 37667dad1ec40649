package io.github.wal4j.io;

import io.github.wal4j.spi.Storage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.io.nativeio.NativeIo;
import io.github.wal4j.io.nativeio.NativeStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoLayersTest {

    @TempDir
    Path dir;

    @Test
    void javaIsAlwaysAvailable() throws IOException {
        Storage storage = IoLayers.select("java");
        assertInstanceOf(JavaStorage.class, storage);
        assertEquals("java", storage.name());
        assertEquals("java", IoLayers.select(" Java ").name());
    }

    @Test
    void autoPicksNativeWhenItLoads() throws IOException {
        Storage storage = IoLayers.select("auto");
        if (NativeIo.isAvailable()) {
            assertInstanceOf(NativeStorage.class, storage);
            assertEquals("native", IoLayers.select("native").name());
        } else {
            assertEquals("java", storage.name());
            IOException e = assertThrows(IOException.class, () -> IoLayers.select("native"));
            assertTrue(e.getMessage().contains("cannot be used"), e.getMessage());
        }
    }

    @Test
    void unknownModeNamesTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IoLayers.select("fast"));
        assertTrue(e.getMessage().contains("'fast'"), e.getMessage());
        assertTrue(e.getMessage().contains("auto, native and java"), e.getMessage());
    }

    /**
     * The real selection code in a JVM that cannot load libwal4j: the class path lacks
     * target/native-classes, so JNA finds the library nowhere.
     */
    @Test
    void autoFallsBackToJavaWhenNativeCannotLoad() throws Exception {
        Path out = dir.resolve("child.out");
        Path err = dir.resolve("child.err");
        Process child = ChildJvm.builder(LayerSelectionChild.class, entry -> !ChildJvm.isNativeClasses(entry),
                        List.of("-Dwal4j.io=native", "-Djna.nosys=true"), dir.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        } finally {
            child.destroyForcibly();
        }
        String stderr = Files.readString(err);
        assertEquals(0, child.exitValue(), () -> "child failed:\n" + stderr);
        Map<String, String> lines = Files.readAllLines(out).stream()
                .filter(line -> line.contains("="))
                .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')),
                        line -> line.substring(line.indexOf('=') + 1)));

        assertEquals("java", lines.get("auto"));
        assertEquals("java", lines.get("auto-again"));
        assertEquals("java", lines.get("java"));
        assertTrue(lines.get("native").startsWith("IOException: wal4j I/O layer 'native' (requested) cannot be used: "
                + "UnsatisfiedLinkError"), lines.get("native"));
        assertTrue(lines.get("native").endsWith("cause java.lang.UnsatisfiedLinkError"), lines.get("native"));
        assertTrue(lines.get("property").startsWith("IOException: wal4j I/O layer 'native' (wal4j.io=native) cannot be used"),
                lines.get("property"));
        assertEquals("via java", lines.get("content"));

        // logged once per JVM, at INFO, saying why
        String logLine = "wal4j I/O layer: java (native unavailable: UnsatisfiedLinkError: ";
        assertEquals(1, count(stderr, "wal4j I/O layer:"), stderr);
        assertEquals(1, count(stderr, logLine), stderr);
        assertTrue(stderr.contains("INFO: " + logLine), stderr);
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
