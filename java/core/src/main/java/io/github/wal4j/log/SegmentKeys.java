package io.github.wal4j.log;

import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.KeyProvider;
import io.github.wal4j.Protection;
import io.github.wal4j.WalKeyException;
import io.github.wal4j.format.AeadSealer;
import io.github.wal4j.format.KeyDerivation;
import io.github.wal4j.format.MacChainSealer;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.SecretKey;

/**
 * The protection a log writes new segments with, and the keys it reads existing ones with: makes
 * the header of a new segment (with its HMAC under the current key, and the writer's maximum record
 * size, which every new header records) and the {@link RecordSealer} of any segment, after checking
 * that the key its header names authenticates that header.
 * Key bytes live only in local variables and derived keys; nothing here prints them.
 */
public final class SegmentKeys {
    /** A log without protection and without keys: reads plain segments only. */
    public static final SegmentKeys NONE = new SegmentKeys(Protection.NONE, null);

    private final Protection protection;
    private final KeyProvider keys;
    private final int maxRecordSize;

    /** For reading: new headers, if any, record no maximum record size. */
    public SegmentKeys(Protection protection, KeyProvider keys) {
        this(protection, keys, 0);
    }

    /** For a writer whose records are at most {@code maxRecordSize} bytes: every new header records it. */
    public SegmentKeys(Protection protection, KeyProvider keys, int maxRecordSize) {
        this.protection = protection;
        this.keys = keys;
        this.maxRecordSize = maxRecordSize;
    }

    /** The maximum record size every new header records (0 for a reader's keys). */
    public int maxRecordSize() {
        return maxRecordSize;
    }

    /** The protection new segments get. */
    public Protection protection() {
        return protection;
    }

    /** Whether new segments are protected (and unprotected ones holding live records are refused). */
    public boolean protects() {
        return protection != Protection.NONE;
    }

    /**
     * The header of a new segment.
     *
     * @param followsLoss whether it starts after a point-in-time cut of acknowledged records
     *     ({@link SegmentHeader#followsLoss()})
     */
    SegmentHeader newHeader(int alignment, long id, long salt, long firstSequence, boolean followsLoss)
            throws WalKeyException {
        return newHeader(alignment, id, salt, firstSequence, followsLoss, false);
    }

    /** As {@link #newHeader(int, long, long, long, boolean)}, marked RECYCLED if {@code recycled}. */
    SegmentHeader newHeader(int alignment, long id, long salt, long firstSequence, boolean followsLoss,
            boolean recycled) throws WalKeyException {
        if (!protects()) {
            SegmentHeader plain = new SegmentHeader(alignment, id, salt, firstSequence, maxRecordSize,
                    SegmentHeader.PLAIN, null, null, followsLoss).withVersion(SegmentHeader.VERSION_ONE_PASS);
            return recycled ? plain.asRecycled() : plain;
        }
        String keyId = keys.currentKeyId();
        int code = protection == Protection.AES_256_GCM ? SegmentHeader.AES_GCM : SegmentHeader.HMAC_CHAIN;
        SegmentHeader header = new SegmentHeader(alignment, id, salt, firstSequence, maxRecordSize, code, keyId, null,
                followsLoss).withVersion(SegmentHeader.VERSION_ONE_PASS);
        if (recycled) {
            header = header.asRecycled();
        }
        byte[] master = master(keyId, null);
        try {
            return header.withTag(KeyDerivation.hmac(KeyDerivation.headerKey(master), header.authenticatedBytes()));
        } finally {
            Arrays.fill(master, (byte) 0);
        }
    }

