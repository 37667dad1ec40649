package io.github.wal4j.bench;

import io.github.wal4j.DurableLog;
import io.github.wal4j.WriteAheadLog;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;

/**
 * {@link SqliteNodeProbe}'s {@code node-base} subject: another build of {@code SqliteCommitNode} in
 * the same JVM. The classes of {@code io.github.wal4j.sqlite} come from {@code classes} (a directory
 * or jar), loaded child-first; the core, sqlite-jdbc and the rest are the probe's own. The node is
 * opened and driven by reflection, with the same schema and applier as the probe's {@code node}
 * (and, for {@code node-base-overlap}, with overlapped apply on).
 */
final class BaseNode {
    private static final String PACKAGE = "io.github.wal4j.sqlite.";

    private BaseNode() {
    }

    /** Loads the package's classes from its own URL first, everything else from the parent. */
    private static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL url, ClassLoader parent) {
            super(new URL[] {url}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith(PACKAGE)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    /** One loader per classes path: {@code node-base} and {@code node-prev} may be two builds. */
    private static final java.util.Map<String, ClassLoader> LOADERS = new java.util.HashMap<>();

    private static Object objectMethod(Object proxy, Method method, Object[] args) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "node-base " + proxy.getClass().getInterfaces()[0].getSimpleName();
        };
    }

    static synchronized SqliteNodeProbe.Committer open(Path dir, String classes) throws Exception {
        return open(dir, classes, false, null);
    }

    /**
     * @param overlapped open the node with {@code withOverlappedApply(true)} (the build must have it):
     *     {@code node-base-overlap}
     * @param phases if not null, timed as the probe's {@code node-phases} ({@code node-base-overlap-phases}):
     *     the node runs on a WAL the probe opens, whose batch sizes it prints at close
     */
    static synchronized SqliteNodeProbe.Committer open(Path dir, String classes, boolean overlapped,
            SqliteNodeProbe.Phases phases) throws Exception {
        if (classes == null) {
            throw new IllegalArgumentException("node-base needs -Dprobe.baseClasses=DIR_OR_JAR (node-prev: -Dprobe.prevClasses)");
        }
        ClassLoader loader = LOADERS.get(classes);
        if (loader == null) {
            loader = new ChildFirst(Path.of(classes).toUri().toURL(), SqliteNodeProbe.class.getClassLoader());
            LOADERS.put(classes, loader);
        }
        Class<?> nodeClass = loader.loadClass(PACKAGE + "SqliteCommitNode");
        Class<?> applierType = loader.loadClass(PACKAGE + "ChangeApplier");
        Class<?> optionsType = loader.loadClass(PACKAGE + "SqliteNodeOptions");
        Class<?> schemaType = loader.loadClass(PACKAGE + "SqliteNodeOptions$Schema");
        Object schema = Proxy.newProxyInstance(loader, new Class<?>[] {schemaType}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args);
            }
            try (Statement s = ((Connection) args[0]).createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
            }
            return null;
        });
        Object applier = Proxy.newProxyInstance(loader, new Class<?>[] {applierType}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args);
            }
            if (phases != null) {
                phases.applying();
            }
            try (PreparedStatement insert = ((Connection) args[0]).prepareStatement(
                    "INSERT INTO log (payload) VALUES (?)")) {
                insert.setBytes(1, (byte[]) args[2]);
                insert.executeUpdate();
            }
            return null;
        });
        Object options = optionsType.getMethod("defaults").invoke(null);
        options = optionsType.getMethod("withSchema", schemaType).invoke(options, schema);
        if (overlapped) {
            options = optionsType.getMethod("withOverlappedApply", boolean.class).invoke(options, true);
        }
        WriteAheadLog wal = null;
        Object node;
        if (phases == null) {
            node = nodeClass.getMethod("open", Path.class, Path.class, applierType, optionsType)
                    .invoke(null, dir.resolve("wal"), dir.resolve("node.db"), applier, options);
        } else {
            // The build's CommitListener, forwarding to the probe's Phases (the same method names).
            Class<?> listenerType = loader.loadClass(PACKAGE + "CommitListener");
            Object listener = Proxy.newProxyInstance(loader, new Class<?>[] {listenerType}, (proxy, method, args) -> {
                if (method.getDeclaringClass() == Object.class) {
                    return objectMethod(proxy, method, args);
                }
                switch (method.getName()) {
                    case "appended" -> phases.appended((Long) args[0]);
                    case "applied" -> phases.applied((Long) args[0], (Boolean) args[1]);
                    default -> { }
                }
                return null;
            });
            options = optionsType.getMethod("withListener", listenerType).invoke(options, listener);
            wal = WriteAheadLog.open(dir.resolve("wal"));
            node = nodeClass.getMethod("open", DurableLog.class, Path.class, applierType, optionsType)
                    .invoke(null, wal, dir.resolve("node.db"), applier, options);
        }
        WriteAheadLog phasesWal = wal;
        Method commit = nodeClass.getMethod("commit", byte[].class);
        Method close = nodeClass.getMethod("close");
        return new SqliteNodeProbe.Committer() {
            @Override
            public void commit(byte[] change) throws Exception {
                if (phases != null) {
                    phases.started();
                }
                try {
                    commit.invoke(node, (Object) change);
                } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof Exception x ? x : e;
                }
                if (phases != null) {
                    phases.returned();
                }
            }

            @Override
            public void close() throws Exception {
                String walStats = phasesWal == null ? null : SqliteNodeProbe.walStats(phasesWal);
                close.invoke(node);
                if (phases != null) {
                    phases.print();
                    System.out.println(walStats);
                }
            }
        };
    }
}
