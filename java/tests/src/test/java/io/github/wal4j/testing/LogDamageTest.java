package io.github.wal4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of {@link LogDamage} on a closed log, and what the next open then does. */
class LogDamageTest {
    @TempDir
    Path tmp;

    private Path log(int records) throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            for (int i = 1; i <= records; i++) {
                wal.append(("record " + i).getBytes());
            }
        }
        return dir;
    }

    @Test
    void aFlippedBitInAnAcknowledgedRecordMakesOpenRefuseAndNothingChanges() throws IOException {
        Path dir = log(10);
        LogDamage.Location at = LogDamage.of(dir).flipBit(4, 2, 5);
        assertEquals("record 4".length(), at.payloadLength());
        byte[] before = Files.readAllBytes(at.segment());
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(dir).close());
        assertTrue(e.getMessage().contains("record 4: checksum mismatch"), e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(at.segment())), "the refused open changed nothing");
    }

    @Test
    void aTornTailIsCutAndEveryAcknowledgedRecordStays() throws IOException {
        Path dir = log(10);
        long at = LogDamage.of(dir).tearTail(300, 1);
        assertTrue(at > 0);
        assertTrue(!Files.exists(dir.resolve("CLOSE_MARK")));
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            List<WalRecord> records = wal.recover();
            assertEquals(10, records.size());
            assertTrue(!wal.recoveryReport().clean(), "the cut is reported: " + wal.recoveryReport().summary());
        }
    }

    @Test
    void aTruncatedNewestSegmentAfterACleanCloseIsRefused() throws IOException {
        Path dir = log(10);
        // One record per 4 KiB batch, then the clean close's seal: 8 KiB is the seal and record 10.
        LogDamage.of(dir).truncateNewest(8192);
        // The clean-close mark says how far the log went: less is loss of acknowledged data.
        assertThrows(WalCorruptedException.class, () -> WriteAheadLog.open(dir).close());
        LogDamage.of(dir).removeCloseMark();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(9, wal.recover().size(), "without the mark, the cut is a torn tail");
        }
    }

    @Test
    void aRecordTheLogDoesNotHoldIsRefused() throws IOException {
        Path dir = log(3);
        assertThrows(IllegalArgumentException.class, () -> LogDamage.of(dir).flipBit(9, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> LogDamage.of(dir).flipBit(1, 100, 0));
        assertThrows(IllegalArgumentException.class, () -> LogDamage.of(dir).tearTail(0, 1));
    }
}