    /**
     * The sealer for a segment with this header.
     *
     * @throws WalKeyException the segment is protected and its key is missing or does not
     *     authenticate its header
     */
    public RecordSealer sealerFor(SegmentHeader header, Path path) throws WalKeyException {
        if (!header.isProtected()) {
            return RecordSealer.PLAIN;
        }
        String keyId = header.keyId();
        if (keys == null) {
            throw new WalKeyException(path, keyId, "segment is protected (" + describe(header.protection())
                    + ", key id '" + keyId + "') and the log was opened without a key provider");
        }
        byte[] master = master(keyId, path);
        byte[] recordKey;
        try {
            byte[] expected = KeyDerivation.hmac(KeyDerivation.headerKey(master), header.authenticatedBytes());
            if (!MessageDigest.isEqual(expected, header.tag())) {
                throw new WalKeyException(path, keyId, "the key provider's key '" + keyId + "' does not authenticate "
                        + "this segment's header: a wrong key, or a header altered by someone without the key");
            }
            recordKey = KeyDerivation.recordKey(master, header.protection(), header.segmentId(), header.salt());
        } finally {
            // The master key's copy is not kept; the derived key lives in the sealer for the segment's life.
            Arrays.fill(master, (byte) 0);
        }
        return header.protection() == SegmentHeader.AES_GCM ? new AeadSealer(recordKey, header.segmentId())
                : new MacChainSealer(recordKey, header.tag());
    }

    /**
     * {@code checkpoint} authenticated under the current key whenever this log has keys (also with
     * protection turned off for new segments: older protected segments may still hold records, and
     * turning protection on again must find an authenticated checkpoint); unauthenticated without keys.
     */
    Checkpoint sign(Checkpoint checkpoint) throws WalKeyException {
        if (keys == null) {
            return new Checkpoint(checkpoint.upToSequence(), checkpoint.generation(), checkpoint.snapshot(),
                    checkpoint.snapshotLength(), checkpoint.snapshotCrc());
        }
        String keyId = keys.currentKeyId();
        byte[] key = checkpointKey(keyId, null);
        return checkpoint.withTag(keyId, KeyDerivation.hmac(key, checkpoint.authenticatedBytes(keyId)));
    }

    /**
     * Checks the HMAC of an authenticated checkpoint read from {@code path}.
     *
     * @throws WalKeyException its key is missing from a provider this log has
     * @throws io.github.wal4j.WalCorruptedException the key does not authenticate it
     */
    void verify(Checkpoint checkpoint, Path path) throws java.io.IOException {
        if (!checkpoint.authenticated()) {
            return;
        }
        String keyId = checkpoint.keyId();
        if (keys == null) {
            // Opened without keys, the log is plain: a protected segment still in it is refused on
            // its own (sealerFor), and without one there is nothing the checkpoint's tag protects.
            return;
        }
        byte[] key = checkpointKey(keyId, path);
        byte[] expected = KeyDerivation.hmac(key, checkpoint.authenticatedBytes(keyId));
        if (!MessageDigest.isEqual(expected, checkpoint.tag())) {
            throw new io.github.wal4j.WalCorruptedException(path, 0, "the checkpoint fails authentication under key '"
                    + keyId + "': it was altered (or written with another key of that id)");
        }
    }

    private byte[] checkpointKey(String keyId, Path path) throws WalKeyException {
        byte[] master = master(keyId, path);
        try {
            return KeyDerivation.checkpointKey(master);
        } finally {
            Arrays.fill(master, (byte) 0);
        }
    }

    /** A name for a header's protection code. */
    public static String describe(int protection) {
        return switch (protection) {
            case SegmentHeader.PLAIN -> "no protection";
            case SegmentHeader.AES_GCM -> "AES-256-GCM";
            case SegmentHeader.HMAC_CHAIN -> "HMAC-SHA256 chain";
            default -> "protection " + protection;
        };
    }

    private byte[] master(String keyId, Path path) throws WalKeyException {
        Optional<SecretKey> key = keys.key(keyId);
        if (key.isEmpty()) {
            throw new WalKeyException(path, keyId, "the key provider has no key with id '" + keyId
                    + "', which " + (path == null ? "new segments are to be written with" : "this segment was written with"));
        }
        byte[] bytes = key.get().getEncoded();
        if (bytes == null || bytes.length != 32) {
            throw new WalKeyException(path, keyId, "key '" + keyId + "' must export 32 bytes of key material, it "
                    + (bytes == null ? "exports none" : "has " + bytes.length));
        }
        return bytes;
    }

    @Override
    public String toString() {
        return "SegmentKeys[" + protection + (keys == null ? "" : ", " + keys) + "]";
    }
}
