package io.github.wal4j.example;

import io.github.wal4j.Durability;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalSnapshot;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * A tiny application of the kind wal4j is for, written as a user would: counters whose additions
 * are logged before they are applied, with a snapshot that a checkpoint puts in force. Its
 * recovery (open the log, load the snapshot in force, replay what follows) is what
 * {@link CounterStoreCrashLoopTest} checks with the test kit's crash loop; {@link Bug} plants the
 * mistakes such code really makes.
 *
 * <p>Record: {@code [key: 4][delta: 8]}. Snapshot: {@code [count: 4][value: 8] x count}.
 */
final class CounterStore implements Closeable {
    static final int KEYS = 8;

    /** What is wrong with the store: nothing, or a recovery bug the crash loop should find. */
    enum Bug {
        NONE,
        /** {@code add} returns before its record is durable: appendAsync, not waited for. */
        ACKNOWLEDGED_BEFORE_DURABLE,
        /** The checkpoint says one record less than the snapshot holds, so recovery applies it twice. */
        CHECKPOINT_ONE_SHORT
    }

    private final WriteAheadLog wal;
    private final Storage disk;
    private final Path snapshot;
    private final Bug bug;
    private final long[] values = new long[KEYS];

    private CounterStore(WriteAheadLog wal, Storage disk, Path snapshot, Bug bug) {
        this.wal = wal;
        this.disk = disk;
        this.snapshot = snapshot;
        this.bug = bug;
    }

    /** Opens (recovers) the store in {@code dir} on {@code disk}: the snapshot in force, then the records after it. */
    static CounterStore open(Storage disk, Path dir, Bug bug) throws IOException {
        WalOptions options = WalOptions.defaults().withStorage(disk).withDurability(Durability.SYNC)
                .withSegmentSize(16 << 10);
        WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"), options);
        CounterStore store = new CounterStore(wal, disk, dir.resolve("counters.snap"), bug);
        try {
            Optional<WalSnapshot> inForce = wal.snapshot();
            if (inForce.isPresent()) {
                store.load(inForce.get().path());
            }
            wal.replay(wal.checkpointSequence() + 1, (sequence, payload) ->
                    store.values[payload.getInt(payload.position())] += payload.getLong(payload.position() + 4));
            return store;
        } catch (IOException | RuntimeException e) {
            wal.close();
            throw e;
        }
    }

    private void load(Path path) throws IOException {
        try (StorageFile file = disk.openRead(path)) {
            ByteBuffer b = file.readFully(ByteBuffer.allocate((int) file.size()), 0).flip();
            int count = b.getInt();
            for (int k = 0; k < count; k++) {
                values[k] = b.getLong();
            }
        }
    }

    /** Adds {@code delta} to counter {@code key}; durable when this returns (unless {@link Bug#ACKNOWLEDGED_BEFORE_DURABLE}). */
    void add(int key, long delta) throws IOException {
        byte[] record = ByteBuffer.allocate(12).putInt(key).putLong(delta).array();
        if (bug == Bug.ACKNOWLEDGED_BEFORE_DURABLE) {
            wal.appendAsync(record);
        } else {
            wal.append(record);
        }
        values[key] += delta;
    }

    /** Writes the counters as a snapshot and puts it in force with a checkpoint; older records go. */
    void snapshot() throws IOException {
        long upTo = wal.lastSequence();
        long[] copy = values.clone();
        wal.checkpoint(snapshot, bug == Bug.CHECKPOINT_ONE_SHORT ? upTo - 1 : upTo, out -> {
            ByteBuffer b = ByteBuffer.allocate(4 + 8 * KEYS).putInt(KEYS);
            for (long v : copy) {
                b.putLong(v);
            }
            out.write(b.array());
        });
    }

    long[] values() {
        return values.clone();
    }

    @Override
    public void close() throws IOException {
        wal.close();
    }

    @Override
    public String toString() {
        return Arrays.toString(values);
    }
}
