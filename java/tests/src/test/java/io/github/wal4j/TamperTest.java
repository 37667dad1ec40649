package io.github.wal4j;

import static io.github.wal4j.fixtures.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.Keys;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import io.github.wal4j.testing.internal.SegmentLayout.Batch;
import io.github.wal4j.testing.internal.SegmentLayout.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An attacker who can write the files but has no key. Every change here keeps the CRCs right (the
 * attacker recomputes them: CRC32C is not a secret), so only the seal can notice. Each is refused
 * with {@link WalCorruptedException} naming the authentication failure, and nothing is changed.
 * Logs are closed cleanly, so every record is provably acknowledged.
 */
class TamperTest {
    @TempDir
    Path tmp;

    private Path dir;
    private List<WalRecord> written;

    private WalOptions options(Protection protection) {
        return WalOptions.defaults().withSegmentSize(64 << 10).withMaxBatchBytes(1).withProtection(protection,
                Keys.only("k1"));
    }

    /** A closed log of {@code count} records of 100 bytes, one record per batch. */
    private SegmentLayout closedLog(Protection protection, int count) throws IOException {
        dir = tmp.resolve("wal");
        written = LogDirs.closedLog(dir, options(protection), count, 100);
        return SegmentLayout.read(LogDirs.segments(dir).get(0));
    }

    private WalCorruptedException assertRefusedAsTampered(Protection protection) throws IOException {
        WalCorruptedException e = assertRefused(WalCorruptedException.class, dir,
                () -> WriteAheadLog.open(dir, options(protection)));
        assertTrue(e.reason().contains("authentication fails"), e.reason());
        return e;
    }

