package io.github.wal4j.io;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by {@link IoLayersTest} in a JVM whose class path lacks libwal4j: prints, one per line,
 * what each selection gives, as {@code key=value}.
 */
public final class LayerSelectionChild {

    private LayerSelectionChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Storage auto = IoLayers.select("auto");
        System.out.println("auto=" + auto.name());
        System.out.println("auto-again=" + IoLayers.select("AUTO").name());
        System.out.println("native=" + outcome("native"));
        System.out.println("property=" + outcome(null)); // this JVM runs with -Dwal4j.io=native
        System.out.println("java=" + IoLayers.select("java").name());

        // the fallback really works
        Path file = dir.resolve("fallback.wal");
        try (StorageFile out = auto.create(file)) {
            out.write(ByteBuffer.wrap("via java".getBytes(StandardCharsets.UTF_8)), 0);
            out.sync();
        }
        auto.syncDirectory(dir);
        System.out.println("content=" + Files.readString(file));
    }

    private static String outcome(String mode) {
        try {
            return "selected " + IoLayers.select(mode).name();
        } catch (IOException e) {
            return "IOException: " + e.getMessage() + " / cause " + (e.getCause() == null ? null : e.getCause().getClass().getName());
        }
    }
}
