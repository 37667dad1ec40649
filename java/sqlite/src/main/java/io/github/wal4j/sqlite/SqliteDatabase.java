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

    /** What {@link #open} runs on a new connection before it hands it out. */
    @FunctionalInterface
    interface Setup {
        void apply(Connection connection) throws SQLException;
    }

    /**
     * A connection to {@code file} on which {@code setup} ran; if {@code setup} throws, the
     * connection is closed (a failure to close is suppressed in what it threw) and nothing is left open.
     */
    static Connection open(Path file, Setup setup) throws SQLException {
        Connection c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + file, new Properties());
        try {
            setup.apply(c);
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

    /** A connection to {@code file} with the node's pragmas set and checked (busy timeout, journal mode, synchronous), auto-commit off. */
    static Connection connect(Path file, SqliteNodeOptions options) throws SQLException {
        JournalMode mode = options.journalMode();
        return open(file, c -> {
            try (Statement s = c.createStatement()) {
                checkVersion(queryString(s, "SELECT sqlite_version()"), mode, file);
                s.execute("PRAGMA busy_timeout = " + options.busyTimeout().toMillis());
                String got = queryString(s, "PRAGMA journal_mode = " + mode.pragmaValue());
                if (!mode.pragmaValue().equalsIgnoreCase(got)) {
                    throw new SQLException("could not set journal_mode " + mode + " on " + file + ": SQLite kept '"
                            + got + "' (WAL needs shared memory and a local file system)");
                }
                s.execute("PRAGMA synchronous = " + mode.synchronous());
                if (mode == JournalMode.WAL) {
                    // SQLite's own checkpoint after a commit that grew the -wal past 1000 pages would stall
                    // the applier with two fsyncs at random; the node's checkpoint policy runs them instead.
                    s.execute("PRAGMA wal_autocheckpoint = 0");
                }
                String sync = queryString(s, "PRAGMA synchronous");
                if (!Integer.toString(mode.synchronous()).equals(sync)) {
                    throw new SQLException("could not set synchronous " + mode.synchronousName() + " on " + file
                            + ": SQLite reports " + sync);
                }
            }
            c.setAutoCommit(false);
        });
    }

    /**
     * Refuses WAL mode on the SQLite versions with the "WAL-reset" bug, 3.7.0 through 3.51.2, which
     * can corrupt a WAL-mode database when two connections write or checkpoint at the same moment
     * (the node's readers are other connections). sqlite-jdbc bundles its SQLite, so an application
     * that pins an older sqlite-jdbc than the node's would run it.
     *
     * @param version what {@code sqlite_version()} returned
     * @throws SQLException naming the version and the fix
     */
    static void checkVersion(String version, JournalMode mode, Path file) throws SQLException {
        if (mode != JournalMode.WAL || version == null) {
            return;
        }
        String[] parts = version.split("\\.");
        int[] v = new int[3];
        for (int i = 0; i < v.length && i < parts.length; i++) {
            try {
                v[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                return; // a build that names itself otherwise: nothing to compare
            }
        }
        long n = v[0] * 1_000_000L + v[1] * 1_000L + v[2];
        if (n >= 3_007_000L && n < 3_051_003L) {
            throw new SQLException("SQLite " + version + " (bundled by the sqlite-jdbc on the class path) has the"
                    + " WAL-reset bug of SQLite 3.7.0 to 3.51.2, which can corrupt a database in WAL mode when"
                    + " two connections write or checkpoint at once; the commit node refuses WAL mode on it for "
                    + file + ". Use org.xerial:sqlite-jdbc 3.51.3.0 or later, or JournalMode.DELETE");
        }
    }

    private static String queryString(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getString(1) : null;
        }
    }
}
