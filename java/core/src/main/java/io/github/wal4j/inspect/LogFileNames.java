package io.github.wal4j.inspect;

import io.github.wal4j.log.LogFiles;

/** The names of the files in a WAL directory, as tools refer to them. */
public final class LogFileNames {
    /** The directory lock. */
    public static final String LOCK = LogFiles.LOCK;
    /** The checkpoint in force. */
    public static final String CHECKPOINT = LogFiles.CHECKPOINT;
    /** The clean-close mark. */
    public static final String CLOSE_MARK = LogFiles.CLOSE_MARK;
    /** What point-in-time recovery adds to the name of a file it sets aside. */
    public static final String BROKEN_SUFFIX = LogFiles.BROKEN_SUFFIX;

    private LogFileNames() {
    }

    /** The file name of segment {@code id}: {@code 00000001.wal}. */
    public static String segment(long id) {
        return LogFiles.segmentName(id);
    }

    /** The segment id a file name stands for, or -1 if it is not a segment's name. */
    public static long segmentId(String name) {
        return LogFiles.segmentId(name);
    }

    /**
     * Whether a file of this name is a segment a durable checkpoint freed and the log keeps for
     * recycling ({@code <id>.wal.free}): never read as a segment, removed by the next open.
     */
    public static boolean isKeptForRecycling(String name) {
        return LogFiles.isFreed(name);
    }
}
