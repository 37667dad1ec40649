package io.github.wal4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceWritesTest {
    private static final List<String> DISKSTATS = List.of(
            "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            " 254       0 vda 41159 5904 40047186 71709 7251605 199049 390414808 1609740 0 574748 1846211",
            " 259       3 nvme0n1p3 10 0 80 1 20 0 4096 2 0 3 3");

    /** glibc's makedev: the inverse of what {@link DeviceWrites#major} and {@link DeviceWrites#minor} decode. */
    private static long makedev(long major, long minor) {
        return ((major & 0xfff) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xff) | ((minor & ~0xffL) << 12);
    }

    @Test
    void decodesDevTLikeGlibc() {
        assertEquals(254, DeviceWrites.major(0xfe00));
        assertEquals(0, DeviceWrites.minor(0xfe00));
        for (long[] mm : new long[][] {{8, 1}, {259, 3}, {4100, 5}, {4100, 70000}, {1, 1 << 19}}) {
            long dev = makedev(mm[0], mm[1]);
            assertEquals(mm[0], DeviceWrites.major(dev), "major of " + mm[0] + ":" + mm[1]);
            assertEquals(mm[1], DeviceWrites.minor(dev), "minor of " + mm[0] + ":" + mm[1]);
        }
    }

    @Test
    void readsSectorsWrittenAsBytes() {
        assertEquals(390414808L * 512, DeviceWrites.bytesWritten(DISKSTATS, "vda"));
        assertEquals(4096L * 512, DeviceWrites.bytesWritten(DISKSTATS, "nvme0n1p3"));
        assertEquals(-1, DeviceWrites.bytesWritten(DISKSTATS, "sda"));
        assertEquals("vda", DeviceWrites.byNumber(DISKSTATS, "254:0"));
        assertEquals("nvme0n1p3", DeviceWrites.byNumber(DISKSTATS, "259:3"));
        assertNull(DeviceWrites.byNumber(DISKSTATS, "254:1"));
    }

    @Test
    void findsTheMountHoldingAPath() {
        List<String> mountinfo = List.of(
                "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
                "30 27 0:27 / /work rw,relatime - overlay overlay rw",
                "31 30 259:3 / /work/my\\040disk rw - ext4 /dev/nvme0n1p3 rw",
                "32 27 0:40 / /workspace rw - tmpfs tmpfs rw");
        assertArrayEquals(new String[] {"254:0", "/dev/vda"}, DeviceWrites.mountOf(Path.of("/var/tmp"), mountinfo));
        assertArrayEquals(new String[] {"0:27", "overlay"}, DeviceWrites.mountOf(Path.of("/work/bench"), mountinfo));
        assertArrayEquals(new String[] {"259:3", "/dev/nvme0n1p3"},
                DeviceWrites.mountOf(Path.of("/work/my disk/target"), mountinfo));
        // A path prefix that is not a path component does not match.
        assertArrayEquals(new String[] {"0:40", "tmpfs"}, DeviceWrites.mountOf(Path.of("/workspace/x"), mountinfo));
    }

    @Test
    void countsTheWritesOfThisMachinesDevice(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/diskstats")), "no /proc/diskstats");
        DeviceWrites device = DeviceWrites.of(dir);
        assumeTrue(device != null, "the temporary directory's device is not in /proc/diskstats");
        long before = device.bytesWritten();
        Path file = dir.resolve("f");
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(Harness.record(1 << 20, 1)));
            channel.force(true);
        }
        long after = device.bytesWritten();
        assertTrue(after - before >= 1 << 20, device + " wrote " + (after - before) + " bytes for a synced 1 MiB file");
    }
}
