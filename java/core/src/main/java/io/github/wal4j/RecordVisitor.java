package io.github.wal4j;

import java.io.IOException;

/** Receives records in sequence order during {@link WriteAheadLog#replay(long, RecordVisitor)}. */
@FunctionalInterface
public interface RecordVisitor {
    /** Called once per record; throwing stops the replay and the exception reaches the caller. */
    void visit(WalRecord record) throws IOException;
}
