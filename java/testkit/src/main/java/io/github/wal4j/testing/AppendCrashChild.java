package io.github.wal4j.testing;

import io.github.wal4j.Durability;
import io.github.wal4j.Protection;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Path;

/**
 * Child of {@code AppendAndRecoverCrashTest}: opens the log in {@code args[0]} with segment size
 * {@code args[2]}, then appends {@link Payloads#indexed}{@code (s, args[3] or 3000)} as record {@code s} = 1, 2, ...
 * forever, one at a time, writing {@code "A s"} to the ack file {@code args[1]} after each append
 * returned (with {@code args[4] = BUFFERED}: after {@code flush()} returned), under the protection
 * {@code args[5]} (a {@link Protection} name, default NONE; keys from {@link Protections}). Ends
 * only by SIGKILL.
 */
public final class AppendCrashChild {
    private AppendCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(60);
        Path dir = Path.of(args[0]);
        AckWriter ack = new AckWriter(Path.of(args[1]));
        long segmentSize = Long.parseLong(args[2]);
        int maxSize = args.length > 3 ? Integer.parseInt(args[3]) : 3000;
        Durability durability = args.length > 4 ? Durability.valueOf(args[4]) : Durability.SYNC;
        Protection protection = args.length > 5 ? Protection.valueOf(args[5]) : Protection.NONE;
        ack.line("S");
        WriteAheadLog wal = WriteAheadLog.open(dir, Protections.apply(
                WalOptions.defaults().withSegmentSize(segmentSize).withDurability(durability), protection));
        ack.line("O " + wal.lastSequence() + " " + wal.ioLayer());
        for (long s = wal.lastSequence() + 1; ; s++) {
            long got = wal.append(Payloads.indexed(s, maxSize));
            if (got != s) {
                ChildSupport.bad(ack, "append of record " + s + " returned sequence " + got, null);
            }
            if (durability == Durability.BUFFERED) {
                wal.flush(); // written to the OS: survives the kill of this process
            }
            ack.line("A " + s);
        }
    }
}
