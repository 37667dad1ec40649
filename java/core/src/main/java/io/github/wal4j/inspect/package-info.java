/**
 * Read-only inspection of a WAL directory, for operators' tools (the {@code wal4j} command line):
 * the segments and their headers, the batches of a segment, the records with where they lie, the
 * checkpoint, and the verdict recovery would reach, computed by recovery's own code
 * ({@link io.github.wal4j.inspect.LogInspection#verify()}), never by a second reader.
 *
 * <p>Nothing here writes to the WAL directory. The directory lock is taken only when the caller asks
 * for it ({@link io.github.wal4j.inspect.LogInspection#tryLock()}).
 */
package io.github.wal4j.inspect;
