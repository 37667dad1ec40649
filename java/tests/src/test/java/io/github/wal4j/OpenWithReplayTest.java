package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.Keys;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link WriteAheadLog#open(Path, WalOptions, PayloadVisitor)}: one pass hands out exactly the
 * records that {@code open} then {@code replay(0, ..)} does (after checkpoints, across
 * segments, with protection), never a torn or damaged one, never one of a planted unprotected
 * segment; a visitor's exception ends the open with nothing changed on disk.
 */
class OpenWithReplayTest {
    @TempDir
    Path tmp;

    private static WalOptions options(Protection protection) {
        WalOptions o = WalOptions.defaults().withSegmentSize(64 << 10).withDurability(Durability.BUFFERED);
        return protection == Protection.NONE ? o : o.withProtection(protection, Keys.only("k1"));
    }

    /** Opens with replay, collecting each visited record (a copy) into {@code out}. */
    private static WriteAheadLog openCollecting(Path dir, WalOptions options, List<WalRecord> out) throws IOException {
        return WriteAheadLog.open(dir, options, (sequence, payload) -> {
            assertTrue(payload.isReadOnly());
            byte[] b = new byte[payload.remaining()];
            payload.get(b);
            payload.clear();
            out.add(new WalRecord(sequence, b));
        });
    }

    private static List<WalRecord> replayAfterOpen(Path dir, WalOptions options) throws IOException {
        List<WalRecord> out = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            wal.replay(0, (sequence, payload) -> {
                byte[] b = new byte[payload.remaining()];
                payload.get(b);
                out.add(new WalRecord(sequence, b));
            });
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Protection.class)
    void sameRecordsAsOpenThenReplayPayloads(Protection protection) throws IOException {
        Path dir = tmp.resolve("wal");
        Random random = new Random(11);
        List<WalRecord> appended = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(protection))) {
            for (int i = 0; i < 2000; i++) {
                byte[] p = new byte[random.nextInt(i % 100 == 0 ? 9000 : 300)];
                random.nextBytes(p);
                appended.add(new WalRecord(wal.append(p), p));
                if (i % 7 == 0) {
                    wal.flush();
                }
            }
        }
        assertTrue(LogDirs.segments(dir).size() > 3);
        List<WalRecord> visited = new ArrayList<>();
        try (WriteAheadLog wal = openCollecting(dir, options(protection), visited)) {
            assertEquals(appended, visited);
            assertEquals(2000, wal.lastSequence());
            wal.checkpoint(1234);
            appended.add(new WalRecord(wal.append(new byte[] {7}), new byte[] {7}));
        }
        visited.clear();
        try (WriteAheadLog wal = openCollecting(dir, options(protection), visited)) {
            assertEquals(appended.subList(1234, appended.size()), visited, "records after the checkpoint only");
            assertEquals(2001, wal.lastSequence());
        }
        assertEquals(visited, replayAfterOpen(dir, options(protection)));
    }

    @Test
    void aTornTailIsNeitherVisitedNorKept() throws IOException {
        Path live = tmp.resolve("live");
        Path dir = tmp.resolve("image");
        WalOptions sync = WalOptions.defaults().withSegmentSize(512 << 10);
        List<WalRecord> written = LogDirs.crashImage(live, dir, sync, 30, 200);
        Path segment = LogDirs.segments(dir).get(0);
        // Tear the last record: its batch is incomplete, and no later batch claims it was durable.
        FileDamage.truncate(segment, SegmentLayout.read(segment).record(30).offset() + 10);
        List<WalRecord> visited = new ArrayList<>();
        try (WriteAheadLog wal = openCollecting(dir, sync, visited)) {
            Records.assertSame(written.subList(0, 29), visited);
            assertEquals(Kind.TORN_TAIL, wal.recoveryReport().findings().get(0).kind());
            assertEquals(29, wal.lastSequence());
        }
        assertEquals(visited, replayAfterOpen(dir, sync));
    }

    @Test
    void aVisitorsExceptionEndsTheOpenAndChangesNothing() throws IOException {
        Path live = tmp.resolve("live");
        Path dir = tmp.resolve("image");
        WalOptions sync = WalOptions.defaults().withSegmentSize(512 << 10);
        LogDirs.crashImage(live, dir, sync, 30, 200);
        Path segment = LogDirs.segments(dir).get(0);
        FileDamage.truncate(segment, SegmentLayout.read(segment).record(30).offset() + 10);
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        UncheckedIOException stop = new UncheckedIOException(new IOException("apply failed"));
        List<Long> seen = new ArrayList<>();
        assertSame(stop, assertThrows(UncheckedIOException.class, () -> WriteAheadLog.open(dir, sync, (s, p) -> {
            seen.add(s);
            if (s == 5) {
                throw stop;
            }
        })));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seen);
        LogDirs.assertUnchanged(before, dir);
        // The lock was released; a later open recovers (and only now cuts the torn tail).
        List<WalRecord> visited = new ArrayList<>();
        try (WriteAheadLog wal = openCollecting(dir, sync, visited)) {
            assertEquals(29, visited.size());
            assertEquals(Kind.TORN_TAIL, wal.recoveryReport().findings().get(0).kind());
        }
    }

    @Test
    void damagedAcknowledgedDataFailsTheOpenAfterOnlyValidRecordsInOrder() throws IOException {
        Path dir = tmp.resolve("wal");
        WalOptions sync = WalOptions.defaults().withSegmentSize(512 << 10);
        List<WalRecord> written = LogDirs.closedLog(dir, sync, 20, 100);
        Path segment = LogDirs.segments(dir).get(0);
        FileDamage.flipBit(segment, SegmentLayout.read(segment).record(10).payloadOffset(), 2);
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        List<WalRecord> visited = new ArrayList<>();
        assertThrows(WalCorruptedException.class, () -> openCollecting(dir, sync, visited).close());
        // Only valid records, in order, before the damage: none here, since the newest segment's
        // records are lent only once its tail was checked on the disk, after the verdict on it.
        assertTrue(visited.size() <= 9, visited.size() + " records visited");
        Records.assertSame(written.subList(0, visited.size()), visited);
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void anUnprotectedSegmentInAProtectedLogIsNeverVisited() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, WalOptions.defaults().withSegmentSize(512 << 10), 5, 100);
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        List<WalRecord> visited = new ArrayList<>();
        WalFormatException e = assertThrows(WalFormatException.class,
                () -> openCollecting(dir, options(Protection.HMAC_SHA256_CHAIN), visited).close());
        assertTrue(e.getMessage().contains("without protection"), e.getMessage());
        assertEquals(List.of(), visited, "records of a segment that may have been planted are never handed out");
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void aNewLogVisitsNothing() throws IOException {
        Path dir = tmp.resolve("new");
        List<WalRecord> visited = new ArrayList<>();
        try (WriteAheadLog wal = openCollecting(dir, WalOptions.defaults(), visited)) {
            assertEquals(0, wal.lastSequence());
        }
        assertEquals(List.of(), visited);
        assertTrue(Files.isDirectory(dir));
        assertThrows(NullPointerException.class, () -> WriteAheadLog.open(dir, WalOptions.defaults(), null));
    }
}
