package io.github.wal4j;

import java.nio.file.Path;

/**
 * A protected segment cannot be read with the keys at hand: the {@link KeyProvider} has no key
 * with the id the segment header names, or its key for that id does not authenticate the header
 * (a wrong key, or a header altered by someone without the key). Thrown by open before anything is
 * changed on disk, and by readers. The message names the file and the key id, never key material.
 */
public final class WalKeyException extends WalRefusedException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String keyId;

    public WalKeyException(Path file, String keyId, String message) {
        super((file == null ? "" : file + ": ") + message);
        this.file = file;
        this.keyId = keyId;
    }

    /** The segment that could not be read. */
    public Path file() {
        return file;
    }

    /** The key id its header names. */
    public String keyId() {
        return keyId;
    }
}
