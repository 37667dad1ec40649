package io.github.wal4j.log;

import io.github.wal4j.format.Checksums;
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
 *
 * @param upToSequence the last covered sequence number (0: nothing covered)
 * @param generation random identity of this checkpoint
 * @param snapshot the snapshot file, or {@code null} for {@code checkpoint(upToSequence)}
 * @param snapshotLength the snapshot's size
 * @param snapshotCrc the snapshot's CRC32C
 */
public record Checkpoint(long upToSequence, long generation, Path snapshot, long snapshotLength, int snapshotCrc) {
    public static final long MAGIC = 0x57414C344A434B50L;
    public static final short VERSION = 1;
    private static final int FIXED = 46;

    /** The checkpoint of a log that never had one. */
    public static final Checkpoint NONE = new Checkpoint(0, 0, null, 0, 0);

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
        byte[] path = snapshot == null ? new byte[0] : snapshot.toString().getBytes(StandardCharsets.UTF_8);
        if (path.length > 0xFFFF) {
            throw new IllegalArgumentException("snapshot path longer than 65535 bytes: " + snapshot);
        }
        ByteBuffer b = ByteBuffer.allocate(FIXED + path.length + 4);
        b.putLong(MAGIC).putShort(VERSION).putShort((short) (snapshot == null ? 0 : 1)).putInt(0)
                .putLong(upToSequence).putLong(generation).putLong(snapshotLength).putInt(snapshotCrc)
                .putShort((short) path.length).put(path);
        b.putInt(new Checksums().plain(b.duplicate().flip()));
        return b.flip();
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
        if (b.remaining() != FIXED + pathLength + 4) {
            problem[0] = "checkpoint file holds " + b.remaining() + " bytes, its path length says "
                    + (FIXED + pathLength + 4);
            return null;
        }
        int stored = b.getInt(FIXED + pathLength);
        int actual = new Checksums().plain(b.duplicate().position(0).limit(FIXED + pathLength));
        if (stored != actual) {
            problem[0] = "checkpoint checksum mismatch: stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                    + Integer.toHexString(actual);
            return null;
        }
        if (b.getShort(8) != VERSION) {
            problem[0] = "checkpoint format version " + b.getShort(8) + ", this wal4j reads " + VERSION;
            return null;
        }
        boolean hasSnapshot = (b.getShort(10) & 1) != 0;
        byte[] path = new byte[pathLength];
        b.get(FIXED, path);
        return new Checkpoint(b.getLong(16), b.getLong(24),
                hasSnapshot ? Paths.get(new String(path, StandardCharsets.UTF_8)) : null, b.getLong(32), b.getInt(40));
    }
}
