package io.github.wal4j.sqlite;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The node's connection as an applier, a schema or a query sees it: a JDK proxy that refuses to
 * end the transaction or close the connection (commit, rollback, setAutoCommit, close, abort), since
 * the node commits each change together with its WAL sequence number. Rolling back to a savepoint
 * is allowed. Every other call goes to the real connection.
 */
final class GuardedConnection {
    private GuardedConnection() {
    }

    /** {@code real}, guarded. */
    static Connection of(Connection real) {
        InvocationHandler handler = (proxy, method, args) -> {
            String name = method.getName();
            if (method.getDeclaringClass() == Object.class) {
                switch (name) {
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    default:
                        return "guarded " + real;
                }
            }
            boolean forbidden = switch (name) {
                case "commit", "setAutoCommit", "close", "abort" -> true;
                case "rollback" -> args == null || args.length == 0;
                default -> false;
            };
            if (forbidden) {
                throw new SQLException("Connection." + name + " is not allowed here: the SQLite commit node commits "
                        + "or rolls back each change together with its WAL sequence number");
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Connection) Proxy.newProxyInstance(GuardedConnection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
    }
}
