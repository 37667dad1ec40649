package io.github.wal4j.sqlite;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Writes the copy behind {@link SqliteCommitNode#snapshot}: {@code VACUUM INTO} a temporary file
 * beside the target, from a connection of its own, so that the copy is one read transaction of the
 * database (every change committed before it began, the applied sequence among them) and committers
 * go on meanwhile; then, on the copy alone, its {@value SqliteCommitNode#SNAPSHOT_TABLE} row is set
 * to its own applied sequence and its journal mode to {@code DELETE} (so that the file is whole
 * without a {@code -wal} beside it); then the copy is fsynced, renamed over the target, and the
 * directory fsynced. A crash at any point leaves the target as it was (absent, or the previous
 * snapshot) or the new snapshot whole, and perhaps the temporary file, which the next snapshot
 * to the same target replaces; a failure deletes it.
 *
 * <p>Runs on the caller's thread; touches neither the node's connection nor its locks.
 */
final class DatabaseSnapshot {
    private DatabaseSnapshot() {
    }

    /** The temporary name the copy is written under before it is renamed to {@code target}. */
    static Path temporaryFor(Path target) {
        return target.resolveSibling(target.getFileName() + ".wal4j-snapshot-tmp");
    }

    /**
     * Copies {@code database} to {@code target} (see the class comment).
     *
     * @return the applied sequence the copy holds
     * @throws SQLException if SQLite failed to copy, or the copy has no applied row
     * @throws IOException if the fsyncs or the rename failed (the target is as it was, or holds the
     *     copy if only the directory's fsync failed)
     */
    static long write(Path database, Path target, SqliteNodeOptions options) throws IOException, SQLException {
        Path tmp = temporaryFor(target);
        // VACUUM INTO refuses a file that is not empty: this one is a crashed snapshot's leftover.
        Files.deleteIfExists(tmp);
        Files.deleteIfExists(tmp.resolveSibling(tmp.getFileName() + "-journal"));
        // Empty, with the node's file mode: SQLite would create it readable by every user.
        SqliteDatabase.createFile(tmp, options.walOptions());
        try {
            try (Connection source = connect(database, options);
                    PreparedStatement vacuum = source.prepareStatement("VACUUM INTO ?")) {
                vacuum.setString(1, tmp.toString());
                vacuum.execute();
            }
            long sequence = finish(tmp);
            fsync(tmp, false);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsync(target.getParent(), true);
            return sequence;
        } catch (IOException | SQLException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException deleting) {
                e.addSuppressed(deleting);
            }
            throw e;
        }
    }

    /** Sets the copy's snapshot row and journal mode (synced: {@code synchronous=FULL}); returns its applied sequence. */
    private static long finish(Path tmp) throws SQLException {
        long sequence;
        try (Connection copy = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + tmp, new Properties());
                Statement s = copy.createStatement()) {
            s.execute("PRAGMA journal_mode = DELETE");
            s.execute("PRAGMA synchronous = FULL");
            copy.setAutoCommit(false);
            AppliedTable table = new AppliedTable(copy, tmp);
            table.create();
            sequence = table.read();
            table.recordSnapshot(sequence);
            copy.commit();
        }
        return sequence;
    }

    /** A connection of the snapshot's own to {@code file}, with the node's busy timeout, in auto-commit. */
    private static Connection connect(Path file, SqliteNodeOptions options) throws SQLException {
        return SqliteDatabase.open(file, c -> {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + options.busyTimeout().toMillis());
            }
        });
    }

    private static void fsync(Path path, boolean directory) throws IOException {
        if (directory && !FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return; // Windows cannot open a directory as a channel; NTFS journals directory entries itself
        }
        try (FileChannel channel = FileChannel.open(path, directory ? StandardOpenOption.READ
                : StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }
}
