package io.github.wal4j.format;

import io.github.wal4j.KeyProvider;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The golden logs under {@code java/tests/src/test/resources/golden}: what each holds, and how it
 * was made. {@code v1} was written before format version 3 (its segments are of versions 1 and 2,
 * records checked by a seeded CRC32C), {@code v3} since (segments of version 3, records checked in
 * one pass; see {@link RecordFormat}). {@link FormatGoldenFilesTest} reads both with the current
 * code. They are written once and committed; a new format version adds a directory beside them and
 * never rewrites these. To make them (into an empty directory):
 * {@code java -cp <test class path> io.github.wal4j.format.GoldenLogs DIR}.
 */
public final class GoldenLogs {
    /** A fixed key, so the protected logs read in every run (a test key, never a real one). */
    static final KeyProvider KEYS = KeyProvider.of("golden-1", key());

    /** A golden log: its directory name, the options it is read with, and what recovery must return. */
    record Golden(String name, WalOptions options, long checkpoint, long lastSequence) {
    }

    static final List<Golden> ALL = List.of(
            new Golden("plain", base(), 0, 24),
            new Golden("checkpoint", base(), 9, 24),
            new Golden("aes-gcm", base().withEncryption(KEYS), 0, 24),
            new Golden("hmac-chain", base().withTamperEvidence(KEYS), 0, 24));

    private GoldenLogs() {
    }

    /** 16 KiB segments: the header block and three 4 KiB batches each, so the logs rotate (and seal). */
    static WalOptions base() {
        return WalOptions.defaults().withSegmentSize(16 << 10);
    }

    /** The payload of sequence {@code s}: a text, then {@code s * 37 % 300} bytes of a pattern (0 to 299 bytes). */
    static byte[] payload(long s) {
        byte[] text = ("wal4j golden record " + s).getBytes(StandardCharsets.UTF_8);
        byte[] p = Arrays.copyOf(text, text.length + (int) (s * 37 % 300));
        for (int i = text.length; i < p.length; i++) {
            p[i] = (byte) (i * 31 + s);
        }
        return p;
    }

    private static byte[] key() {
        byte[] k = new byte[32];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (0xA5 ^ i);
        }
        return k;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        for (Golden g : ALL) {
            Path dir = root.resolve(g.name());
            if (Files.exists(dir)) {
                throw new IllegalStateException(dir + " exists: golden files are never rewritten");
            }
            try (WriteAheadLog wal = WriteAheadLog.open(dir, g.options())) {
                // 1..12 one append each (one record per batch); 13..24 in flight together (batches of several).
                for (long s = 1; s <= 12; s++) {
                    wal.append(payload(s));
                }
                if (g.checkpoint() > 0) {
                    wal.checkpoint(g.checkpoint());
                }
                List<CompletableFuture<Long>> futures = new ArrayList<>();
                for (long s = 13; s <= g.lastSequence(); s++) {
                    futures.add(wal.appendAsync(payload(s)));
                }
                wal.fsync();
                for (CompletableFuture<Long> f : futures) {
                    f.join();
                }
            }
            System.out.println("wrote " + dir);
        }
    }
}
