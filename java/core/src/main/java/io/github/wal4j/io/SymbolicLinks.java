package io.github.wal4j.io;

import io.github.wal4j.WalFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The refusal of a symbolic link where a file of the log's own is expected. Both layers open every
 * file without following a final link (NOFOLLOW_LINKS, O_NOFOLLOW), so the kernel fails such an open
 * with ELOOP; this turns that into a {@link WalFormatException} that says what was found and that
 * the file the link points to was not touched, instead of "Too many levels of symbolic links".
 */
public final class SymbolicLinks {

    private SymbolicLinks() {
    }

    /**
     * {@code failure}, or a {@link WalFormatException} (with {@code failure} as its cause) if
     * {@code path} is a symbolic link. Call it only when an open of {@code path} has failed.
     */
    public static IOException refusedOr(Path path, IOException failure) {
        if (!Files.isSymbolicLink(path)) {
            return failure;
        }
        return new WalFormatException(describe(path) + ": wal4j never follows a symbolic link to a log's file or"
                + " snapshot (one planted there could make it read, overwrite or create another file); remove the"
                + " link or put the real file there; the link's target was not touched", failure);
    }

    /** {@code "PATH is a symbolic link (to TARGET)"}. */
    public static String describe(Path link) {
        String target;
        try {
            target = " (to " + Files.readSymbolicLink(link) + ")";
        } catch (IOException | UnsupportedOperationException e) {
            target = "";
        }
        return link + " is a symbolic link" + target;
    }
}
