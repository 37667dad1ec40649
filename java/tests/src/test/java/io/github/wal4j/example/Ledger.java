package io.github.wal4j.example;

import io.github.wal4j.WalSnapshot;
import io.github.wal4j.WriteAheadLog;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** An application's state (a running total): a snapshot, plus the log records after it. */
public final class Ledger {
    private long applied; // the last sequence whose record the state holds
    private long total;

    public static void main(String[] args) throws IOException {
        System.out.println(run(Path.of("/var/lib/app/wal"), Path.of("/var/lib/app/state.snap"), 100));
    }

    /** Start-up, one durable change, a checkpoint; returns the total. */
    static long run(Path walDir, Path snapshotFile, long amount) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(walDir)) {
            // The snapshot recovery settled on. Only open knows it: after a crash, snapshotFile may
            // still hold the previous snapshot until open puts the committed one in its place.
            Ledger state = new Ledger();
            Optional<WalSnapshot> snapshot = wal.snapshot();
            if (snapshot.isPresent()) {
                state.load(snapshot.get().path());
            }
            // The records after it, streamed (recover() would hold the whole log in memory).
            wal.replay(state.applied + 1, state::apply);

            byte[] change = ByteBuffer.allocate(8).putLong(amount).array();
            long seq = wal.append(change);          // durable (fdatasync'ed) when it returns
            state.apply(seq, ByteBuffer.wrap(change));
            wal.checkpoint(snapshotFile, state::save); // new snapshot; the log it covers is dropped
            return state.total;
        }
    }

    /** A record: the buffer is valid only during the call. */
    private void apply(long sequence, ByteBuffer change) {
        total += change.getLong();
        applied = sequence;
    }

    private void load(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            applied = in.readLong();
            total = in.readLong();
        }
    }

    private void save(OutputStream out) throws IOException { // wal4j syncs and renames the file
        DataOutputStream data = new DataOutputStream(out);
        data.writeLong(applied);
        data.writeLong(total);
        data.flush();
    }
}
