package io.github.wal4j.log;

import io.github.wal4j.WalException;
import io.github.wal4j.WalFailedException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Waiting for the writer's futures from a caller's thread. */
public final class Futures {
    private Futures() {
    }

    /**
     * Waits for {@code future} without giving up on interrupt (the record may already be on its way
     * to disk, so waiting is the only honest answer; the interrupt flag is restored), and rethrows
     * its failure as the {@link IOException} it is.
     */
    public static <T> T await(CompletableFuture<T> future) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof WalFailedException f) {
                        // A fresh exception so the stack trace shows the caller, not the writer thread.
                        throw new WalFailedException(f.getMessage(), f.getCause());
                    }
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new WalException("append failed", cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
