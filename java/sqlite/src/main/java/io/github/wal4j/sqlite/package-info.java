/**
 * SQLite integration: {@link io.github.wal4j.sqlite.SqliteCommitNode} commits changes to a SQLite
 * database through a wal4j write-ahead log so that they stay exactly-once across crashes. Each change
 * is appended to the WAL (durable), applied to the database together with its WAL sequence number in
 * one SQLite transaction, and then checkpointed out of the WAL; opening the node replays exactly the
 * WAL records the database has not applied. See {@code docs/security/wal.md}, section 11.
 *
 * <h2>Optional dependency</h2>
 * This package needs {@code org.xerial:sqlite-jdbc}, which wal4j's POM declares with
 * {@code <optional>true</optional>}: it is on wal4j's own compile and test class paths, but Maven
 * and Gradle do not pass it on to projects that depend on wal4j. The WAL itself never uses it, and
 * the jar is large (about 14 MB, most of it native SQLite libraries for many platforms), so
 * applications that use only the WAL should not have to carry it, nor its version constraints. An
 * application that uses this package declares the dependency itself (wal4j is built and tested with
 * the version in the POM's {@code sqlite.version} property), for example:
 * <pre>{@code
 * <dependency>
 *   <groupId>org.xerial</groupId>
 *   <artifactId>sqlite-jdbc</artifactId>
 *   <version>3.50.3.0</version>
 * </dependency>
 * }</pre>
 * Without it, nothing in this package can be used: {@code SqliteCommitNode.open} throws an
 * {@link java.sql.SQLException} saying the jar is missing; the rest of wal4j is unaffected.
 */
package io.github.wal4j.sqlite;
