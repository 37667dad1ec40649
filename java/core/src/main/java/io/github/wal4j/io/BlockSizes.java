package io.github.wal4j.io;

import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a layer can tell about the unit in which writes tear ({@link Storage#blockSize}): the file
 * system's block ({@code st_blksize}) and, on Linux, the device's physical sector from sysfs, never
 * less than a 4 KiB page.
 */
final class BlockSizes {
    /** The page-cache page on the platforms wal4j runs on, and the smallest block it assumes. */
    static final int PAGE = 4096;

    private BlockSizes() {
    }

    /** The largest of a page, the file store's block size and the physical sector of its device. */
    static int of(Path dir) throws IOException {
        long fileStore = Files.getFileStore(dir).getBlockSize();
        long size = Math.max(PAGE, Math.min(fileStore, Integer.MAX_VALUE));
        return (int) Math.max(size, physicalSector(dir));
    }

    /**
     * The physical sector size of the block device holding {@code dir}, read from
     * {@code /sys/dev/block/MAJOR:MINOR} (a partition's own entry has no queue, its disk's does);
     * 0 where that cannot be read (not Linux, a file system without a block device, no sysfs).
     */
    private static long physicalSector(Path dir) {
        try {
            Object dev = Files.getAttribute(dir, "unix:dev");
            if (!(dev instanceof Long d)) {
                return 0;
            }
            // The Linux encoding of dev_t (glibc's gnu_dev_major / gnu_dev_minor).
            long major = ((d >>> 8) & 0xfff) | ((d >>> 32) & ~0xfffL);
            long minor = (d & 0xff) | ((d >>> 12) & ~0xffL);
            Path device = Path.of("/sys/dev/block/" + major + ":" + minor);
            for (Path queue : new Path[] {device.resolve("queue"), device.resolve("../queue")}) {
                Path file = queue.resolve("physical_block_size");
                if (Files.isReadable(file)) {
                    return Long.parseLong(Files.readString(file).trim());
                }
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            // UnsupportedOperationException (no "unix" view), NumberFormatException, no sysfs.
            return 0;
        }
    }
}
