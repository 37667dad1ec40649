package io.github.wal4j.testing;

import io.github.wal4j.KeyProvider;
import io.github.wal4j.Protection;
import io.github.wal4j.WalOptions;
import java.util.SplittableRandom;

/**
 * Protection as one more dimension of the randomized crash and property tests: each try or cycle
 * draws {@link Protection#NONE}, {@link Protection#AES_256_GCM} or
 * {@link Protection#HMAC_SHA256_CHAIN} from its seed (so a printed seed reproduces it), instead of
 * running every test three times.
 */
public final class Protections {
    /** The key id every protected test log is written with. */
    public static final String KEY_ID = "k1";

    private Protections() {
    }

    /** The key provider of protected test logs (the same key bytes in every JVM). */
    public static KeyProvider keys() {
        return Keys.only(KEY_ID);
    }

    /** One of the three protections, uniformly. */
    public static Protection draw(SplittableRandom random) {
        return Protection.values()[random.nextInt(Protection.values().length)];
    }

    /**
     * {@code options} with {@code protection}; {@link Protection#NONE} leaves them exactly as they are
     * (no key provider), so the plain path is the one users get by default.
     */
    public static WalOptions apply(WalOptions options, Protection protection) {
        return protection == Protection.NONE ? options : options.withProtection(protection, keys());
    }

    /**
     * {@code options} with {@code protection} and always the key provider, for a log directory that
     * is reopened under changing protections: segments written earlier with protection stay
     * readable when new ones are plain.
     */
    public static WalOptions applyWithKeys(WalOptions options, Protection protection) {
        return options.withProtection(protection, keys());
    }

    /** Bytes a record's seal adds inside its frame: 0, 16 (GCM tag) or 32 (HMAC tag). */
    public static int sealBytes(Protection protection) {
        return switch (protection) {
            case NONE -> 0;
            case AES_256_GCM -> 16;
            case HMAC_SHA256_CHAIN -> 32;
        };
    }

    /**
     * Bytes of a segment header that carry meaning: 48, and for a protected segment the key id's
     * length byte, the key id, the header's HMAC and the extension's CRC (docs/security/threat-model.md).
     */
    public static int headerBytes(Protection protection) {
        return protection == Protection.NONE ? 48 : 48 + 1 + KEY_ID.length() + 32 + 4;
    }
}
