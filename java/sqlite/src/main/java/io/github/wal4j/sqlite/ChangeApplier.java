package io.github.wal4j.sqlite;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Applies one change to the database. The node calls it on the thread leading the batch the change
 * is in (a committing thread, perhaps another caller's; see {@link SqliteCommitNode}), inside a database
 * transaction that it opened and that it commits (together with the sequence number) after the
 * batch of changes the transaction holds: other callers' changes may come before and after this
 * one in the same transaction, in WAL order.
 *
 * <p>Rules an applier must follow, or exactly-once is lost:
 * <ul>
 *   <li>Use only {@code connection} and never end the transaction: {@code commit()},
 *       {@code rollback()}, {@code setAutoCommit}, {@code close()} and {@code abort} on it throw
 *       {@link SQLException}. Do not run {@code COMMIT}, {@code ROLLBACK}, {@code BEGIN},
 *       {@code VACUUM}, {@code ATTACH} or {@code PRAGMA journal_mode} as SQL either, and do not
 *       close the connection that {@code Statement.getConnection()} returns. The node notices a
 *       transaction ended by SQL ({@code COMMIT}, {@code END}, {@code ROLLBACK}) and refuses the
 *       change with {@link ApplierEndedTransactionException}, but cannot undo what was committed.</li>
 *   <li>Do not call the node ({@code commit}, {@code read}, {@code close}): the thread would wait
 *       for itself ({@link IllegalStateException}). Be quick: every committer waits while one batch
 *       is applied. Do not rely on the thread: it is whichever committer leads the batch, so its
 *       thread locals, name and interrupt flag belong to some caller of {@code commit} (an
 *       interrupt of that caller can reach the applier, and an applier that throws because of it
 *       refuses the change, as any throw does).</li>
 *   <li>Be deterministic: the result must depend only on the database and the change. A change
 *       whose transaction did not commit before a crash is applied again at the next start, to the
 *       database as it was before (SQLite rolled the partial transaction back), and a change in a
 *       batch that failed is applied again at once, in a transaction of its own.</li>
 *   <li>Throw to refuse a change. The transaction is then rolled back, the change stays in the WAL,
 *       and the node stops: {@link SqliteCommitNode#commit} throws
 *       {@link ChangeNotAppliedException}, and the change is applied again at the next start. A
 *       change that can never be applied (a bug, bad input) therefore stops every start until the
 *       applier accepts it: validate changes before {@code commit}, not in the applier.</li>
 * </ul>
 */
@FunctionalInterface
public interface ChangeApplier {
    /**
     * Applies {@code change}, the WAL record with sequence number {@code sequence}, through
     * {@code connection}.
     *
     * @param connection the node's connection, in an open transaction (a guarded view of it)
     * @param sequence the change's WAL sequence number; the node records it in the same transaction
     * @param change the bytes given to {@link SqliteCommitNode#commit}; do not keep the array
     * @throws SQLException to refuse the change (the transaction is rolled back)
     */
    void apply(Connection connection, long sequence, byte[] change) throws SQLException;
}
