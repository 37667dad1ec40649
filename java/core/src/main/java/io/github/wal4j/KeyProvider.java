package io.github.wal4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Supplies the 256-bit keys of a protected log ({@link Protection}). Each segment header names the
 * id of the key it was written with: new segments use {@link #currentKeyId()}, older segments stay
 * readable for as long as {@link #key(String)} still returns their key. Rotating a key is therefore:
 * add the new key, make it current, reopen the log (a protected log starts a new segment at every
 * open), and drop the old key once a checkpoint has removed the last segment written with it.
 *
 * <p>Keys must be 32 bytes and their {@link SecretKey#getEncoded()} must return them (keys held in
 * a hardware module that cannot export them are not supported). wal4j derives a separate key per
 * segment and purpose from them and never writes, logs or prints key material. Implementations
 * must be thread-safe; they are called at open and when a segment is created.
 */
public interface KeyProvider {

    /** The id new segments are written with: 1 to 255 bytes of UTF-8, not secret (it is stored in the clear). */
    String currentKeyId();

    /** The key with this id, or empty if this provider does not have it (any more). */
    Optional<SecretKey> key(String keyId);

    /**
     * A provider over a fixed set of keys.
     *
     * @param currentKeyId the id new segments are written with; must be in {@code keys}
     * @param keys raw 32-byte keys by id; copied
     */
    static KeyProvider of(String currentKeyId, Map<String, byte[]> keys) {
        Objects.requireNonNull(currentKeyId, "currentKeyId");
        Objects.requireNonNull(keys, "keys");
        Map<String, SecretKey> copy = new LinkedHashMap<>();
        keys.forEach((id, bytes) -> {
            if (bytes == null || bytes.length != 32) {
                throw new IllegalArgumentException("key '" + id + "' must be 32 bytes, not "
                        + (bytes == null ? "null" : bytes.length + " bytes"));
            }
            copy.put(id, new SecretKeySpec(bytes, "AES"));
        });
        if (!copy.containsKey(currentKeyId)) {
            throw new IllegalArgumentException("current key id '" + currentKeyId + "' is not among the keys "
                    + copy.keySet());
        }
        return new KeyProvider() {
            @Override
            public String currentKeyId() {
                return currentKeyId;
            }

            @Override
            public Optional<SecretKey> key(String keyId) {
                return Optional.ofNullable(copy.get(keyId));
            }

            @Override
            public String toString() {
                // Ids only: key material never appears in a string.
                return "KeyProvider[current=" + currentKeyId + ", ids=" + copy.keySet() + "]";
            }
        };
    }

    /** A provider with a single key. */
    static KeyProvider of(String keyId, byte[] key) {
        return of(Objects.requireNonNull(keyId, "keyId"), Map.of(keyId, Objects.requireNonNull(key, "key")));
    }
}
