package io.github.wal4j.spi;

import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A {@link Storage} refused to open a path because its last component is a symbolic link. Every
 * layer opens the log's files without following a final link ({@code O_NOFOLLOW},
 * {@code NOFOLLOW_LINKS}), so a link planted where the log expects a file of its own can never make
 * it read, overwrite or create the file the link points to; that file was not touched. A layer
 * throws this instead of the bare "too many levels of symbolic links" its system call reports, so
 * the log can say what was found.
 */
public class SymbolicLinkException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    /**
     * @param link the path that is a symbolic link
     * @param target where it points, or {@code null} if that could not be read
     */
    public SymbolicLinkException(Path link, String target) {
        super(link.toString(), target, "the layer opens files without following a final link");
    }

    /** {@code "LINK is a symbolic link (to TARGET): ..."}. */
    @Override
    public String getMessage() {
        return getFile() + " is a symbolic link" + (getOtherFile() == null ? "" : " (to " + getOtherFile() + ")")
                + ": " + getReason();
    }
}
