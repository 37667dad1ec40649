package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NativeIoTest {

    @BeforeEach
    void requireNative() {
        NativeTests.requireNative();
    }

    @Test
    void loadsInThisBuild() {
        assertTrue(NativeIo.isAvailable());
        assertNull(NativeIo.unavailabilityCause());
        assertNull(NativeIo.unavailabilityReason());
        assertNotNull(NativeIo.libraryLocation());
        assertTrue(NativeIo.libraryLocation().endsWith(".so") || NativeIo.libraryLocation().contains("jna"),
                NativeIo.libraryLocation());
        assertEquals(NativeIo.ABI_VERSION, LibWal4j.wal4j_abi_version());
    }

    @Test
    void errnoNames() {
        assertEquals("EIO", NativeIo.errnoName(5));
        assertEquals("ENOSPC", NativeIo.errnoName(28));
        assertEquals("EINVAL", NativeIo.errnoName(22));
        assertEquals("EBADF", NativeIo.errnoName(-9));
        assertNull(NativeIo.errnoName(0));
        assertNull(NativeIo.errnoName(100_000));
    }

    /** The Java constants agree with the C library's errno.h. */
    @Test
    void errnoConstantsMatchTheCLibrary() throws IllegalAccessException {
        int checked = 0;
        for (Field field : Errno.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
                String expected = field.getName().equals("EWOULDBLOCK") ? "EAGAIN" : field.getName();
                assertEquals(expected, NativeIo.errnoName(field.getInt(null)), field.getName());
                checked++;
            }
        }
        assertTrue(checked > 10);
    }

    @Test
    void exceptionMessageFormat() {
        NativeIoException e = new NativeIoException("fdatasync", "00000003.wal", -5);
        assertEquals("fdatasync failed on 00000003.wal: EIO (5)", e.getMessage());
        assertEquals(5, e.errno());
        assertEquals("fdatasync", e.call());
        assertEquals("00000003.wal", e.file());
        assertEquals("pwrite failed on x.wal: ENOSPC (28)", new NativeIoException("pwrite", "x.wal", 28).getMessage());
        assertEquals("open failed on x.wal: errno (4095)", new NativeIoException("open", "x.wal", -4095).getMessage());
    }

    /** A real failing system call, end to end: fdatasync of a descriptor that is not open. */
    @Test
    void realErrnoFromAnInvalidDescriptor() {
        int rc = LibWal4j.wal4j_fdatasync(-1);
        assertEquals(-Errno.EBADF, rc);
        assertEquals("fdatasync failed on 00000003.wal: EBADF (9)",
                new NativeIoException("fdatasync", "00000003.wal", rc).getMessage());
    }
}
