package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Closeable;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sqlite-jdbc is an optional dependency: with wal4j on a class path without it (as a project that
 * depends on wal4j gets it), the WAL works, and the SQLite node says what is missing at open.
 */
class SqliteOptionalDependencyTest {
    @TempDir
    Path tmp;

    @Test
    void withoutSqliteJdbcTheWalWorksAndTheNodeSaysWhatIsMissing() throws Exception {
        List<URL> urls = new ArrayList<>();
        int dropped = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (Path.of(entry).getFileName().toString().startsWith("sqlite-jdbc")) {
                dropped++;
            } else {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        assertEquals(1, dropped, "the sqlite-jdbc jar on the test class path");
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.sqlite.JDBC"));

            // The java layer: the native one would load JNA's library a second time in this JVM.
            Class<?> walOptions = loader.loadClass("io.github.wal4j.WalOptions");
            Object javaLayer = walOptions.getMethod("withIoLayer", String.class)
                    .invoke(walOptions.getMethod("defaults").invoke(null), "java");
            Class<?> wal = loader.loadClass("io.github.wal4j.WriteAheadLog");
            try (Closeable log = (Closeable) wal.getMethod("open", Path.class, walOptions)
                    .invoke(null, tmp.resolve("wal-only"), javaLayer)) {
                assertEquals(1L, wal.getMethod("append", byte[].class).invoke(log, (Object) new byte[] {42}));
            }

            Class<?> node = loader.loadClass("io.github.wal4j.sqlite.SqliteCommitNode");
            Class<?> applierType = loader.loadClass("io.github.wal4j.sqlite.ChangeApplier");
            Class<?> nodeOptions = loader.loadClass("io.github.wal4j.sqlite.SqliteNodeOptions");
            Object options = nodeOptions.getMethod("withWalOptions", walOptions)
                    .invoke(nodeOptions.getMethod("defaults").invoke(null), javaLayer);
            Object applier = Proxy.newProxyInstance(loader, new Class<?>[] {applierType}, (p, m, a) -> null);
            InvocationTargetException thrown = assertThrows(InvocationTargetException.class, () -> node
                    .getMethod("open", Path.class, Path.class, applierType, nodeOptions)
                    .invoke(null, tmp.resolve("wal"), tmp.resolve("db.sqlite"), applier, options));
            SQLException e = assertInstanceOf(SQLException.class, thrown.getCause());
            assertTrue(e.getMessage().contains("org.xerial:sqlite-jdbc"), e.getMessage());
            assertInstanceOf(NoClassDefFoundError.class, e.getCause());

            // The failed open released the WAL: it opens again.
            try (Closeable log = (Closeable) wal.getMethod("open", Path.class, walOptions)
                    .invoke(null, tmp.resolve("wal"), javaLayer)) {
                assertEquals(0L, wal.getMethod("lastSequence").invoke(log));
            }
        }
    }
}
