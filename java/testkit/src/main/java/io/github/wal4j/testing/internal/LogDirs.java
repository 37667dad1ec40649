package io.github.wal4j.testing.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Whole-directory helpers: crash images of a live log, byte snapshots, segment names. */
public final class LogDirs {

    private LogDirs() {
    }

    /**
     * Copies every regular file of a log directory into {@code target} (created) while the log may
     * still be open: the image of a crash (a process kill or a power loss) at this instant.
     *
     * <p>Why this is honest: with {@code Durability.SYNC} each {@code append} returns only after its
     * batch was written and fdatasync'ed, and the writer thread touches the files only while an
     * append, flush, checkpoint or close is in progress. Called between calls of one thread, the copy
     * therefore holds exactly the bytes a crash now would leave on disk, and no clean-close seal
     * (the seal is written by {@code close}). The lock file is not opened (closing any descriptor of
     * a file drops this process's fcntl locks on it); the copy gets an empty {@code wal.lock}, as
     * a crash leaves one.
     */
    public static void copyLive(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (name.equals("wal.lock")) {
                    Files.createFile(target.resolve(name));
                } else {
                    Files.copy(file, target.resolve(name));
                }
            }
        }
    }

    /**
     * Appends {@code count} records ({@link Records#payload}, of {@code size} bytes or varied if -1)
     * to a new log in {@code live} and, while it is still open, copies it to {@code image}: a crash
     * image of a log in which every record was acknowledged and that was never closed (no seal).
     * The live log is closed afterwards; the image is not touched again.
     */
    public static List<WalRecord> crashImage(Path live, Path image, WalOptions options, int count, int size)
            throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(live, options)) {
            List<WalRecord> written = Records.append(wal, 1, count, size);
            copyLive(live, image);
            return written;
        }
    }

    /** Appends {@code count} records to a new log in {@code dir} and closes it cleanly (with a seal). */
    public static List<WalRecord> closedLog(Path dir, WalOptions options, int count, int size) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            return Records.append(wal, 1, count, size);
        }
    }

    /** Every regular file's name and bytes, sorted by name. */
    public static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                out.put(file.getFileName().toString(), Files.isRegularFile(file) ? Files.readAllBytes(file) : null);
            }
        }
        return out;
    }

    /** Asserts that {@code dir} holds exactly the files of {@code before}, byte for byte. */
    public static void assertUnchanged(Map<String, byte[]> before, Path dir) throws IOException {
        Map<String, byte[]> after = snapshot(dir);
        assertEquals(before.keySet(), after.keySet(), "the files in " + dir + " changed");
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " changed");
        }
    }

    /** The name of segment {@code id}. */
    public static String segmentName(long id) {
        return String.format("%016d.wal", id);
    }

    /** The segment files of {@code dir} in id order. */
    public static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.filter(p -> p.getFileName().toString().matches("\\d{16}\\.wal"))
                    .sorted().toList());
        }
    }

    /** The names of the files in {@code dir}, sorted. */
    public static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
