package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.Keys;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link WriteAheadLog#replay} hands out exactly what {@link WalReader} returns (same
 * records, same order, same start), as read-only views, across segments, batch sizes and
 * protection; and it validates as the reader does.
 */
class ReplayTest {
    @TempDir
    Path tmp;

    private static List<WalRecord> viaPayloads(WriteAheadLog wal, long from) throws IOException {
        List<WalRecord> out = new ArrayList<>();
        wal.replay(from, (sequence, payload) -> {
            assertTrue(payload.isReadOnly());
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            // The visitor may move position and limit as it likes.
            payload.clear();
            out.add(new WalRecord(sequence, b));
        });
        return out;
    }

    private static List<WalRecord> viaReader(WriteAheadLog wal, long from) throws IOException {
        List<WalRecord> out = new ArrayList<>();
        try (WalReader reader = wal.reader(from)) {
            WalRecord record;
            while ((record = reader.next()) != null) {
                out.add(record);
            }
        }
        return out;
    }

    private static WalOptions options(Protection protection) {
        WalOptions o = WalOptions.defaults().withSegmentSize(512 << 10).withDurability(Durability.BUFFERED);
        return protection == Protection.NONE ? o : o.withProtection(protection, Keys.only("k1"));
    }

    @ParameterizedTest
    @EnumSource(Protection.class)
    void sameRecordsAsTheReader(Protection protection) throws IOException {
        Random random = new Random(7);
        List<WalRecord> appended = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(tmp, options(protection))) {
            for (int i = 0; i < 3000; i++) {
                byte[] p = new byte[random.nextInt(i % 100 == 0 ? 9000 : 300)];
                random.nextBytes(p);
                appended.add(new WalRecord(wal.append(p), p));
                if (i % 7 == 0) {
                    wal.flush();
                }
            }
            assertEquals(appended, viaPayloads(wal, 0));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(tmp, options(protection))) {
            assertTrue(LogDirs.segments(tmp).size() > 3);
            assertEquals(appended, viaPayloads(wal, 0));
            for (long from : new long[] {1, 2, 1234, 2999, 3000, 3001, 5000}) {
                List<WalRecord> expected = viaReader(wal, from);
                assertEquals(expected, viaPayloads(wal, from), "from " + from);
                assertEquals(appended.subList((int) Math.min(from - 1, 3000), 3000), expected);
            }
            wal.checkpoint(1500);
            assertEquals(appended.subList(1500, 3000), viaPayloads(wal, 0));
        }
    }

    @Test
    void viewIsReadOnlyAndVisitorExceptionsReachTheCaller() throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp, options(Protection.NONE))) {
            for (int i = 0; i < 10; i++) {
                wal.append(new byte[] {(byte) i, 1, 2});
            }
            assertThrows(ReadOnlyBufferException.class, () -> wal.replay(0, (s, p) -> p.put((byte) 9)));
            UncheckedIOException stop = new UncheckedIOException(new IOException("stop"));
            List<Long> seen = new ArrayList<>();
            assertSame(stop, assertThrows(UncheckedIOException.class, () -> wal.replay(0, (s, p) -> {
                seen.add(s);
                if (s == 4) {
                    throw stop;
                }
            })));
            assertEquals(List.of(1L, 2L, 3L, 4L), seen);
            List<Long> from3 = new ArrayList<>();
            wal.replay(3, (s, p) -> {
                assertEquals(3, p.remaining());
                assertEquals(s - 1, p.get(p.position()));
                from3.add(s);
            });
            assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), from3);
            assertArrayEquals(new byte[] {9, 1, 2}, viaPayloads(wal, 0).get(9).payload());
        }
    }

    @Test
    void damageSinceOpenIsRefusedBeforeItsBatchIsVisited() throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp, options(Protection.NONE).withDurability(Durability.SYNC))) {
            for (int i = 0; i < 20; i++) {
                wal.append(new byte[] {(byte) i, 5, 5, 5});
            }
            Path segment = LogDirs.segments(tmp).get(0);
            // The last batch holds record 20 alone (one append per sync); flip a payload bit in it.
            long offset = lastRecordPayload(wal);
            FileDamage.flipBit(segment, offset, 3);
            List<Long> seen = new ArrayList<>();
            assertThrows(WalCorruptedException.class, () -> wal.replay(0, (s, p) -> seen.add(s)));
            assertEquals(19, seen.size());
            assertThrows(WalCorruptedException.class, () -> viaReader(wal, 0));
        }
    }

    private static long lastRecordPayload(WriteAheadLog wal) throws IOException {
        return SegmentLayout.read(LogDirs.segments(wal.directory()).get(0)).record(20).payloadOffset();
    }
}
