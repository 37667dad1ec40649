package io.github.wal4j.testing.internal;

import io.github.wal4j.KeyProvider;
import java.util.Map;
import java.util.Random;

/** Test keys: deterministic 32-byte keys by name, and providers over them. */
public final class Keys {

    private Keys() {
    }

    /** The 32-byte key named {@code id} (the same bytes for the same id in every run). */
    public static byte[] key(String id) {
        byte[] k = new byte[32];
        new Random(id.hashCode() * 1_000_003L).nextBytes(k);
        return k;
    }

    /** A provider holding only {@code id}'s key. */
    public static KeyProvider only(String id) {
        return KeyProvider.of(id, key(id));
    }

    /** A provider holding the keys of {@code ids}, the first one current. */
    public static KeyProvider of(String current, String... others) {
        java.util.Map<String, byte[]> keys = new java.util.LinkedHashMap<>();
        keys.put(current, key(current));
        for (String id : others) {
            keys.put(id, key(id));
        }
        return KeyProvider.of(current, Map.copyOf(keys));
    }
}
