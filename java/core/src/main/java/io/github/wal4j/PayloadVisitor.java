package io.github.wal4j;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Receives records without a copy during {@link WriteAheadLog#replay(long, PayloadVisitor)} and
 * {@link WriteAheadLog#open(java.nio.file.Path, WalOptions, PayloadVisitor)}:
 * the fast way to replay a large log.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@code payload} holds the record's bytes from its position to its limit. It is a
 *       <b>read-only view of the log's read buffer, valid only during this call</b>: when the call
 *       returns, the same memory is reused for later records. Do not keep the buffer, or any
 *       {@code slice()}, {@code duplicate()} or other view of it, past the call; copy what must
 *       outlive it (for example {@code byte[] b = new byte[payload.remaining()]; payload.get(b);}).
 *   <li>The visitor may move the buffer's position, limit and mark freely (read it with relative
 *       gets, or slice it): the next call gets them set anew. Bytes outside [position, limit) are
 *       not this record's payload: do not read them.
 *   <li>Before a record reaches the visitor, its whole batch was validated exactly as for
 *       {@link WalReader}: every length bounded, every checksum (and in a protected log every seal)
 *       checked. Records arrive in sequence order; a damaged batch throws
 *       {@link WalCorruptedException} before any of its records is visited.
 *   <li>Throwing stops the replay; the exception reaches the caller of
 *       {@link WriteAheadLog#replay}.
 * </ul>
 */
@FunctionalInterface
public interface PayloadVisitor {
    /**
     * Called once per record.
     *
     * @param sequence the record's sequence number
     * @param payload the record's bytes between position and limit; read-only, valid only during
     *     this call
     */
    void visit(long sequence, ByteBuffer payload) throws IOException;
}
