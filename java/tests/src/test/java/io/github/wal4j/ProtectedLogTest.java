package io.github.wal4j;

import static io.github.wal4j.fixtures.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.Keys;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A protected log reads back exactly what was written, keeps payloads secret (AES-GCM), names its
 * key per segment so keys rotate, and refuses to open with a missing or wrong key, changing nothing.
 */
class ProtectedLogTest {
    private static final byte[] MARKER = "CARD-4111-1111-1111-1111".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    static WalOptions protectedWith(Protection protection, KeyProvider keys) {
        return WalOptions.defaults().withSegmentSize(64 << 10).withProtection(protection, keys);
    }

    private static byte[] secret(long i) {
        byte[] p = new byte[MARKER.length + 8];
        System.arraycopy(MARKER, 0, p, 0, MARKER.length);
        for (int j = 0; j < 8; j++) {
            p[MARKER.length + j] = (byte) (i >> (8 * j));
        }
        return p;
    }

    private static List<WalRecord> appendSecrets(WriteAheadLog wal, int count) throws IOException {
        List<WalRecord> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] p = secret(wal.lastSequence() + 1);
            out.add(new WalRecord(wal.append(p), p));
        }
        return out;
    }

    private static boolean anyFileContains(Path dir, byte[] needle) throws IOException {
        for (byte[] bytes : LogDirs.snapshot(dir).values()) {
            if (bytes != null && indexOf(bytes, needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void readsBackWhatWasWrittenAcrossReopensAndSegments(Protection protection) throws IOException {
        Path dir = tmp.resolve("wal");
        WalOptions options = protectedWith(protection, Keys.only("k1")).withSegmentSize(32 << 10);
        List<WalRecord> written = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            written.addAll(Records.append(wal, 1, 40));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            Records.assertSame(written, wal.recover());
            written.addAll(Records.append(wal, 41, 25));
            Records.assertSame(written, wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertTrue(wal.recoveryReport().clean(), wal.recoveryReport().summary());
            Records.assertSame(written, wal.recover());
        }
        assertTrue(LogDirs.segments(dir).size() > 3, "small segments rotate: " + LogDirs.names(dir));
    }

    @Test
    void encryptedPayloadsDoNotAppearOnDisk() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, protectedWith(Protection.AES_256_GCM, Keys.only("k1")))) {
            appendSecrets(wal, 20);
        }
        assertFalse(anyFileContains(dir, MARKER), "a payload's plaintext is in a file of the encrypted log");
        // The control: the same payloads in a plain or MAC-chained log are on disk in the clear.
        Path chained = tmp.resolve("chained");
        try (WriteAheadLog wal = WriteAheadLog.open(chained,
                protectedWith(Protection.HMAC_SHA256_CHAIN, Keys.only("k1")))) {
            appendSecrets(wal, 20);
        }
        assertTrue(anyFileContains(chained, MARKER), "the MAC chain leaves payloads in the clear");
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aWrongKeyIsRefusedAtOpenAndNothingChanges(Protection protection) throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, protectedWith(protection, Keys.only("k1")))) {
            Records.append(wal, 1, 5);
        }
        // Same key id, other key bytes.
        KeyProvider wrong = KeyProvider.of("k1", Keys.key("not-k1"));
        WalKeyException e = assertRefused(WalKeyException.class, dir,
                () -> WriteAheadLog.open(dir, protectedWith(protection, wrong)));
        assertEquals("k1", e.keyId());
        assertTrue(e.getMessage().contains("does not authenticate"), e.getMessage());
    }

    @Test
    void aMissingKeyOrNoKeyProviderIsRefusedAtOpenAndNothingChanges() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, protectedWith(Protection.AES_256_GCM, Keys.only("k1")))) {
            Records.append(wal, 1, 5);
        }
        Map<String, byte[]> before = LogDirs.snapshot(dir);
        WalKeyException missing = assertThrows(WalKeyException.class,
                () -> WriteAheadLog.open(dir, protectedWith(Protection.AES_256_GCM, Keys.only("k2"))));
        assertTrue(missing.getMessage().contains("no key with id 'k1'"), missing.getMessage());
        WalKeyException none = assertThrows(WalKeyException.class,
                () -> WriteAheadLog.open(dir, WalOptions.defaults()));
        assertTrue(none.getMessage().contains("without a key provider"), none.getMessage());
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void keysRotateNewSegmentsUseTheCurrentKeyAndOldOnesStayReadable() throws IOException {
        Path dir = tmp.resolve("wal");
        List<WalRecord> written = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, protectedWith(Protection.AES_256_GCM, Keys.only("k1")))) {
            written.addAll(Records.append(wal, 1, 10));
        }
        WalOptions rotated = protectedWith(Protection.AES_256_GCM, Keys.of("k2", "k1"));
        long lastOfK1;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, rotated)) {
            lastOfK1 = wal.lastSequence();
            written.addAll(Records.append(wal, 11, 10));
            Records.assertSame(written, wal.recover());
        }
        List<String> keyIds = new ArrayList<>();
        for (Path segment : LogDirs.segments(dir)) {
            keyIds.add(keyIdOf(segment));
        }
        assertEquals(List.of("k1", "k2"), keyIds, "the key id each segment header names");
        // Without k1 the old segment cannot be read: refused, not skipped.
        assertThrows(WalKeyException.class,
                () -> WriteAheadLog.open(dir, protectedWith(Protection.AES_256_GCM, Keys.only("k2"))));
        // Once a checkpoint covers every record written under k1, its segment goes and k1 may be dropped.
        try (WriteAheadLog wal = WriteAheadLog.open(dir, rotated)) {
            wal.checkpoint(lastOfK1 + 5);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, protectedWith(Protection.AES_256_GCM, Keys.only("k2")))) {
            Records.assertSame(Records.before(written, Long.MAX_VALUE).subList((int) lastOfK1 + 5, written.size()),
                    wal.recover());
        }
    }

    /** Whether the segment header's protection (the low byte of its flags, see SegmentHeader) is set. */
    static boolean isProtectedSegment(Path segment) {
        try {
            byte[] head = io.github.wal4j.testing.internal.FileDamage.read(segment, 8, 4);
            return head[3] != 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The key id in a protected segment header (version 3 as new segments are written, see SegmentHeader). */
    static String keyIdOf(Path segment) throws IOException {
        byte[] head = Files.readAllBytes(segment);
        assertEquals(3, ((head[8] & 0xff) << 8) | (head[9] & 0xff), "format version of a new protected segment");
        assertTrue(head[11] != 0, "the protection in the flags");
        int k = head[48] & 0xff;
        return new String(head, 49, k, StandardCharsets.UTF_8);
    }

    @Test
    void everyOpenOfAProtectedLogStartsANewSegmentWithANewSalt() throws IOException {
        Path dir = tmp.resolve("wal");
        WalOptions options = protectedWith(Protection.AES_256_GCM, Keys.only("k1"));
        for (int i = 0; i < 4; i++) {
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                Records.append(wal, wal.lastSequence() + 1, 3);
            }
        }
        List<Path> segments = LogDirs.segments(dir);
        assertEquals(4, segments.size(), "one segment per session: " + LogDirs.names(dir));
        Set<Long> salts = new HashSet<>();
        for (Path segment : segments) {
            salts.add(SegmentLayout.read(segment).salt());
        }
        assertEquals(4, salts.size(), "each segment has its own salt, hence its own record key");
    }

    @Test
    void keyMaterialNeverAppearsInStringsOrMessages() throws IOException {
        byte[] key = Keys.key("k1");
        String hex = java.util.HexFormat.of().formatHex(key);
        KeyProvider keys = KeyProvider.of("k1", key);
        WalOptions options = protectedWith(Protection.AES_256_GCM, keys);
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            Records.append(wal, 1, 3);
        }
        KeyProvider wrong = KeyProvider.of("k1", Keys.key("other"));
        WalKeyException e = assertThrows(WalKeyException.class,
                () -> WriteAheadLog.open(dir, protectedWith(Protection.AES_256_GCM, wrong)));
        for (String s : List.of(keys.toString(), options.toString(), e.getMessage(), wrong.toString())) {
            assertFalse(s.toLowerCase().contains(hex.substring(0, 16)), "key bytes in: " + s);
            assertFalse(s.contains(java.util.Base64.getEncoder().encodeToString(key).substring(0, 12)), s);
            assertFalse(s.contains(java.util.Arrays.toString(key).substring(0, 20)), s);
        }
        assertTrue(keys.toString().contains("k1"), "ids may be shown: " + keys);
    }

    /**
     * The newest segment cut inside its protected header's extension (key id, HMAC) holds no record,
     * like a plain segment cut inside its header block: a torn tail, removed; found by
     * TruncationPropertyTest (QT_SEED=10204804131605), where open refused the log as corrupt.
     */
    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aNewestSegmentCutInsideItsProtectedHeaderIsATornTail(Protection protection) throws IOException {
        Path dir = tmp.resolve("wal");
        WalOptions options = protectedWith(protection, Keys.only("k1"));
        List<WalRecord> written;
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            written = appendSecrets(wal, 3);
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertEquals(3, wal.lastSequence());
        }
        List<Path> segments = LogDirs.segments(dir);
        assertEquals(2, segments.size(), LogDirs.names(dir).toString());
        Path newest = segments.get(1);
        // 48: the fixed header only; 49: and the key id's length; 86: all but the last CRC byte.
        for (int size : new int[] {86, 60, 49, 48}) {
            byte[] bytes = Files.readAllBytes(newest);
            Files.write(newest, java.util.Arrays.copyOf(bytes, size));
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                Records.assertSame(written, wal.recover());
                assertTrue(wal.recoveryReport().findings().stream()
                        .anyMatch(f -> f.kind() == RecoveryReport.Kind.TORN_TAIL), wal.recoveryReport().summary());
            }
            // The open replaced the cut segment by a new one with the same id: cut that one next.
        }
    }

    @Test
    void protectionTurnsOffAndOnAgainAndKeysGoOnceNoProtectedSegmentIsLeft() throws IOException {
        Path dir = tmp.resolve("wal");
        KeyProvider keys = Keys.only("k1");
        WalOptions on = protectedWith(Protection.AES_256_GCM, keys);
        WalOptions offWithKeys = protectedWith(Protection.NONE, keys);
        List<WalRecord> written = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir, on)) {
            written.addAll(Records.append(wal, 1, 5));
        }
        // Off (new segments plain), a checkpoint taken, nothing appended: the protected segment still
        // holds live records 3..5.
        try (WriteAheadLog wal = WriteAheadLog.open(dir, offWithKeys)) {
            wal.checkpoint(2);
        }
        // Back on: the checkpoint taken while protection was off is authenticated (the log had keys),
        // so it is accepted; an unauthenticated one would be refused, protected segments being there.
        assertEquals(2, java.nio.ByteBuffer.wrap(Files.readAllBytes(dir.resolve("CHECKPOINT"))).getShort(8));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, on)) {
            Records.assertSame(written.subList(2, written.size()), wal.recover());
            written.addAll(Records.append(wal, 6, 8));
        }
        // Off for good: checkpoint past every protected record, then the keys can go.
        try (WriteAheadLog wal = WriteAheadLog.open(dir, offWithKeys)) {
            written.addAll(Records.append(wal, 14, 2));
            wal.checkpoint(13);
        }
        assertTrue(LogDirs.segments(dir).stream().noneMatch(ProtectedLogTest::isProtectedSegment),
                "the checkpoint removed every protected segment: " + LogDirs.names(dir));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withSegmentSize(64 << 10))) {
            Records.assertSame(written.subList(13, written.size()), wal.recover());
        }
    }
}
