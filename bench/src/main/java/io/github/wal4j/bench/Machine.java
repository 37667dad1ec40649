package io.github.wal4j.bench;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the run ran on, for the report. bench/run passes what the JVM cannot see as -Dbench.* properties. */
final class Machine {
    private Machine() {
    }

    static Map<String, String> describe(Path dir) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("CPUs (nproc)", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("CPU", firstLine("/proc/cpuinfo", "model name"));
        m.put("memory", firstLine("/proc/meminfo", "MemTotal"));
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        try {
            FileStore store = Files.getFileStore(dir);
            m.put("file system", store.type() + " on " + store.name() + " (" + dir.toAbsolutePath() + "; `stat -f`: "
                    + System.getProperty("bench.statfs", "?") + ")");
        } catch (IOException e) {
            m.put("file system", "unknown: " + e);
        }
        m.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.vm.vendor") + "), max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        m.put("C compiler", System.getProperty("bench.gcc", "?"));
        m.put("wal4j", System.getProperty("bench.wal4j", "?"));
        try {
            m.put("RocksDB", "rocksdbjni " + System.getProperty("bench.rocksdbjni", "?") + " (library " + RocksDbSubject.version() + ")");
        } catch (Throwable t) {
            m.put("RocksDB", "not loaded: " + t);
        }
        try {
            m.put("SQLite", "sqlite-jdbc " + System.getProperty("bench.sqlitejdbc", "?") + " (SQLite " + SqliteSubject.version() + ")");
        } catch (Throwable t) {
            m.put("SQLite", "not loaded: " + t);
        }
        m.put("JMH, HdrHistogram", System.getProperty("bench.jmh", "?") + ", " + System.getProperty("bench.hdr", "?"));
        return m;
    }

    /** The 1-minute load average, from /proc/loadavg. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String firstLine(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "?";
        }
        return "?";
    }
}
