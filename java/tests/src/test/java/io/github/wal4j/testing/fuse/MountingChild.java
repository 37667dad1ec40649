package io.github.wal4j.testing.fuse;

import io.github.wal4j.testing.AckWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child for {@link PowerCutFileSystemTest}: mounts a power-cut file system (args: ackFile,
 * backing, mount point), writes a file on it, acknowledges {@code MOUNTED}, and waits to be killed,
 * which leaves a dead mount behind (its server is gone: every access gets ENOTCONN).
 */
public final class MountingChild {
    private MountingChild() {
    }

    public static void main(String[] args) throws Exception {
        try (AckWriter ack = new AckWriter(Path.of(args[0]))) {
            PowerCutFileSystem fs = PowerCutFileSystem.mount(Path.of(args[1]), Path.of(args[2]));
            Files.writeString(fs.mountPoint().resolve("from-the-child"), "x");
            ack.line("MOUNTED");
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
