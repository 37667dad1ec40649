package io.github.wal4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Bytes written to the block device that holds a directory, from {@code /proc/diskstats} (field 10,
 * sectors written, always 512-byte units). The count is the whole device's: every writer on the
 * machine (other processes, the file system's journal, write-back of anything else) is in it, not
 * only the implementation under test.
 *
 * <p>The device is found from the directory's {@code st_dev} ({@code stat}: the JDK's
 * {@code unix:dev} attribute) matched to a {@code /proc/diskstats} line by major:minor; when no line
 * has that number (an overlay or other virtual file system), from the mount in
 * {@code /proc/self/mountinfo} that holds the directory, by its major:minor and then by the name of
 * its source device. {@link #of} returns null where neither works (not Linux, a network file
 * system): the report then leaves the column blank.
 *
 * @param name the device's name in /proc/diskstats (for example {@code vda})
 */
record DeviceWrites(String name) {
    private static final Path DISKSTATS = Path.of("/proc/diskstats");
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /** The device holding {@code dir}, or null if it cannot be found or read. */
    static DeviceWrites of(Path dir) {
        try {
            List<String> stats = Files.readAllLines(DISKSTATS);
            Object dev = Files.getAttribute(dir, "unix:dev");
            if (dev instanceof Long d) {
                String name = byNumber(stats, major(d) + ":" + minor(d));
                if (name != null) {
                    return new DeviceWrites(name);
                }
            }
            String[] mount = mountOf(dir.toRealPath(), Files.readAllLines(MOUNTINFO));
            if (mount == null) {
                return null;
            }
            String name = byNumber(stats, mount[0]);
            if (name == null && mount[1].startsWith("/dev/")) {
                String source = Path.of(mount[1]).getFileName().toString();
                name = stats.stream().map(l -> l.trim().split("\\s+")).filter(f -> f.length > 9 && f[2].equals(source))
                        .map(f -> f[2]).findFirst().orElse(null);
            }
            return name == null ? null : new DeviceWrites(name);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Bytes written to the device since boot, or -1 if /proc/diskstats cannot be read or lost the device. */
    long bytesWritten() {
        try {
            return bytesWritten(Files.readAllLines(DISKSTATS), name);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The sectors-written field of {@code device}'s line, in bytes; -1 if there is none. */
    static long bytesWritten(List<String> diskstats, String device) {
        for (String line : diskstats) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && f[2].equals(device)) {
                return Long.parseLong(f[9]) * 512;
            }
        }
        return -1;
    }

    /** The device named on the diskstats line with major:minor {@code number}, or null. */
    static String byNumber(List<String> diskstats, String number) {
        for (String line : diskstats) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && (f[0] + ":" + f[1]).equals(number)) {
                return f[2];
            }
        }
        return null;
    }

    /**
     * The mount holding {@code path} (the longest mount point that is a prefix of it; the last
     * listed wins a tie, as a later mount hides an earlier one): {major:minor, source}, or null.
     * Mount points in mountinfo escape spaces and the like as octal ({@code \040}).
     */
    static String[] mountOf(Path path, List<String> mountinfo) {
        String[] best = null;
        int bestLength = -1;
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            Path point = Path.of(unescape(f[4]));
            if (path.startsWith(point) && point.toString().length() >= bestLength) {
                bestLength = point.toString().length();
                best = new String[] {f[2], f[dash + 2]};
            }
        }
        return best;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The major number of a Linux {@code dev_t} (glibc's {@code gnu_dev_major}). */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    /** The minor number of a Linux {@code dev_t} (glibc's {@code gnu_dev_minor}). */
    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
    }
}
