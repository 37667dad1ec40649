package io.github.wal4j.example;

import io.github.wal4j.PayloadVisitor;
import io.github.wal4j.TailOptions;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WalSubscription;
import io.github.wal4j.WalTailer;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/** Following the log: durable records only, in order, each once. */
public final class Follower {
    private Follower() {
    }

    /** Ships the records from {@code position} until none comes for {@code idle}; returns where to resume. */
    static long ship(WriteAheadLog wal, long position, Consumer<WalRecord> replica, Duration idle)
            throws IOException {
        try (WalTailer tailer = wal.tail(position, TailOptions.defaults())) {
            WalRecord record;
            while ((record = tailer.next(idle)) != null) {
                replica.accept(record);   // durable: a power cut cannot take it back
            }
            return tailer.nextSequence(); // save it: the next record to ship after a restart
        }
    }

    /** Pushes every record from the oldest one kept to {@code index}, on {@code executor}. */
    static WalSubscription index(WriteAheadLog wal, Executor executor, PayloadVisitor index) throws IOException {
        // HOLD_SEGMENTS: a checkpoint keeps the segments this subscription still has to read.
        TailOptions options = TailOptions.defaults().withCheckpoints(TailOptions.Checkpoints.HOLD_SEGMENTS);
        return wal.subscribe(wal.checkpointSequence() + 1, options, executor, index);
    }
}
