package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalException;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.spi.SymbolicLinkException;
import io.github.wal4j.spi.StorageFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeStorageTest {

    @TempDir
    Path dir;

    NativeStorage storage;

    @BeforeEach
    void setUp() throws IOException {
        NativeTests.requireNative();
        storage = new NativeStorage();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] readAll(StorageFile file, int size, boolean direct) throws IOException {
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        long position = 0;
        while (buffer.hasRemaining()) {
            int n = file.read(buffer, position);
            if (n < 0) {
                break;
            }
            position += n;
        }
        buffer.flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @Test
    void writeSyncReadRoundTrip() throws IOException {
        assertEquals("native", storage.name());
        Path path = dir.resolve("00000001.wal");
        byte[] small = "hello, wal4j".getBytes(StandardCharsets.UTF_8);
        byte[] large = randomBytes(3 * NativeFile.SCRATCH_SIZE + 123, 1); // several scratch chunks
        try (StorageFile file = storage.create(path)) {
            ByteBuffer heap = ByteBuffer.wrap(small);
            file.write(heap, 0);
            assertFalse(heap.hasRemaining());
            ByteBuffer direct = ByteBuffer.allocateDirect(large.length);
            direct.put(large).flip();
            file.write(direct, small.length);
            assertFalse(direct.hasRemaining());
            file.write(ByteBuffer.wrap(large), small.length + large.length);
            file.sync();
            assertEquals(small.length + 2L * large.length, file.size());
        }
        storage.syncDirectory(dir);
        assertTrue(storage.exists(path));
        assertEquals(List.of("00000001.wal"), storage.list(dir));

        byte[] expected = new byte[small.length + 2 * large.length];
        System.arraycopy(small, 0, expected, 0, small.length);
        System.arraycopy(large, 0, expected, small.length, large.length);
        System.arraycopy(large, 0, expected, small.length + large.length, large.length);
        assertArrayEquals(expected, Files.readAllBytes(path));
        try (StorageFile file = storage.openRead(path)) {
            assertArrayEquals(expected, readAll(file, expected.length, false));
            assertArrayEquals(expected, readAll(file, expected.length, true));
            ByteBuffer slice = ByteBuffer.allocate(5);
            slice.position(1);
            assertEquals(4, file.read(slice, 1));
            assertEquals("ello", new String(slice.array(), 1, 4, StandardCharsets.UTF_8));
            assertEquals(-1, file.read(ByteBuffer.allocate(10), expected.length));
            assertEquals(-1, file.read(ByteBuffer.allocateDirect(10), expected.length + 100));
            assertEquals(3, file.read(ByteBuffer.allocate(10), expected.length - 3));
            assertEquals(0, file.read(ByteBuffer.allocate(0), 0));
        }
    }

    @Test
    void createsOwnerOnlyFilesAndRefusesExistingOnes() throws IOException {
        Path path = dir.resolve("a.wal");
        storage.create(path).close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> storage.create(path));
        assertEquals("open failed on a.wal: EEXIST (17)", e.getReason());
        assertInstanceOf(NativeIoException.class, e.getCause());
    }

    @Test
    void missingFilesAndSymlinks() throws IOException {
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> storage.openRead(dir.resolve("none.wal")));
        assertEquals("open failed on none.wal: ENOENT (2)", missing.getReason());
        assertEquals(Errno.ENOENT, ((NativeIoException) missing.getCause()).errno());
        assertThrows(NoSuchFileException.class, () -> storage.syncDirectory(dir.resolve("no-dir")));

        Path target = dir.resolve("target.wal");
        storage.create(target).close();
        Path link = Files.createSymbolicLink(dir.resolve("link.wal"), target.getFileName());
        // O_NOFOLLOW fails with ELOOP, reported as the typed refusal of a link, with the errno as its cause.
        SymbolicLinkException e = assertThrows(SymbolicLinkException.class, () -> storage.openWrite(link));
        assertTrue(e.getMessage().startsWith(link + " is a symbolic link (to target.wal)"), e.getMessage());
        assertEquals("open failed on link.wal: ELOOP (40)", e.getCause().getMessage());
        assertEquals(Errno.ELOOP, ((NativeIoException) e.getCause()).errno());
        assertThrows(SymbolicLinkException.class, () -> storage.openRead(link));
        assertThrows(SymbolicLinkException.class, () -> storage.tryLock(link));
        assertEquals(List.of("target.wal"), storage.list(dir)); // no symlinks listed
    }

    @Test
    void errnoMessagesOnBadDescriptors() throws IOException {
        Path path = dir.resolve("00000003.wal");
        storage.create(path).close();
        try (StorageFile readOnly = storage.openRead(path)) {
            NativeIoException e = assertThrows(NativeIoException.class,
                    () -> readOnly.write(ByteBuffer.wrap(new byte[] {1}), 0));
            assertEquals("pwrite failed on 00000003.wal: EBADF (9)", e.getMessage());
            assertEquals("pwrite", e.call());
            assertEquals(Errno.EBADF, e.errno());
            NativeIoException grow = assertThrows(NativeIoException.class, () -> readOnly.preallocate(4096));
            assertEquals("fallocate failed on 00000003.wal: EBADF (9)", grow.getMessage());
        }
    }

    /** A failed system call reaches the caller as a {@link WalException} that carries the errno. */
    @Test
    void nativeFailuresAreWalExceptionsCarryingTheErrno() throws IOException {
        Path path = dir.resolve("00000004.wal");
        storage.create(path).close();
        try (StorageFile readOnly = storage.openRead(path)) {
            IOException write = assertThrows(IOException.class, () -> readOnly.write(ByteBuffer.wrap(new byte[] {1}), 0));
            assertInstanceOf(WalException.class, write, "a failed pwrite");
            assertEquals(Errno.EBADF, assertInstanceOf(NativeIoException.class, write).errno());
        }
        IOException open = assertThrows(IOException.class, () -> storage.openWrite(dir));
        assertInstanceOf(WalException.class, open, "a failed open");
        assertEquals(Errno.EISDIR, assertInstanceOf(NativeIoException.class, open).errno());
        IOException sync = assertThrows(IOException.class, () -> storage.syncDirectory(path));
        assertInstanceOf(WalException.class, sync, "a failed directory fsync");
        assertEquals(Errno.ENOTDIR, assertInstanceOf(NativeIoException.class, sync).errno());
    }

    @Test
    void closedFilesRefuseCalls() throws IOException {
        StorageFile file = storage.create(dir.resolve("closed.wal"));
        file.close();
        file.close(); // idempotent
        assertThrows(ClosedChannelException.class, file::sync);
        assertThrows(ClosedChannelException.class, file::size);
        assertThrows(ClosedChannelException.class, () -> file.write(ByteBuffer.allocate(1), 0));
        assertThrows(ClosedChannelException.class, () -> file.read(ByteBuffer.allocate(1), 0));
    }

    @Test
    void preallocateGrowsTheFileAndKeepsWrittenBytes() throws IOException {
        Path path = dir.resolve("prealloc.wal");
        byte[] data = randomBytes(10_000, 2);
        try (StorageFile file = storage.create(path)) {
            file.write(ByteBuffer.wrap(data), 0);
            assertTrue(file.preallocate(1 << 20));
            assertEquals(1 << 20, file.size());
            assertTrue(file.preallocate(4096)); // below the size: nothing shrinks
            assertEquals(1 << 20, file.size());
            assertTrue(file.preallocate(0));
            assertThrows(IllegalArgumentException.class, () -> file.preallocate(-1));
            file.sync();
            byte[] back = readAll(file, data.length, false);
            assertArrayEquals(data, back);
            ByteBuffer tail = ByteBuffer.allocate(100);
            assertEquals(100, file.read(tail, (1 << 20) - 100));
            assertArrayEquals(new byte[100], tail.array());

            file.truncate(data.length);
            assertEquals(data.length, file.size());
            assertThrows(IllegalArgumentException.class, () -> file.truncate(-1));
        }
        Object blocks = Files.getAttribute(path, "unix:size", LinkOption.NOFOLLOW_LINKS);
        assertEquals((long) data.length, blocks);
    }

    @Test
    void renameAndDelete() throws IOException {
        Path a = dir.resolve("a.tmp");
        Path b = dir.resolve("b.wal");
        storage.create(a).close();
        storage.create(b).close();
        storage.rename(a, b); // replaces
        assertFalse(storage.exists(a));
        assertTrue(storage.exists(b));
        storage.delete(b);
        storage.delete(b);
        assertFalse(storage.exists(b));
        storage.syncDirectory(dir);
    }

    @Test
    void flockConflictsWithinTheJvm() throws IOException {
        Path lockFile = dir.resolve("LOCK");
        Closeable first = storage.tryLock(lockFile);
        assertNotNull(first);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lockFile)));
        assertNull(storage.tryLock(lockFile)); // another open file description
        assertNull(new NativeStorage().tryLock(lockFile));
        first.close();
        first.close();
        try (Closeable second = storage.tryLock(lockFile)) {
            assertNotNull(second);
        }
    }

    @Test
    void listAndExistsAgreeWithTheJavaLayer() throws IOException {
        storage.create(dir.resolve("x.wal")).close();
        Files.createDirectory(dir.resolve("sub"));
        JavaStorage java = new JavaStorage();
        assertEquals(java.list(dir), storage.list(dir));
        assertEquals(java.exists(dir.resolve("x.wal")), storage.exists(dir.resolve("x.wal")));
    }
}
