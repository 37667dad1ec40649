package io.github.wal4j.sqlite;

import io.github.wal4j.WalOptions;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.Properties;

/**
 * The database side of the node: its file, created with the WAL's file mode, and the connection it
 * commits through, with the journal mode and synchronous level of {@link JournalMode} set and
 * read back (a setting SQLite silently kept otherwise is an {@link SQLException}).
 */
final class SqliteDatabase {
    private SqliteDatabase() {
    }

    /**
     * Creates a missing database file empty (a valid SQLite database) with the WAL's file mode,
     * {@code rw-------} by default: SQLite would create it {@code 0644} less the umask, readable by
     * every user, and gives its journal, -wal and -shm files the database file's mode.
     */
    static void createFile(Path db, WalOptions walOptions) throws IOException {
        if (Files.exists(db, LinkOption.NOFOLLOW_LINKS) || db.getParent() == null || !Files.isDirectory(db.getParent())
                || !FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return; // an existing file keeps its mode; a missing directory is SQLite's error to report
        }
        try {
            Files.newByteChannel(db, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(WalOptions.OWNER_ONLY)).close();
        } catch (FileAlreadyExistsException e) {
            return; // someone else's file, made meanwhile: SQLite opens it as it is
        }
        // The umask may narrow a configured wider mode; set it explicitly, on the file just made.
        Files.getFileAttributeView(db, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(walOptions.filePermissions());
    }

    /** A connection to {@code file} with the node's pragmas set and checked (busy timeout, journal mode, synchronous), auto-commit off. */
    static Connection connect(Path file, SqliteNodeOptions options) throws SQLException {
        Connection c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + file, new Properties());
        JournalMode mode = options.journalMode();
        try {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + options.busyTimeout().toMillis());
                String got = queryString(s, "PRAGMA journal_mode = " + mode.pragmaValue());
                if (!mode.pragmaValue().equalsIgnoreCase(got)) {
                    throw new SQLException("could not set journal_mode " + mode + " on " + file + ": SQLite kept '"
                            + got + "' (WAL needs shared memory and a local file system)");
                }
                s.execute("PRAGMA synchronous = " + mode.synchronous());
                String sync = queryString(s, "PRAGMA synchronous");
                if (!Integer.toString(mode.synchronous()).equals(sync)) {
                    throw new SQLException("could not set synchronous " + mode.synchronousName() + " on " + file
                            + ": SQLite reports " + sync);
                }
            }
            c.setAutoCommit(false);
            return c;
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static String queryString(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getString(1) : null;
        }
    }
}
