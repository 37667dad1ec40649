package io.github.wal4j.example;

import io.github.wal4j.InFlightLimit;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalOverloadedException;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The README's examples of atomic appends and of back-pressure, compiled by the build: the lines
 * between each {@code // README:} marker and {@code // README end} are the README's block that the
 * same marker names ({@link ReadmeExampleTest} checks it; the test runs them too).
 */
final class AppendExamples {
    private AppendExamples() {
    }

    /** A transfer as two records that survive a crash together; returns the first one's sequence. */
    static long transfer(WriteAheadLog wal, byte[] debit, byte[] credit) throws IOException {
        // README: atomic
        // Both records or neither, after any crash: they are written as one batch, synced once.
        long last = wal.appendAll(List.of(debit, credit)); // durable together when it returns
        long first = last - 1;                               // consecutive sequences, in list order
        // README end
        return first;
    }

    /** An event loop's append that sheds load when the writer is behind, instead of stalling. */
    static CompletableFuture<Long> publish(Path dir, byte[] event, Consumer<byte[]> shed) throws IOException {
        CompletableFuture<Long> sequence;
        // README: back-pressure
        WalOptions options = WalOptions.defaults()
                .withInFlightLimit(InFlightLimit.failFast(10_000, 8L << 20)); // 10k records or 8 MiB queued
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            sequence = wal.appendAsync(event); // never blocks: queued, or failed at once
            sequence.whenComplete((seq, e) -> {
                if (e instanceof WalOverloadedException) {
                    shed.accept(event); // the writer is behind and nothing was queued: drop or retry later
                }
            });
        }
        // README end
        return sequence;
    }
}
