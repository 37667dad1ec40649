package io.github.wal4j.io.nativeio;

import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether a directory's file system takes O_DIRECT, found by trying it there: a hidden probe file
 * ({@code .wal4j-direct-probe-PID-N}) is created with O_DIRECT, one aligned block is written and
 * read back, and the file is deleted, whatever the outcome. {@code tmpfs} before Linux 6.6 refuses
 * the open (EINVAL); some file systems accept the open and refuse the I/O, or report no alignment.
 */
final class DirectIoProbe {

    private static final AtomicLong PROBES = new AtomicLong();

    private DirectIoProbe() {
    }

    /**
     * Whether files in {@code dir} can be used with O_DIRECT: {@code false} when the kernel refuses
     * (EINVAL) or the file system reports no direct-I/O alignment.
     *
     * @throws IOException if the probe failed otherwise (the directory is missing or not writable,
     *     an I/O error)
     */
    static boolean works(Path dir) throws IOException {
        Path probe = probeFile(dir);
        String name = FileDescriptors.fileName(probe);
        try {
            int fd = LibWal4j.wal4j_open(NativeIo.nativePath(probe), NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_EXCL
                    | NativeIo.O_NOFOLLOW | NativeIo.O_DIRECT, NativeIo.MODE_OWNER_ONLY);
            if (fd == -Errno.EINVAL) {
                return false;
            }
            if (fd < 0) {
                throw FileDescriptors.failure("open", probe, name, fd);
            }
            try {
                return probeBlock(fd, name);
            } finally {
                LibWal4j.wal4j_close(fd);
            }
        } finally {
            Files.deleteIfExists(probe); // open may create the file before refusing O_DIRECT
        }
    }

    /**
     * The direct-I/O alignment for files in {@code dir}: 0 if {@link #works} says the file system
     * refuses O_DIRECT, else the larger of the offset and memory alignments a second probe file
     * there reports.
     */
    static int alignment(Path dir) throws IOException {
        if (!works(dir)) {
            return 0;
        }
        Path probe = probeFile(dir);
        try (DirectIoFile file = DirectIoFile.open(probe, NativeIo.O_RDWR | NativeIo.O_CREAT | NativeIo.O_EXCL)) {
            return Math.max(file.alignment(), file.memoryAlignment());
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    /** A name in {@code dir} that no other probe, of this or another process, uses. */
    private static Path probeFile(Path dir) {
        return dir.resolve(".wal4j-direct-probe-" + ProcessHandle.current().pid() + "-" + PROBES.incrementAndGet());
    }

    private static boolean probeBlock(int fd, String name) throws IOException {
        DirectIoFile.Alignment align = DirectIoFile.Alignment.of(fd, name);
        if (align.unsupported()) {
            return false;
        }
        long size = align.offset;
        Pointer block = DirectIoFile.allocateAligned(Math.max(4096, Math.max(align.memory, align.offset)), size, name);
        try {
            block.setMemory(0, size, (byte) 0x5a);
            long n = LibWal4j.wal4j_pwrite(fd, block, size, 0);
            if (n == -Errno.EINVAL) {
                return false;
            }
            if (n != size) {
                throw n < 0 ? new NativeIoException("pwrite", name, (int) n)
                        : new IOException("pwrite wrote " + n + " of " + size + " bytes on " + name);
            }
            n = LibWal4j.wal4j_pread(fd, block, size, 0);
            if (n == -Errno.EINVAL) {
                return false;
            }
            if (n < 0) {
                throw new NativeIoException("pread", name, (int) n);
            }
            return n == size && block.getByte(size - 1) == 0x5a;
        } finally {
            LibWal4j.wal4j_aligned_free(block);
        }
    }
}
