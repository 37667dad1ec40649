package io.github.wal4j.cli;

import io.github.wal4j.inspect.IoLayerChoice;
import io.github.wal4j.inspect.LogInspection;
import io.github.wal4j.spi.DirectIoAlignment;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the WAL directory's file system can do, as the native layer sees it (through the SPI's
 * direct-I/O calls): O_DIRECT, fallocate and
 * the direct-I/O alignment. Reads the WAL's own files only (an O_DIRECT read of a segment); the
 * write probes run in a temporary directory created beside the WAL directory, on the same file
 * system, and removed at once, because the WAL directory itself must hold only the log's files (a
 * probe file there would make a concurrent open refuse the directory). On the java layer each
 * answer is "n/a (java layer)".
 *
 * @param fileSystem the file system's type and name
 * @param directIo whether O_DIRECT works
 * @param fallocate whether preallocation works
 * @param alignment the direct-I/O alignment
 */
record FsProbe(String fileSystem, String directIo, String fallocate, String alignment) {
    private static final String JAVA = "n/a (java layer)";

    static FsProbe of(WalDirectory wal) throws IOException {
        FileStore store = Files.getFileStore(wal.dir);
        String fileSystem = store.type() + " (" + store.name() + ")";
        Storage storage = wal.storage;
        if (!storage.name().equals(IoLayerChoice.NATIVE)) {
            return new FsProbe(fileSystem, JAVA, JAVA, JAVA);
        }
        String directIo = null;
        String alignment = null;
        List<Long> ids = wal.segmentIds();
        if (!ids.isEmpty()) {
            Path segment = wal.segment(ids.get(0));
            try (StorageFile file = storage.openDirectRead(segment)) {
                ByteBuffer block = ByteBuffer.allocateDirect(file.directIoAlignment().offset());
                file.read(block, 0);
                directIo = "yes (O_DIRECT read of " + segment.getFileName() + ")";
                alignment = alignment(file);
            } catch (IOException | RuntimeException e) {
                directIo = "no: O_DIRECT read of " + segment.getFileName() + " failed: " + e.getMessage();
            }
        }
        Path parent = wal.dir.getParent();
        if (parent == null || !Files.getFileStore(parent).equals(store)) {
            String why = "not probed: the WAL directory is a mount point, and a probe file inside it would make a"
                    + " concurrent open refuse it";
            return new FsProbe(fileSystem, directIo != null ? directIo : why, why, alignment != null ? alignment : why);
        }
        Path probe;
        try {
            probe = Files.createTempDirectory(parent, ".wal4j-probe-");
        } catch (IOException e) {
            String why = "not probed: cannot create a probe directory beside the WAL directory (" + e + ")";
            return new FsProbe(fileSystem, directIo != null ? directIo : why, why, alignment != null ? alignment : why);
        }
        try {
            String fallocate;
            try (StorageFile file = storage.create(probe.resolve("fallocate"))) {
                fallocate = file.preallocate(1 << 20) ? "yes (fallocate)"
                        : "no (segments grow as they are written)";
            } catch (IOException e) {
                fallocate = "no: " + e.getMessage();
            }
            try {
                boolean works = storage.probeDirectIo(probe);
                String write = works ? "O_DIRECT write and read of a probe block beside the directory"
                        : "no: the kernel refuses O_DIRECT on this file system";
                directIo = directIo == null ? (works ? "yes (" + write + ")" : write)
                        : directIo.startsWith("yes") && works ? directIo.substring(0, directIo.length() - 1) + "; "
                                + write + ")" : directIo + "; " + write;
            } catch (IOException e) {
                directIo = (directIo == null ? "" : directIo + "; ") + "write probe failed: " + e.getMessage();
            }
            if (alignment == null) {
                try (StorageFile file = storage.createDirect(probe.resolve("direct"))) {
                    alignment = alignment(file);
                } catch (IOException | RuntimeException e) {
                    alignment = "unknown: " + e.getMessage();
                }
            }
            try {
                int block = storage.directIoAlignment(probe);
                alignment += "; batches take " + LogInspection.batchAlignment(storage, probe, 0) + "-byte blocks here"
                        + (block > 0 ? ", " + LogInspection.batchAlignment(storage, probe, block)
                                + " with WalOptions.withDirectIo" : "; WalOptions.withDirectIo falls back to buffered writes here");
            } catch (IOException e) {
                alignment += "; the direct-I/O block of WalOptions.withDirectIo is unknown: " + e.getMessage();
            }
            return new FsProbe(fileSystem, directIo, fallocate, alignment);
        } finally {
            try (Stream<Path> files = Files.walk(probe)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String alignment(StorageFile file) {
        DirectIoAlignment a = file.directIoAlignment();
        if (a.fromStatx()) {
            return a.offset() + " bytes for offsets and lengths (the logical sector size), "
                    + a.memory() + " for buffer addresses (statx STATX_DIOALIGN)";
        }
        return a.offset() + " bytes for offsets, lengths and buffer addresses (st_blksize: the file system"
                + " reports no STATX_DIOALIGN)";
    }
}
