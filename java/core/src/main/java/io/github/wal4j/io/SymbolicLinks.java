package io.github.wal4j.io;

import io.github.wal4j.spi.SymbolicLinkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The refusal of a symbolic link where a file of the log's own is expected. Both layers open every
 * file without following a final link (NOFOLLOW_LINKS, O_NOFOLLOW), so the kernel fails such an open
 * with ELOOP; this turns that into a {@link SymbolicLinkException} that says what was found,
 * instead of "Too many levels of symbolic links".
 */
public final class SymbolicLinks {

    private SymbolicLinks() {
    }

    /**
     * {@code failure}, or a {@link SymbolicLinkException} (with {@code failure} as its cause) if
     * {@code path} is a symbolic link. Call it only when an open of {@code path} has failed.
     */
    public static IOException refusedOr(Path path, IOException failure) {
        if (!Files.isSymbolicLink(path)) {
            return failure;
        }
        SymbolicLinkException refused = new SymbolicLinkException(path, target(path));
        refused.initCause(failure);
        return refused;
    }

    /** {@code "PATH is a symbolic link (to TARGET)"}. */
    public static String describe(Path link) {
        String target = target(link);
        return link + " is a symbolic link" + (target == null ? "" : " (to " + target + ")");
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
