package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** O_DIRECT files: in the project's directory (a disk file system) and on tmpfs (/dev/shm). */
class DirectIoTest {

    /** File systems on which O_DIRECT must work. */
    private static final Set<String> DISK_FILE_SYSTEMS = Set.of("ext4", "xfs", "btrfs");

    private static final Path SHM = Path.of("/dev/shm");

    Path dir;
    NativeStorage storage;

    @BeforeEach
    void setUp() throws IOException {
        NativeTests.requireNative();
        storage = new NativeStorage();
        // Not @TempDir: java.io.tmpdir may be a tmpfs; this test wants the project's file system.
        Path target = Path.of("").toAbsolutePath().resolve("target");
        Files.createDirectories(target);
        dir = Files.createTempDirectory(target, "direct-io-test-");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (dir != null) {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }

    private void requireDirectIoHere() throws IOException {
        FileStore store = Files.getFileStore(dir);
        boolean probe = storage.probeDirectIo(dir);
        if (DISK_FILE_SYSTEMS.contains(store.type())) {
            assertTrue(probe, "O_DIRECT must work on " + store.type() + " (" + dir + ")");
        } else {
            Assumptions.assumeTrue(probe, "the project directory is on " + store.type() + ", which refuses O_DIRECT");
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the probe left its file behind");
        }
    }

    private static ByteBuffer alignedDirect(int size, int alignment) {
        int rounded = (size + alignment - 1) / alignment * alignment; // alignedSlice also rounds the limit down
        return ByteBuffer.allocateDirect(rounded + alignment).alignedSlice(alignment).limit(size);
    }

    @Test
    void roundTripInTheProjectDirectory() throws IOException {
        requireDirectIoHere();
        Path path = dir.resolve("00000001.wal");
        try (DirectIoFile file = storage.createDirect(path)) {
            int align = file.alignment();
            assertTrue(align >= 512 && Integer.bitCount(align) == 1, "alignment " + align);
            assertTrue(file.memoryAlignment() > 0 && Integer.bitCount(file.memoryAlignment()) == 1);

            byte[] first = new byte[2 * align];
            new Random(7).nextBytes(first);
            file.write(ByteBuffer.wrap(first), 0); // heap: through the bounce buffer

            ByteBuffer aligned = alignedDirect(align, 4096); // passed to the kernel as is
            for (int i = 0; i < align; i++) {
                aligned.put(i, (byte) i);
            }
            file.write(aligned, 2L * align);
            assertFalse(aligned.hasRemaining());

            ByteBuffer misaligned = ByteBuffer.allocateDirect(align + 1).position(1).slice(); // bounced
            misaligned.put(0, (byte) 42);
            file.write(misaligned, 3L * align);

            byte[] big = new byte[640 * 1024]; // more than the bounce buffer
            new Random(8).nextBytes(big);
            file.write(ByteBuffer.wrap(big), 4L * align);
            file.sync();
            assertEquals(4L * align + big.length, file.size());

            ByteBuffer back = ByteBuffer.allocate(2 * align);
            assertEquals(2 * align, file.read(back, 0));
            assertArrayEquals(first, back.array());
            ByteBuffer alignedBack = alignedDirect(align, 4096);
            assertEquals(align, file.read(alignedBack, 2L * align));
            assertEquals((byte) 5, alignedBack.get(5));
            ByteBuffer bigBack = ByteBuffer.allocate(big.length);
            assertEquals(big.length, file.read(bigBack, 4L * align));
            assertArrayEquals(big, bigBack.array());
            assertEquals(-1, file.read(ByteBuffer.allocate(align), 4L * align + big.length));

            assertTrue(file.preallocate(8L * align + big.length));
            file.truncate(4L * align + big.length - 10); // an unaligned tail
            ByteBuffer tail = ByteBuffer.allocate(align);
            assertEquals(align - 10, file.read(tail, 4L * align + big.length - align));
        }
        try (DirectIoFile file = storage.openDirectRead(path)) {
            ByteBuffer back = ByteBuffer.allocate(file.alignment());
            assertEquals(file.alignment(), file.read(back, 3L * file.alignment()));
            assertEquals((byte) 42, back.get(0));
        }
    }

    @Test
    void misalignedRequestsAreRefused() throws IOException {
        requireDirectIoHere();
        try (DirectIoFile file = storage.createDirect(dir.resolve("a.wal"))) {
            int align = file.alignment();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> file.write(ByteBuffer.allocate(align), 1));
            assertTrue(e.getMessage().contains("multiples of " + align), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> file.write(ByteBuffer.allocate(align + 1), 0));
            assertThrows(IllegalArgumentException.class, () -> file.read(ByteBuffer.allocate(align - 1), 0));
            assertThrows(IllegalArgumentException.class, () -> file.read(ByteBuffer.allocate(align), -align));
            assertEquals(0, file.size());

            // the kernel's own check, under ours: a misaligned offset is EINVAL
            int fd = file.begin();
            try {
                ByteBuffer block = alignedDirect(align, 4096);
                long rc = LibWal4j.wal4j_pwrite(fd, file.addressOf(block), align, 1);
                assertEquals(-Errno.EINVAL, rc);
                assertEquals("pwrite failed on a.wal: EINVAL (22)", file.failure("pwrite", rc).getMessage());
            } finally {
                file.end();
            }
        }
    }

    @Test
    void openDirectWriteOfAnExistingFile() throws IOException {
        requireDirectIoHere();
        Path path = dir.resolve("b.wal");
        storage.create(path).close();
        try (DirectIoFile file = storage.openDirectWrite(path)) {
            file.write(ByteBuffer.allocate(file.alignment()), 0);
            assertEquals(file.alignment(), file.size());
        }
        assertThrows(java.nio.file.NoSuchFileException.class, () -> storage.openDirectRead(dir.resolve("none.wal")));
    }

    /** The probe says what the kernel does: refused with EINVAL (tmpfs before Linux 6.6) or accepted. */
    @Test
    void probeAgreesWithTheKernelOnTmpfs() throws IOException {
        requireTmpfs();
        Path path = Files.createTempDirectory(SHM, "wal4j-direct-").resolve("c.wal");
        try {
            boolean probe = storage.probeDirectIo(path.getParent());
            boolean opened;
            try (DirectIoFile file = storage.createDirect(path)) {
                opened = true;
                file.write(ByteBuffer.allocate(file.alignment()), 0);
            } catch (NativeIoException e) {
                assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
                assertEquals("open failed on c.wal: EINVAL (22)", e.getMessage());
                opened = false;
            }
            assertEquals(opened, probe);
        } finally {
            deleteTree(path.getParent());
        }
    }

    @Test
    void directIoRejectedOnTmpfs() throws IOException {
        requireTmpfs();
        Path shmDir = Files.createTempDirectory(SHM, "wal4j-direct-");
        try {
            boolean probe = storage.probeDirectIo(shmDir);
            Assumptions.assumeFalse(probe, "this kernel's tmpfs accepts O_DIRECT (Linux >= 6.6), nothing to reject");
            assertThrows(NativeIoException.class, () -> storage.createDirect(shmDir.resolve("d.wal")));
            try (Stream<Path> left = Files.list(shmDir)) {
                assertTrue(left.allMatch(p -> p.getFileName().toString().equals("d.wal")));
            }
        } finally {
            deleteTree(shmDir);
        }
    }

    private static void requireTmpfs() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(SHM), "/dev/shm does not exist");
        String type = Files.getFileStore(SHM).type();
        Assumptions.assumeTrue(type.equals("tmpfs"), "/dev/shm is " + type + ", not tmpfs");
    }
}
