package io.github.wal4j.bench;

import java.util.concurrent.CompletableFuture;

/** A {@link Subject} that can also append without waiting: the future completes once the record is durable. */
public interface AsyncSubject extends Subject {

    /** Appends one record; the future completes once it is durable. The array is not modified. */
    CompletableFuture<?> appendAsync(byte[] record);
}
