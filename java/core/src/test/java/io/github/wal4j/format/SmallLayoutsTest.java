package io.github.wal4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link Alignment}, {@link CloseMark} and {@link Checkpoint}: arithmetic, round trips, and the problem each bad input names. */
class SmallLayoutsTest {

    @Test
    void alignmentIsAtLeastOneBlockAndAPowerOfTwo() {
        assertEquals(4096, Alignment.forBlockSize(512), "a 512-byte sector still gets 4 KiB");
        assertEquals(4096, Alignment.forBlockSize(4096));
        assertEquals(8192, Alignment.forBlockSize(6000), "rounded up to a power of two");
        assertEquals(65536, Alignment.forBlockSize(1 << 20), "capped");
        assertEquals(8192, Alignment.up(4097, 4096));
        assertEquals(4096, Alignment.up(4096, 4096));
        assertTrue(Alignment.isValid(512));
        assertFalse(Alignment.isValid(3000));
        assertFalse(Alignment.isValid(1 << 17));
    }

    @Test
    void closeMarkRoundTripAndProblems() {
        CloseMark mark = new CloseMark(1234, 5, 90112);
        ByteBuffer b = mark.encode();
        assertEquals(CloseMark.SIZE, b.remaining());
        String[] problem = new String[1];
        assertEquals(mark, CloseMark.decode(b.duplicate(), problem));

        assertNull(CloseMark.decode(ByteBuffer.allocate(10), problem));
        assertTrue(problem[0].contains("10 bytes"), problem[0]);
        ByteBuffer flipped = ByteBuffer.allocate(CloseMark.SIZE).put(b.duplicate()).flip();
        flipped.put(20, (byte) (flipped.get(20) ^ 4));
        assertNull(CloseMark.decode(flipped, problem));
        assertTrue(problem[0].contains("checksum mismatch"), problem[0]);
    }

    @Test
    void checkpointRoundTripWithAndWithoutASnapshot() {
        String[] problem = new String[1];
        Checkpoint plain = new Checkpoint(77, 0x55aa, null, 0, 0);
        assertEquals(plain, Checkpoint.decode(plain.encode(), problem), () -> problem[0]);
        Checkpoint withSnapshot = new Checkpoint(78, 0x66bb, Path.of("/var/lib/app/state.snap"), 4096, 0x12345678);
        ByteBuffer b = withSnapshot.encode();
        Checkpoint back = Checkpoint.decode(b.duplicate(), problem);
        assertNotNull(back, () -> problem[0]);
        assertEquals(withSnapshot, back);
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        for (int at = 0; at < bytes.length; at += 7) {
            byte[] damaged = bytes.clone();
            damaged[at] ^= 0x20;
            assertNull(Checkpoint.decode(ByteBuffer.wrap(damaged), problem), "a flipped bit at " + at + " decoded");
            assertNotNull(problem[0]);
        }
        assertArrayEquals(bytes, toArray(Checkpoint.decode(ByteBuffer.wrap(bytes), problem).encode()));
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
