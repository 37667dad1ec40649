package io.github.wal4j.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the whole process has spent so far, from Linux's {@code /proc}: CPU time (user + system,
 * every thread, {@code /proc/self/stat}) and voluntary context switches (a thread blocking: waiting
 * for a lock, a condition, an fsync; summed over {@code /proc/self/task/}). Per commit these do not
 * move with the machine's load the way wall-clock time does. Zeros where {@code /proc} is missing.
 */
final class ProcessCost {
    private static final long TICK_NANOS = 10_000_000L; // USER_HZ = 100 on Linux

    record Sample(long cpuNanos, long voluntarySwitches) {
    }

    Sample sample() {
        return new Sample(cpuNanos(), voluntarySwitches());
    }

    private static long cpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the command: state(0) ... utime is field 14 of the line, index 11 here; stime 12.
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long voluntarySwitches() {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // The thread ended meanwhile.
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
