/**
 * SQLite integration: {@link io.github.wal4j.sqlite.SqliteCommitNode} commits changes to a SQLite
 * database through a wal4j write-ahead log so that they stay exactly-once across crashes. Concurrent
 * changes are appended to the WAL (durable, sharing its fdatasync), applied to the database in WAL order by
 * one committer at a time, the leader, several per SQLite transaction together with the last one's sequence
 * number, and checkpointed out of the WAL only once SQLite has made them durable; opening the node
 * replays exactly the WAL records the database has not applied. See {@code docs/security/wal.md}, section 11.
 *
 * <h2>Dependency</h2>
 * This package is the module {@code io.github.wal4j:wal4j-sqlite}; it brings
 * {@code org.xerial:sqlite-jdbc} (a large jar, most of it native SQLite libraries for many
 * platforms), which applications that use only the WAL ({@code io.github.wal4j:wal4j}) never get:
 * <pre>{@code
 * <dependency>
 *   <groupId>io.github.wal4j</groupId>
 *   <artifactId>wal4j-sqlite</artifactId>
 *   <version>0.1.0-SNAPSHOT</version>
 * </dependency>
 * }</pre>
 */
package io.github.wal4j.sqlite;
