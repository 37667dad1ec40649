package io.github.wal4j.testing;

import io.github.wal4j.Durability;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child of {@code FlushAndCheckpointCrashTest}. Arguments: WAL directory, snapshot file, ack file,
 * durability ({@code SYNC} or {@code BUFFERED}), seed, optionally {@code protection=P} (a
 * {@code Protection} name; default NONE), and optionally {@code hang=N}: the N-th
 * checkpoint's writer writes half a snapshot, acks {@code "H s"} and blocks until the kill.
 *
 * <p>Rebuilds its {@link KeyValueState} from the snapshot and {@code recover()}, checks it against
 * the reference (a mismatch is a BAD line), then appends {@link KeyValueState#record}s forever,
 * applying each, and checkpoints with a snapshot of the state every few records. Ack lines:
 * <pre>
 *  S                 started
 *  R last cp         recovered: last sequence, checkpoint in force
 *  I s               about to append records up to s
 *  A s               records up to s acknowledged (SYNC: append returned; BUFFERED: flush() returned)
 *  C? s              about to checkpoint up to s
 *  C s               checkpoint up to s returned
 * </pre>
 */
public final class CheckpointCrashChild {
    private CheckpointCrashChild() {
    }

    public static WalOptions options(Durability durability) {
        return WalOptions.defaults().withSegmentSize(64 << 10).withDurability(durability);
    }

    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(60);
        Path dir = Path.of(args[0]);
        Path snapshot = Path.of(args[1]);
        AckWriter ack = new AckWriter(Path.of(args[2]));
        Durability durability = Durability.valueOf(args[3]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[4]));
        int hangAt = -1;
        io.github.wal4j.Protection protection = io.github.wal4j.Protection.NONE;
        for (int i = 5; i < args.length; i++) {
            if (args[i].startsWith("hang=")) {
                hangAt = Integer.parseInt(args[i].substring("hang=".length()));
            } else if (args[i].startsWith("protection=")) {
                protection = io.github.wal4j.Protection.valueOf(args[i].substring("protection=".length()));
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int checkpointsDone = 0;
        ack.line("S");
        WriteAheadLog wal = WriteAheadLog.open(dir, Protections.apply(options(durability), protection));

        long cp = wal.checkpointSequence();
        KeyValueState state = new KeyValueState();
        try {
            if (cp > 0) {
                state = KeyValueState.read(snapshot);
                if (state.applied() != cp) {
                    ChildSupport.bad(ack, "the snapshot covers " + state.applied() + ", the checkpoint in force "
                            + cp, null);
                }
            } else if (Files.exists(snapshot)) {
                ChildSupport.bad(ack, "a snapshot exists but no checkpoint is in force", null);
            }
            for (WalRecord r : wal.recover()) {
                state.apply(r.sequence(), r.payload());
            }
        } catch (Exception | Error e) {
            ChildSupport.bad(ack, "rebuilding the state at open failed", e);
        }
        if (state.applied() != Math.max(cp, wal.lastSequence()) || !state.equals(KeyValueState.reference(state.applied()))) {
            ChildSupport.bad(ack, "rebuilt " + state + ", lastSequence " + wal.lastSequence() + ", reference "
                    + KeyValueState.reference(state.applied()), null);
        }
        ack.line("R " + wal.lastSequence() + " " + cp);

        int untilCheckpoint = 3 + random.nextInt(38);
        while (true) {
            int batch = durability == Durability.SYNC ? 1 : 1 + random.nextInt(16);
            long last = wal.lastSequence() + batch;
            ack.line("I " + last);
            for (long s = last - batch + 1; s <= last; s++) {
                byte[] payload = KeyValueState.record(s);
                long got = wal.append(payload);
                if (got != s) {
                    ChildSupport.bad(ack, "append of record " + s + " returned sequence " + got, null);
                }
                state.apply(s, payload);
            }
            if (durability == Durability.BUFFERED) {
                wal.flush();
            }
            ack.line("A " + last);
            untilCheckpoint -= batch;
            if (untilCheckpoint <= 0) {
                untilCheckpoint = 3 + random.nextInt(38);
                long covered = wal.lastSequence();
                if (covered != state.applied()) {
                    ChildSupport.bad(ack, "lastSequence " + covered + " but applied " + state.applied(), null);
                }
                ack.line("C? " + covered);
                KeyValueState current = state;
                if (++checkpointsDone == hangAt) {
                    wal.checkpoint(snapshot, out -> {
                        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
                        current.writeTo(whole);
                        out.write(whole.toByteArray(), 0, whole.size() / 2);
                        out.flush();
                        ack.line("H " + covered);
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        throw new java.io.InterruptedIOException();
                    });
                }
                wal.checkpoint(snapshot, current::writeTo);
                if (wal.checkpointSequence() != covered) {
                    ChildSupport.bad(ack, "checkpointSequence " + wal.checkpointSequence() + " after a checkpoint of "
                            + covered, null);
                }
                ack.line("C " + covered);
            }
        }
    }
}
