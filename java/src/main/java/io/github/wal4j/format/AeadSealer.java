package io.github.wal4j.format;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM per record, under the segment's record key ({@link KeyDerivation#recordKey}).
 *
 * <pre>
 *  sealed payload = ciphertext (n bytes) || GCM tag (16 bytes)
 *  nonce (12 bytes) = 0x00000000 || sequence number (8, big-endian)
 *  associated data  = segment id (8) || sequence number (8)
 * </pre>
 * Why a nonce never repeats under one key: the record key is unique to a segment (derived from its
 * id and 64 random salt bits), a segment is written by exactly one writer session (a protected log
 * starts a new segment at every open and never appends to a segment a previous session wrote), and
 * within a session each sequence number is written once. A record moved to another sequence or
 * copied into another segment is decrypted under another nonce or key and fails its tag.
 */
public final class AeadSealer implements RecordSealer {
    /** Bytes of the GCM tag. */
    public static final int TAG_BYTES = 16;

    private final SecretKeySpec key;
    private final long segmentId;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];
    private final ByteBuffer aad = ByteBuffer.allocate(16);

    public AeadSealer(byte[] recordKey, long segmentId) {
        this.key = new SecretKeySpec(recordKey, "AES");
        this.segmentId = segmentId;
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is not available: " + e, e);
        }
    }

    @Override
    public int overhead() {
        return TAG_BYTES;
    }

    @Override
    public void seal(long sequence, ByteBuffer payload, ByteBuffer dst) {
        try {
            init(Cipher.ENCRYPT_MODE, sequence);
            cipher.doFinal(payload, dst);
        } catch (GeneralSecurityException e) {
            // Sizes are checked by the caller; nothing else can fail for a valid key.
            throw new IllegalStateException("AES-GCM sealing failed: " + e, e);
        }
    }

    @Override
    public boolean open(long sequence, ByteBuffer stored, ByteBuffer dst) {
        if (stored.remaining() < TAG_BYTES) {
            return false;
        }
        try {
            init(Cipher.DECRYPT_MODE, sequence);
            cipher.doFinal(stored, dst);
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM opening failed: " + e, e);
        }
    }

    private void init(int mode, long sequence) throws GeneralSecurityException {
        ByteBuffer.wrap(nonce, 4, 8).putLong(sequence);
        cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
        aad.clear().putLong(segmentId).putLong(sequence).flip();
        cipher.updateAAD(aad);
    }
}
