package io.github.wal4j.format;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import javax.crypto.Mac;

/**
 * An HMAC-SHA256 chain over the records of one segment, payloads left in the clear.
 *
 * <pre>
 *  sealed payload = payload (n bytes) || T_i (32 bytes)
 *  T_i = HMAC(record key, T_{i-1} || sequence number (8) || n (4) || payload)
 *  T_0 = the segment header's HMAC (which covers the segment id, salt and first sequence)
 * </pre>
 * Each tag covers the one before it, so changing, removing or reordering records inside a segment
 * breaks every later tag; the header tag ties the chain to its segment. Tags are compared in
 * constant time.
 */
public final class MacChainSealer implements RecordSealer {

    private final Mac mac;
    private final ByteBuffer prefix = ByteBuffer.allocate(12);
    private byte[] previous;
    private byte[] marked;

    /**
     * @param recordKey the segment's record key
     * @param headerTag the segment header's HMAC, the start of the chain
     */
    public MacChainSealer(byte[] recordKey, byte[] headerTag) {
        this.mac = KeyDerivation.newMac(recordKey);
        this.previous = headerTag.clone();
        this.marked = previous;
    }

    @Override
    public int overhead() {
        return KeyDerivation.MAC_BYTES;
    }

    @Override
    public void seal(long sequence, ByteBuffer payload, ByteBuffer dst) {
        byte[] tag = tag(sequence, payload.duplicate());
        dst.put(payload).put(tag);
        previous = tag;
    }

    @Override
    public boolean open(long sequence, ByteBuffer stored, ByteBuffer dst) {
        int n = stored.remaining() - KeyDerivation.MAC_BYTES;
        if (n < 0) {
            return false;
        }
        ByteBuffer payload = stored.slice(stored.position(), n);
        byte[] stor = new byte[KeyDerivation.MAC_BYTES];
        stored.get(stored.position() + n, stor);
        byte[] tag = tag(sequence, payload.duplicate());
        if (!MessageDigest.isEqual(tag, stor)) {
            return false;
        }
        dst.put(payload);
        stored.position(stored.limit());
        previous = tag;
        return true;
    }

    @Override
    public void mark() {
        marked = previous;
    }

    @Override
    public void reset() {
        previous = marked;
    }

    private byte[] tag(long sequence, ByteBuffer payload) {
        mac.update(previous);
        prefix.clear().putLong(sequence).putInt(payload.remaining()).flip();
        mac.update(prefix);
        mac.update(payload);
        return mac.doFinal();
    }
}
