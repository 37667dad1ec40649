package io.github.wal4j.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The checkpoint in force: every record up to {@code upToSequence} is covered (by the caller's store,
 * or by the snapshot this names) and is never replayed again. Stored in the {@code CHECKPOINT} file,
 * which is replaced atomically (temporary file, fdatasync, rename, fsync of the directory).
 *
 * <pre>
 *  offset size  field
 *   0      8    magic "WAL4JCKP"
 *   8      2    format version (1)
 *  10      2    flags; bit 0 = a snapshot file is named
 *  12      4    reserved (0)
 *  16      8    up-to sequence
 *  24      8    generation: random per checkpoint; names the snapshot's temporary file
 *  32      8    snapshot length in bytes
 *  40      4    snapshot CRC32C
 *  44      2    P: length of the snapshot path (UTF-8)
 *  46      P    absolute snapshot path
 *  46+P    4    CRC32C of bytes [0, 46+P)
 * </pre>
 * In a protected log (see {@code SegmentKeys}) the file is version 2, authenticated: after the path,
 * <pre>
 *  46+P    1    k: key id length (1..255)
 *  47+P    k    key id (UTF-8)
 *  47+P+k 32    HMAC-SHA256 of bytes [0, 47+P+k) under the checkpoint key derived from that key
 *  79+P+k  4    CRC32C of bytes [0, 79+P+k)
 * </pre>
 * so nobody without the key can raise the covered sequence (hiding records from replay) or point it
 * at another snapshot.
 *
 * @param upToSequence the last covered sequence number (0: nothing covered)
 * @param generation random identity of this checkpoint
 * @param snapshot the snapshot file, or {@code null} for {@code checkpoint(upToSequence)}
 * @param snapshotLength the snapshot's size
 * @param snapshotCrc the snapshot's CRC32C
 * @param keyId the key id of an authenticated (version 2) checkpoint, else {@code null}
 * @param tag its HMAC, else {@code null}
 */
