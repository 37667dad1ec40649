package io.github.wal4j.log;

import io.github.wal4j.WalFormatException;
import io.github.wal4j.io.SymbolicLinks;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of the files in a WAL directory. Segment names carry the segment id, so sorting the
 * ids sorts the log; a temporary name marks a file whose creation has not been committed.
 *
 * <pre>
 *  0000000000000001.wal        segment 1
 *  0000000000000002.wal.tmp    segment 2 being created (removed by recovery)
 *  0000000000000001.wal.free   segment 1, freed by a checkpoint and kept for recycling (removed by recovery)
 *  CHECKPOINT                  the checkpoint in force
 *  CHECKPOINT.tmp              a checkpoint being written (removed by recovery)
 *  CLOSE_MARK                  where the log ended at its last clean close
 *  CLOSE_MARK.tmp              a clean-close mark being written (removed by recovery)
 *  wal.lock                    the directory lock
 *  *.broken                    files set aside by point-in-time recovery or repair
 * </pre>
 */
public final class LogFiles {
    public static final String LOCK = "wal.lock";
    public static final String CHECKPOINT = "CHECKPOINT";
    public static final String CLOSE_MARK = "CLOSE_MARK";
    public static final String TMP_SUFFIX = ".tmp";
    public static final String BROKEN_SUFFIX = ".broken";
    /** Suffix of a segment a durable checkpoint freed and that is kept for recycling. */
    public static final String FREED_SUFFIX = ".free";
    private static final Pattern FREED = Pattern.compile("\\d{16}\\.wal\\.free");
    private static final Pattern SEGMENT = Pattern.compile("(\\d{16})\\.wal");
    private static final Pattern OURS = Pattern.compile(
            "\\d{16}\\.wal(\\.tmp)?(\\.broken(\\.\\d+)?)?|\\d{16}\\.wal\\.free|CHECKPOINT(\\.tmp)?|CLOSE_MARK(\\.tmp)?|wal\\.lock|"
            + "\\.wal4j-direct-probe-\\d+-\\d+");
    /** Prefix of the probe file the native layer writes to test O_DIRECT; a crash may leave one. */
    public static final String DIRECT_PROBE_PREFIX = ".wal4j-direct-probe-";

    private LogFiles() {
    }

    /** The file name of segment {@code id}. */
    public static String segmentName(long id) {
        return String.format("%016d.wal", id);
    }

    /** The segment id a name stands for, or -1 if it is not a segment name. */
    public static long segmentId(String name) {
        Matcher m = SEGMENT.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Whether a file of this name is left over from an interrupted operation and may be removed. */
    public static boolean isLeftover(String name) {
        return name.endsWith(TMP_SUFFIX) || name.startsWith(DIRECT_PROBE_PREFIX);
    }

    /**
     * Whether a file of this name is a segment a durable checkpoint freed and kept for recycling
     * ({@link #freed}): covered by the checkpoint, never a segment of the log, garbage after a crash.
     */
    public static boolean isFreed(String name) {
        return FREED.matcher(name).matches();
    }

    /** The name under which a segment a checkpoint freed is kept for recycling. */
    public static Path freed(Path segment) {
        return segment.resolveSibling(segment.getFileName() + FREED_SUFFIX);
    }

    /** Whether a file of this name may live in a WAL directory. */
    public static boolean isOurs(String name) {
        return OURS.matcher(name).matches();
    }

    /** Names in {@code names} that a WAL directory never holds. */
    public static List<String> foreign(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String name : names) {
            if (!isOurs(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /** The temporary name under which {@code target} is written before it is renamed into place. */
    public static Path temporary(Path target) {
        return target.resolveSibling(target.getFileName() + TMP_SUFFIX);
    }

    /**
     * What a WAL directory holds besides the log's own regular files, both lists sorted.
     *
     * @param links symbolic links under the log's own names, each described with its target
     * @param foreign names that are not the log's, or not regular files
     */
    public record Strangers(List<String> links, List<String> foreign) {
        /** Why a directory with {@link #foreign} entries is refused (at most ten are named). */
        public String foreignMessage(Path dir) {
            return dir + " holds files that are not this WAL's: "
                    + String.join(", ", foreign.subList(0, Math.min(10, foreign.size())))
                    + (foreign.size() > 10 ? " and " + (foreign.size() - 10) + " more" : "")
                    + "; a WAL needs a directory of its own";
        }
    }

    /**
     * Refuses a directory that holds a symbolic link under one of the log's names, or files that are
     * not the log's (see {@link #strangers}); changes nothing.
     *
     * @throws WalFormatException naming the links and their targets, or the foreign files
     */
    public static void checkContents(Path dir) throws IOException {
        Strangers strangers = strangers(dir);
        if (!strangers.links().isEmpty()) {
            throw new WalFormatException(String.join("; ", strangers.links()) + ": wal4j never follows a symbolic"
                    + " link inside its directory (one planted there could make it read, overwrite or create another"
                    + " file); remove the link or put the real file there; the link's target was not"
                    + " touched");
        }
        if (!strangers.foreign().isEmpty()) {
            throw new WalFormatException(strangers.foreignMessage(dir));
        }
    }

    /** Lists {@code dir} without following any link in it. */
    public static Strangers strangers(Path dir) throws IOException {
        List<String> foreign = new ArrayList<>();
        List<String> links = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (isOurs(name) && Files.isSymbolicLink(entry)) {
                    links.add(SymbolicLinks.describe(entry));
                } else if (!isOurs(name) || !Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    foreign.add(name);
                }
            }
        }
        links.sort(null);
        foreign.sort(null);
        return new Strangers(List.copyOf(links), List.copyOf(foreign));
    }
}
