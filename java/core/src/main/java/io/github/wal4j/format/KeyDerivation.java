package io.github.wal4j.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Derives the working keys of a protected segment from a 32-byte master key, with HMAC-SHA256 as a
 * pseudo-random function (the HKDF-Expand step with a single block):
 *
 * <pre>
 *  header key     = HMAC(master, "wal4j/v2/header")
 *  checkpoint key = HMAC(master, "wal4j/v2/checkpoint")
 *  record key = HMAC(master, "wal4j/v2/record" || protection (1 byte) || segment id (8) || salt (8))
 * </pre>
 * Every segment therefore has record keys of its own (its salt is 64 random bits, new per segment),
 * and the two protections never share a key. The master key never touches data directly.
 */
public final class KeyDerivation {
    /** The size of every HMAC-SHA256 tag the format stores: a protected segment header's, an authenticated checkpoint's, each record's in the HMAC chain. */
    public static final int MAC_BYTES = 32;

    private static final byte[] HEADER_LABEL = "wal4j/v2/header".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHECKPOINT_LABEL = "wal4j/v2/checkpoint".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RECORD_LABEL = "wal4j/v2/record".getBytes(StandardCharsets.US_ASCII);

    private KeyDerivation() {
    }

    /** The key that authenticates segment headers. */
    public static byte[] headerKey(byte[] master) {
        return hmac(master, HEADER_LABEL);
    }

    /** The key that authenticates the checkpoint file. */
    public static byte[] checkpointKey(byte[] master) {
        return hmac(master, CHECKPOINT_LABEL);
    }

    /** The key records of this segment are sealed with. */
    public static byte[] recordKey(byte[] master, int protection, long segmentId, long salt) {
        ByteBuffer info = ByteBuffer.allocate(RECORD_LABEL.length + 17);
        info.put(RECORD_LABEL).put((byte) protection).putLong(segmentId).putLong(salt);
        return hmac(master, info.array());
    }

    /** HMAC-SHA256 of {@code data} under {@code key}. */
    public static byte[] hmac(byte[] key, byte[] data) {
        Mac mac = newMac(key);
        return mac.doFinal(data);
    }

    static Mac newMac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            // Every Java SE runtime must provide HmacSHA256.
            throw new IllegalStateException("HmacSHA256 is not available: " + e, e);
        }
    }
}
