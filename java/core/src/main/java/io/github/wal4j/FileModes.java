package io.github.wal4j;

import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The rules of the file modes {@link WalOptions} accepts: a file mode is the owner's read and write
 * plus, at most, read for the group and for others (no execute bit; no write bit for anyone but the
 * owner, since a file another user can write is a file another user can forge), and the mode of a
 * directory wal4j creates follows from it.
 */
final class FileModes {

    private FileModes() {
    }

    /**
     * {@code value} as an unmodifiable file mode, checked.
     *
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if it lacks {@code OWNER_READ} or {@code OWNER_WRITE}, or adds
     *     anything but {@code GROUP_READ} and {@code OTHERS_READ}
     */
    static Set<PosixFilePermission> checkedFileMode(Set<PosixFilePermission> value) {
        Objects.requireNonNull(value, "filePermissions");
        Set<PosixFilePermission> mode = value.isEmpty() ? EnumSet.noneOf(PosixFilePermission.class)
                : EnumSet.copyOf(value);
        if (!mode.contains(PosixFilePermission.OWNER_READ) || !mode.contains(PosixFilePermission.OWNER_WRITE)) {
            throw new IllegalArgumentException("file permissions must include OWNER_READ and OWNER_WRITE: " + value);
        }
        Set<PosixFilePermission> extra = EnumSet.copyOf(mode);
        extra.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ));
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException("file permissions may add only GROUP_READ and OTHERS_READ to the"
                    + " owner's read and write (a file others can write, they can forge; no file is executable): "
                    + extra + " in " + value);
        }
        return Collections.unmodifiableSet(mode);
    }

    /**
     * The mode of a directory holding files of {@code fileMode}: {@code rwx------}, with read and
     * execute added for the group and for others where they may read the files.
     */
    static Set<PosixFilePermission> directoryMode(Set<PosixFilePermission> fileMode) {
        Set<PosixFilePermission> dir = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        if (fileMode.contains(PosixFilePermission.GROUP_READ)) {
            dir.add(PosixFilePermission.GROUP_READ);
            dir.add(PosixFilePermission.GROUP_EXECUTE);
        }
        if (fileMode.contains(PosixFilePermission.OTHERS_READ)) {
            dir.add(PosixFilePermission.OTHERS_READ);
            dir.add(PosixFilePermission.OTHERS_EXECUTE);
        }
        return Collections.unmodifiableSet(dir);
    }
}
