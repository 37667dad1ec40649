package io.github.wal4j.testing;

import io.github.wal4j.WalLockedException;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child of {@code ProcessLockTest}. Arguments: mode, WAL directory, ack file.
 * <ul>
 * <li>{@code hold}: opens the log, appends records "held-0".."held-2", writes {@code "opened"} and
 * sleeps until it is killed.
 * <li>{@code try}: tries to open the log once and writes {@code "locked <ms>"} (with how long open
 * took to throw {@link WalLockedException}) or {@code "opened"}, then exits.
 * </ul>
 */
public final class ProcessLockChild {
    private ProcessLockChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(60);
        String mode = args[0];
        Path dir = Path.of(args[1]);
        AckWriter ack = new AckWriter(Path.of(args[2]));
        if (mode.equals("hold")) {
            WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults());
            for (int i = 0; i < 3; i++) {
                wal.append(("held-" + i).getBytes(StandardCharsets.UTF_8));
            }
            ack.line("opened " + wal.lastSequence());
            Thread.sleep(Long.MAX_VALUE);
        } else {
            long started = System.nanoTime();
            try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults())) {
                ack.line("opened " + wal.lastSequence());
            } catch (WalLockedException e) {
                ack.line("locked " + (System.nanoTime() - started) / 1_000_000);
            }
        }
    }
}
