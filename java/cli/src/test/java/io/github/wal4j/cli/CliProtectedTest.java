package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.Protection;
import io.github.wal4j.WalOptions;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.Keys;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI on protected logs: with the right {@code --key} it verifies and dumps them; without it, or
 * with a wrong key, it says so (exit 6) and never prints key material; a tampered record (CRC fixed
 * up) is corruption (exit 2). Nothing changes on disk.
 */
class CliProtectedTest {
    @TempDir
    Path tmp;

    private Path dir;
    private Path keyFile;

    private WalOptions options(Protection protection) {
        return WalOptions.defaults().withSegmentSize(64 << 10).withMaxBatchBytes(1).withProtection(protection,
                Keys.only("k1"));
    }

    private void closedLog(Protection protection) throws Exception {
        dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, options(protection), 6, 100);
        keyFile = tmp.resolve("k1.key");
        Files.writeString(keyFile, HexFormat.of().formatHex(Keys.key("k1")) + "\n");
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void verifyAndDumpWithTheKey(Protection protection) throws Exception {
        closedLog(protection);
        Map<String, byte[]> before = Cli.files(dir);
        Result v = Cli.run("verify", "--key", "k1=" + keyFile, dir);
        assertEquals(0, v.exit(), v::toString);
        assertTrue(v.out().contains("6 record(s) after the checkpoint"), v::toString);
        Result d = Cli.run("dump", "--key", "k1=" + keyFile, "--format", "json", dir);
        assertEquals(0, d.exit(), d::toString);
        // The dump shows record 3's opened payload, with the offset and checksum it has on disk.
        SegmentLayout layout = SegmentLayout.read(LogDirs.segments(dir).get(0));
        SegmentLayout.Record r3 = layout.dataBatches().get(2).records().get(0);
        int crc = java.nio.ByteBuffer.wrap(FileDamage.read(layout.file(), r3.crcOffset(), 4)).getInt();
        String hex = HexFormat.of().formatHex(Records.payload(3, 100));
        assertTrue(d.out().contains(hex.substring(0, 64)), d::toString);
        assertTrue(d.out().contains(String.format("0x%08x", crc)), d::toString);
        assertTrue(d.out().contains(String.valueOf(r3.offset())), d::toString);
        if (protection == Protection.AES_256_GCM) {
            assertFalse(HexFormat.of().formatHex(Files.readAllBytes(layout.file())).contains(hex.substring(0, 64)),
                    "the payload is not on disk in the clear");
        }
        Result raw = Cli.run("verify", "--key", "k1=" + Files.write(tmp.resolve("raw.key"), Keys.key("k1")), dir);
        assertEquals(0, raw.exit(), "a key file of 32 raw bytes works too: " + raw);
        assertEquals(before.keySet(), Cli.files(dir).keySet());
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void withoutTheKeyOrWithAWrongOneItExitsSixAndPrintsNoKey(Protection protection) throws Exception {
        closedLog(protection);
        Result none = Cli.run("verify", dir);
        assertEquals(Wal4jCli.KEY, none.exit(), none::toString);
        assertTrue(none.err().contains("key id 'k1'"), none::toString);
        Path wrong = tmp.resolve("wrong.key");
        Files.writeString(wrong, HexFormat.of().formatHex(Keys.key("other")));
        Result bad = Cli.run("verify", "--key", "k1=" + wrong, dir);
        assertEquals(Wal4jCli.KEY, bad.exit(), bad::toString);
        for (Result r : new Result[] {none, bad}) {
            String all = r.out() + r.err();
            assertFalse(all.contains(HexFormat.of().formatHex(Keys.key("other")).substring(0, 16)), all);
            assertFalse(all.contains(HexFormat.of().formatHex(Keys.key("k1")).substring(0, 16)), all);
        }
        Path shortKey = tmp.resolve("short.key");
        Files.writeString(shortKey, "00112233");
        Result usage = Cli.run("verify", "--key", "k1=" + shortKey, dir);
        assertEquals(Wal4jCli.USAGE, usage.exit(), usage::toString);
        assertTrue(usage.err().contains("holds 8 bytes"), usage::toString);
        assertFalse(usage.err().contains("00112233"), "the key file's contents are not echoed: " + usage);
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void aTamperedRecordIsCorruption(Protection protection) throws Exception {
        closedLog(protection);
        SegmentLayout layout = SegmentLayout.read(LogDirs.segments(dir).get(0));
        SegmentLayout.Record r = layout.dataBatches().get(2).records().get(0);
        FileDamage.flipBit(layout.file(), r.payloadOffset() + 5, 2);
        FileDamage.fixRecordCrc(layout.file(), r, layout.salt());
        Map<String, byte[]> before = Cli.files(dir);
        Result v = Cli.run("verify", "--key", "k1=" + keyFile, dir);
        assertEquals(Wal4jCli.CORRUPT, v.exit(), v::toString);
        assertTrue(v.out().contains("authentication fails"), v::toString);
        Map<String, byte[]> after = Cli.files(dir);
        assertEquals(before.keySet(), after.keySet());
    }

    @ParameterizedTest
    @EnumSource(value = Protection.class, names = {"AES_256_GCM", "HMAC_SHA256_CHAIN"})
    void repairCutsATornTailAndTheLogStaysProtected(Protection protection) throws Exception {
        Path image = tmp.resolve("image");
        keyFile = tmp.resolve("k1.key");
        Files.write(keyFile, Keys.key("k1"));
        java.util.List<io.github.wal4j.WalRecord> written = Cli.crashImage(tmp, image, options(protection), 8);
        Cli.appendGarbage(LogDirs.segments(image).get(0));
        Result noKey = Cli.run("repair", image);
        assertEquals(Wal4jCli.KEY, noKey.exit(), noKey::toString);
        Result r = Cli.run("repair", "--key", "k1=" + keyFile, image);
        assertEquals(0, r.exit(), r::toString);
        try (io.github.wal4j.WriteAheadLog wal = io.github.wal4j.WriteAheadLog.open(image, options(protection))) {
            Records.assertSame(written, wal.recover());
        }
        for (Path segment : LogDirs.segments(image)) {
            byte[] head = FileDamage.read(segment, 8, 4); // version, then flags: the protection in the low byte
            assertTrue(head[3] != 0, "every segment, the one repair's open created included, is protected: "
                    + segment.getFileName());
        }
    }
}