    private static Record record(SegmentLayout layout, long sequence) {
        for (Batch b : layout.batches()) {
            for (Record r : b.records()) {
                if (r.sequence() == sequence) {
                    return r;
                }
            }
        }
        throw new AssertionError("no record " + sequence);
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aFlippedPayloadByteWithItsChecksumFixedIsRefused(Protection protection) throws IOException {
        SegmentLayout layout = closedLog(protection, 8);
        Record r = record(layout, 4);
        FileDamage.flipBit(layout.file(), r.payloadOffset() + 10, 3);
        FileDamage.fixRecordCrc(layout.file(), r, layout.salt());
        WalCorruptedException e = assertRefusedAsTampered(protection);
        assertEquals(r.offset() - SegmentLayout.BATCH_HEADER_BYTES, e.offset(), "the damaged batch's offset");
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aFlippedTagByteWithItsChecksumFixedIsRefused(Protection protection) throws IOException {
        SegmentLayout layout = closedLog(protection, 8);
        Record r = record(layout, 5);
        FileDamage.flipBit(layout.file(), r.crcOffset() - 1, 0); // last byte of the tag
        FileDamage.fixRecordCrc(layout.file(), r, layout.salt());
        assertRefusedAsTampered(protection);
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void twoRecordsSwappedAreRefused(Protection protection) throws IOException {
        SegmentLayout layout = closedLog(protection, 8);
        Record a = record(layout, 3);
        Record b = record(layout, 6);
        byte[] sealedA = FileDamage.read(layout.file(), a.payloadOffset(), a.length());
        byte[] sealedB = FileDamage.read(layout.file(), b.payloadOffset(), b.length());
        FileDamage.write(layout.file(), a.payloadOffset(), sealedB);
        FileDamage.write(layout.file(), b.payloadOffset(), sealedA);
        FileDamage.fixRecordCrc(layout.file(), a, layout.salt());
        FileDamage.fixRecordCrc(layout.file(), b, layout.salt());
        assertRefusedAsTampered(protection);
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aRecordDuplicatedOverItsSuccessorIsRefused(Protection protection) throws IOException {
        SegmentLayout layout = closedLog(protection, 8);
        Record a = record(layout, 3);
        Record b = record(layout, 4);
        FileDamage.write(layout.file(), b.payloadOffset(), FileDamage.read(layout.file(), a.payloadOffset(), a.length()));
        FileDamage.fixRecordCrc(layout.file(), b, layout.salt());
        assertRefusedAsTampered(protection);
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aRecordCopiedFromAnotherSegmentIsRefused(Protection protection) throws IOException {
        dir = tmp.resolve("wal");
        // Two sessions, so two segments; record 2 of the second is overwritten with record 2 of the
        // first (same length, CRC fixed for its new place).
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(protection))) {
            Records.append(wal, 1, 4, 100);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(protection))) {
            Records.append(wal, 5, 4, 100);
        }
        List<Path> segments = LogDirs.segments(dir);
        assertEquals(2, segments.size());
        SegmentLayout first = SegmentLayout.read(segments.get(0));
        SegmentLayout second = SegmentLayout.read(segments.get(1));
        Record from = record(first, 2);
        Record to = record(second, 6);
        assertEquals(from.length(), to.length());
        FileDamage.write(second.file(), to.payloadOffset(), FileDamage.read(first.file(), from.payloadOffset(),
                from.length()));
        FileDamage.fixRecordCrc(second.file(), to, second.salt());
        assertRefusedAsTampered(protection);
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aRecordWhoseTagWasCutOffIsRefused(Protection protection) throws IOException {
        SegmentLayout layout = closedLog(protection, 8);
        Record r = record(layout, 4);
        Batch batch = layout.batches().stream().filter(b -> b.records().contains(r)).findFirst().orElseThrow();
        int tag = protection == Protection.AES_256_GCM ? 16 : 32;
        // Shorten the record by its tag: new length, the CRC moved up, the batch's length and CRC fixed.
        int shorter = r.length() - tag;
        FileDamage.putInt(layout.file(), r.offset(), shorter);
        Record cut = new Record(r.sequence(), r.offset(), shorter);
        FileDamage.zero(layout.file(), cut.crcOffset(), tag + 4);
        FileDamage.fixRecordCrc(layout.file(), cut, layout.salt());
        FileDamage.putInt(layout.file(), batch.offset() + SegmentLayout.BATCH_RECORDS_LENGTH,
                batch.recordsLength() - tag);
        FileDamage.fixBatchHeaderCrc(layout.file(), batch.offset(), layout.salt());
        assertRefusedAsTampered(protection);
    }

    @Test
    void aMacChainDetectsARecordRemovedFromTheMiddle() throws IOException {
        // Remove record 4's batch and renumber what follows, fixing every batch checksum: the chain
        // (each tag covers the one before) and the sequence in every tag both break.
        SegmentLayout layout = closedLog(Protection.HMAC_SHA256_CHAIN, 8);
        List<Batch> batches = layout.dataBatches();
        Batch removed = batches.get(3);
        long size = Files.size(layout.file());
        byte[] tail = FileDamage.read(layout.file(), removed.end(), (int) (size - removed.end()));
        FileDamage.write(layout.file(), removed.offset(), tail);
        FileDamage.truncate(layout.file(), size - (removed.end() - removed.offset()));
        SegmentLayout after = SegmentLayout.read(layout.file());
        for (Batch b : after.batches()) {
            if (b.firstSequence() > removed.firstSequence()) {
                FileDamage.putLong(after.file(), b.offset() + SegmentLayout.BATCH_FIRST_SEQUENCE, b.firstSequence() - 1);
                FileDamage.fixBatchHeaderCrc(after.file(), b.offset(), after.salt());
                for (Record r : b.records()) {
                    FileDamage.fixRecordCrc(after.file(), new Record(r.sequence() - 1, r.offset(), r.length()),
                            after.salt());
                }
            }
        }
        assertRefusedAsTampered(Protection.HMAC_SHA256_CHAIN);
    }

    @Test
    void theSameChangesToAPlainLogGoUnnoticedWhichIsWhyProtectionExists() throws IOException {
        // The control for the tests above: without a seal, a fixed-up CRC is all it takes.
        dir = tmp.resolve("wal");
        WalOptions plain = WalOptions.defaults().withSegmentSize(64 << 10).withMaxBatchBytes(1);
        written = LogDirs.closedLog(dir, plain, 8, 100);
        SegmentLayout layout = SegmentLayout.read(LogDirs.segments(dir).get(0));
        Record r = record(layout, 4);
        FileDamage.flipBit(layout.file(), r.payloadOffset() + 10, 3);
        FileDamage.fixRecordCrc(layout.file(), r, layout.salt());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, plain)) {
            List<WalRecord> read = wal.recover();
            assertEquals(8, read.size());
            assertTrue(read.get(3).payload()[10] != written.get(3).payload()[10], "the change was read back");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aDamagedTagAtATornTailIsCutLikeATornWrite(Protection protection) throws IOException {
        // A crash image: every batch but the last is provably durable; the last batch's tag is torn.
        dir = tmp.resolve("image");
        written = LogDirs.crashImage(tmp.resolve("live"), dir, options(protection), 6, 100);
        SegmentLayout layout = SegmentLayout.read(LogDirs.segments(dir).get(0));
        Record last = record(layout, 6);
        FileDamage.flipBit(layout.file(), last.crcOffset() - 3, 1);
        FileDamage.fixRecordCrc(layout.file(), last, layout.salt());
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(protection))) {
            assertEquals(List.of(RecoveryReport.Kind.TORN_TAIL),
                    wal.recoveryReport().findings().stream().map(RecoveryReport.Finding::kind)
                            .filter(k -> k != RecoveryReport.Kind.CLEAN).toList());
            Records.assertSame(written.subList(0, 5), wal.recover());
        }
    }

    @Test
    void anUnprotectedSegmentHoldingLiveRecordsIsRefusedInAProtectedLog() throws IOException {
        dir = tmp.resolve("wal");
        WalOptions plain = WalOptions.defaults().withSegmentSize(64 << 10);
        List<WalRecord> plainRecords = LogDirs.closedLog(dir, plain, 5, 100);
        WalFormatException e = assertRefused(WalFormatException.class, dir,
                () -> WriteAheadLog.open(dir, options(Protection.AES_256_GCM)));
        assertTrue(e.getMessage().contains("without protection"), e.getMessage());
        // The documented migration: checkpoint the plain log to its end, then open it protected.
        try (WriteAheadLog wal = WriteAheadLog.open(dir, plain)) {
            assertEquals(plainRecords.size(), wal.recover().size());
            wal.checkpoint(wal.lastSequence());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(Protection.AES_256_GCM))) {
            assertEquals(List.of(), wal.recover());
            List<WalRecord> more = Records.append(wal, 6, 3, 100);
            Records.assertSame(more, wal.recover());
        }
        assertEquals(2, java.nio.ByteBuffer.wrap(Files.readAllBytes(dir.resolve("CHECKPOINT"))).getShort(8),
                "the migrated checkpoint was rewritten authenticated");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(Protection.AES_256_GCM))) {
            assertEquals(3, wal.recover().size());
        }
    }

    /** Sets the CHECKPOINT's up-to sequence and fixes its trailing CRC32C, as an attacker can. */
    private static void forgeCheckpointUpTo(Path checkpoint, long upTo) throws IOException {
        byte[] b = Files.readAllBytes(checkpoint);
        java.nio.ByteBuffer.wrap(b).putLong(16, upTo);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, 0, b.length - 4);
        java.nio.ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
        Files.write(checkpoint, b);
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aRaisedCheckpointWhichWouldHideRecordsIsRefused(Protection protection) throws IOException {
        dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(protection))) {
            Records.append(wal, 1, 8, 100);
            wal.checkpoint(3);
        }
        Path checkpoint = dir.resolve("CHECKPOINT");
        assertEquals(2, java.nio.ByteBuffer.wrap(Files.readAllBytes(checkpoint)).getShort(8),
                "a protected log writes authenticated (version 2) checkpoints");
        forgeCheckpointUpTo(checkpoint, 7);
        WalCorruptedException e = assertRefused(WalCorruptedException.class, dir,
                () -> WriteAheadLog.open(dir, options(protection)));
        assertTrue(e.reason().contains("checkpoint fails authentication"), e.reason());
    }

    @Test
    void anUnauthenticatedCheckpointIsRefusedOnceProtectedSegmentsExist() throws IOException {
        dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(Protection.AES_256_GCM))) {
            Records.append(wal, 1, 8, 100);
            wal.checkpoint(3);
        }
        // A version 1 checkpoint claiming more: what a plain log would have written.
        Path plain = tmp.resolve("plain");
        try (WriteAheadLog wal = WriteAheadLog.open(plain, WalOptions.defaults().withSegmentSize(64 << 10))) {
            Records.append(wal, 1, 8, 100);
            wal.checkpoint(7);
        }
        Files.copy(plain.resolve("CHECKPOINT"), dir.resolve("CHECKPOINT"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        WalCorruptedException e = assertRefused(WalCorruptedException.class, dir,
                () -> WriteAheadLog.open(dir, options(Protection.AES_256_GCM)));
        assertTrue(e.reason().contains("not authenticated"), e.reason());
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aDurableWatermarkDetectsAnOlderCopyOfTheWholeDirectory(Protection protection) throws IOException {
        dir = tmp.resolve("wal");
        AtomicLong anchor = new AtomicLong();
        DurableWatermark watermark = new DurableWatermark() {
            @Override
            public long lastDurable() {
                return anchor.get();
            }

            @Override
            public void durable(long sequence) {
                anchor.accumulateAndGet(sequence, Math::max);
            }
        };
        WalOptions anchored = options(protection).withDurableWatermark(watermark);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, anchored)) {
            Records.append(wal, 1, 5, 100);
        }
        Path old = tmp.resolve("old-copy");
        LogDirs.copyLive(dir, old);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, anchored)) {
            Records.append(wal, 6, 5, 100);
        }
        assertEquals(10, anchor.get(), "the anchor heard of every durable record");
        // Put the old copy back: it is a perfectly valid log, so only the anchor can tell.
        for (String name : LogDirs.names(dir)) {
            Files.delete(dir.resolve(name));
        }
        for (String name : LogDirs.names(old)) {
            Files.copy(old.resolve(name), dir.resolve(name));
        }
        WalCorruptedException e = assertRefused(WalCorruptedException.class, dir, () -> WriteAheadLog.open(dir, anchored));
        assertTrue(e.reason().contains("rolled back"), e.reason());
        // Without the anchor the old copy opens: the documented limit (docs/security/threat-model.md).
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(protection))) {
            assertEquals(5, wal.recover().size());
        }
    }

    @Test
    void aFailingWatermarkStopsTheLogInsteadOfAcknowledging() throws IOException {
        dir = tmp.resolve("wal");
        List<Long> seen = new ArrayList<>();
        DurableWatermark failing = new DurableWatermark() {
            @Override
            public long lastDurable() {
                return 0;
            }

            @Override
            public void durable(long sequence) throws IOException {
                seen.add(sequence);
                if (sequence >= 3) {
                    throw new IOException("anchor store unreachable");
                }
            }
        };
        WriteAheadLog wal = WriteAheadLog.open(dir, options(Protection.AES_256_GCM).withDurableWatermark(failing));
        Records.append(wal, 1, 2, 100);
        assertThrows(WalFailedException.class, () -> wal.append(new byte[10]));
        assertThrows(WalFailedException.class, () -> wal.append(new byte[10]));
        assertThrows(WalFailedException.class, wal::close);
        assertEquals(List.of(1L, 2L, 3L), seen);
    }
}