public record Checkpoint(long upToSequence, long generation, Path snapshot, long snapshotLength, int snapshotCrc,
        String keyId, byte[] tag) {
    public static final long MAGIC = 0x57414C344A434B50L;
    public static final short VERSION = 1;
    /** The version of an authenticated checkpoint. */
    public static final short VERSION_AUTHENTICATED = 2;
    private static final int FIXED = 46;

    /** The checkpoint of a log that never had one. */
    public static final Checkpoint NONE = new Checkpoint(0, 0, null, 0, 0);

    /** An unauthenticated checkpoint. */
    public Checkpoint(long upToSequence, long generation, Path snapshot, long snapshotLength, int snapshotCrc) {
        this(upToSequence, generation, snapshot, snapshotLength, snapshotCrc, null, null);
    }

    /** Whether this checkpoint carries an HMAC (version 2). */
    public boolean authenticated() {
        return keyId != null;
    }

    /** This checkpoint, to be authenticated under {@code keyId} with {@code tag}. */
    public Checkpoint withTag(String keyId, byte[] tag) {
        return new Checkpoint(upToSequence, generation, snapshot, snapshotLength, snapshotCrc, keyId, tag.clone());
    }

    /** The bytes the HMAC of a version 2 checkpoint covers under {@code keyId}. */
    public byte[] authenticatedBytes(String keyId) {
        ByteBuffer b = body(VERSION_AUTHENTICATED, keyId, 0);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && c.upToSequence == upToSequence && c.generation == generation
                && java.util.Objects.equals(c.snapshot, snapshot) && c.snapshotLength == snapshotLength
                && c.snapshotCrc == snapshotCrc && java.util.Objects.equals(c.keyId, keyId)
                && java.util.Arrays.equals(c.tag, tag);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(upToSequence) * 31 + Long.hashCode(generation);
    }

    @Override
    public String toString() {
        return "Checkpoint[upTo=" + upToSequence + ", snapshot=" + snapshot + (keyId == null ? "" : ", keyId=" + keyId)
                + "]";
    }

    /** The temporary name the snapshot is written under before this checkpoint commits. */
    public Path snapshotTemporary() {
        return temporaryFor(snapshot, generation);
    }

    /** The temporary name of a snapshot of {@code generation}. */
    public static Path temporaryFor(Path snapshot, long generation) {
        return snapshot.resolveSibling(snapshot.getFileName() + "." + Long.toHexString(generation) + ".wal4j.tmp");
    }

    /** The encoded file contents. */
    public ByteBuffer encode() {
        if (authenticated()) {
            ByteBuffer b = body(VERSION_AUTHENTICATED, keyId, KeyDerivation.MAC_BYTES + 4);
            b.put(tag);
            b.putInt(new Checksums().plain(b.duplicate().flip()));
            return b.flip();
        }
        ByteBuffer b = body(VERSION, null, 4);
        b.putInt(new Checksums().plain(b.duplicate().flip()));
        return b.flip();
    }

    /** The fields up to the path (and, for version 2, the key id), with {@code room} bytes to spare. */
    private ByteBuffer body(short version, String keyId, int room) {
        byte[] path = snapshot == null ? new byte[0] : snapshot.toString().getBytes(StandardCharsets.UTF_8);
        if (path.length > 0xFFFF) {
            throw new IllegalArgumentException("snapshot path longer than 65535 bytes: " + snapshot);
        }
        byte[] id = keyId == null ? new byte[0] : keyId.getBytes(StandardCharsets.UTF_8);
        if (keyId != null && (id.length < 1 || id.length > 255)) {
            throw new IllegalArgumentException("a key id must be 1 to 255 bytes of UTF-8, not " + id.length);
        }
        ByteBuffer b = ByteBuffer.allocate(FIXED + path.length + (keyId == null ? 0 : 1 + id.length) + room);
        b.putLong(MAGIC).putShort(version).putShort((short) (snapshot == null ? 0 : 1)).putInt(0)
                .putLong(upToSequence).putLong(generation).putLong(snapshotLength).putInt(snapshotCrc)
                .putShort((short) path.length).put(path);
        if (keyId != null) {
            b.put((byte) id.length).put(id);
        }
        return b;
    }

    /**
     * Decodes a checkpoint file.
     *
     * @return the checkpoint, or null with {@code problem[0]} set to what is wrong
     */
    public static Checkpoint decode(ByteBuffer b, String[] problem) {
        if (b.remaining() < FIXED + 4) {
            problem[0] = "checkpoint file holds " + b.remaining() + " bytes, at least " + (FIXED + 4) + " expected";
            return null;
        }
        if (b.getLong(0) != MAGIC) {
            problem[0] = "bad magic in checkpoint file";
            return null;
        }
        int pathLength = Short.toUnsignedInt(b.getShort(44));
        short version = b.getShort(8);
        int end = FIXED + pathLength;
        String keyId = null;
        byte[] tag = null;
        if (version == VERSION_AUTHENTICATED && b.remaining() > end) {
            int k = b.get(end) & 0xFF;
            byte[] id = new byte[k];
            if (k > 0 && b.remaining() >= end + 1 + k + KeyDerivation.MAC_BYTES + 4) {
                b.get(end + 1, id);
                keyId = new String(id, StandardCharsets.UTF_8);
                tag = new byte[KeyDerivation.MAC_BYTES];
                b.get(end + 1 + k, tag);
            }
            end += 1 + k + KeyDerivation.MAC_BYTES;
        }
        if (b.remaining() != end + 4) {
            problem[0] = "checkpoint file holds " + b.remaining() + " bytes, its path and key id lengths say "
                    + (end + 4);
            return null;
        }
        int stored = b.getInt(end);
        int actual = new Checksums().plain(b.duplicate().position(0).limit(end));
        if (stored != actual) {
            problem[0] = "checkpoint checksum mismatch: stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                    + Integer.toHexString(actual);
            return null;
        }
        if (version != VERSION && version != VERSION_AUTHENTICATED) {
            problem[0] = "checkpoint format version " + version + ", this wal4j reads " + VERSION + " and "
                    + VERSION_AUTHENTICATED;
            return null;
        }
        if (version == VERSION_AUTHENTICATED && keyId == null) {
            problem[0] = "authenticated checkpoint without a key id";
            return null;
        }
        boolean hasSnapshot = (b.getShort(10) & 1) != 0;
        byte[] path = new byte[pathLength];
        b.get(FIXED, path);
        return new Checkpoint(b.getLong(16), b.getLong(24),
                hasSnapshot ? Paths.get(new String(path, StandardCharsets.UTF_8)) : null, b.getLong(32), b.getInt(40),
                keyId, tag);
    }
}
