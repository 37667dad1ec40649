package io.github.wal4j;

/**
 * What a log does beyond its CRC32C checksums, which detect accidents but not an attacker. Chosen
 * per log with {@link WalOptions#withEncryption(KeyProvider)} or
 * {@link WalOptions#withTamperEvidence(KeyProvider)}; written into every segment's header, so each
 * segment is read back the way it was written.
 *
 * <p>Both protected modes keep every crash-safety property of the plain log: a record that fails
 * authentication is handled like one that fails its checksum (cut at a torn tail, refused with
 * {@link WalCorruptedException} anywhere else). See {@code docs/security/threat-model.md}.
 */
public enum Protection {
    /** CRC32C only: detects torn writes and media errors, not deliberate changes. The default. */
    NONE,
    /**
     * AES-256-GCM per record: payloads are secret, and a record that is altered, moved, swapped,
     * duplicated or copied from another segment fails authentication. 16 bytes per record.
     */
    AES_256_GCM,
    /**
     * Payloads in the clear, each record carrying an HMAC-SHA256 tag that also covers the previous
     * record's tag: modification, deletion from the middle and reordering are detected. 32 bytes per
     * record.
     */
    HMAC_SHA256_CHAIN
}
