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
    private final byte[] aad = new byte[16];
    private byte[] scratchIn = new byte[256];
    private byte[] scratchOut = new byte[256];

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
        int n = payload.remaining();
        // Through arrays: the ByteBuffer forms of doFinal copy into fresh temporary arrays whenever a
        // buffer is direct (as the writer's aligned batch buffer is), a kilobyte of garbage per record.
        byte[] in = input(payload, n);
        byte[] out = scratchOut(n + TAG_BYTES);
        try {
            init(Cipher.ENCRYPT_MODE, sequence);
            int written = cipher.doFinal(in, payload.hasArray() ? payload.arrayOffset() + payload.position() : 0, n,
                    out, 0);
            dst.put(out, 0, written);
            payload.position(payload.limit());
        } catch (GeneralSecurityException e) {
            // Sizes are checked by the caller; nothing else can fail for a valid key.
            throw new IllegalStateException("AES-GCM sealing failed: " + e, e);
        }
    }

    @Override
    public boolean open(long sequence, ByteBuffer stored, ByteBuffer dst) {
        int n = stored.remaining();
        if (n < TAG_BYTES) {
            return false;
        }
        byte[] in = input(stored, n);
        byte[] out = scratchOut(n);
        try {
            init(Cipher.DECRYPT_MODE, sequence);
            int written = cipher.doFinal(in, stored.hasArray() ? stored.arrayOffset() + stored.position() : 0, n,
                    out, 0);
            dst.put(out, 0, written);
            stored.position(stored.limit());
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM opening failed: " + e, e);
        }
    }

    /** The bytes of {@code b} as an array: its own if it has one, else copied into a reused one. */
    private byte[] input(ByteBuffer b, int n) {
        if (b.hasArray()) {
            return b.array();
        }
        if (scratchIn.length < n) {
            scratchIn = new byte[Math.max(n, scratchIn.length * 2)];
        }
        b.get(b.position(), scratchIn, 0, n);
        return scratchIn;
    }

    private byte[] scratchOut(int n) {
        if (scratchOut.length < n) {
            scratchOut = new byte[Math.max(n, scratchOut.length * 2)];
        }
        return scratchOut;
    }

    private void init(int mode, long sequence) throws GeneralSecurityException {
        ByteBuffer.wrap(nonce, 4, 8).putLong(sequence);
        cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
        ByteBuffer.wrap(aad).putLong(segmentId).putLong(sequence);
        cipher.updateAAD(aad);
    }
}
