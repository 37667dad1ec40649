package io.github.wal4j.bench;

import io.github.wal4j.KeyProvider;
import io.github.wal4j.WalOptions;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The in-process implementations the driver knows, by name (the C ceiling runs as a separate
 * process: {@link CCeiling}). To add one, add a line here; for a wal4j variant that is its
 * {@link WalOptions}, for example
 * the protection variants below.
 */
public final class Subjects {
    /** An implementation: its name in options and tables, what it is, how to open it. */
    public record Entry(String name, String description, SubjectFactory factory) {
    }

    private static final Map<String, Entry> ALL = new LinkedHashMap<>();

    /** How often the -recycled subjects checkpoint: as {@code bench/recycling} does by default. */
    static final long CHECKPOINT_MILLIS = 50;

    static {
        add("wal4j-native", "wal4j, `WalOptions.defaults()` (`Durability.SYNC`, group commit, 64 MiB `fallocate`d segments), "
                + "native I/O layer (`withIoLayer(\"native\")`: libwal4j through JNA)",
                Wal4jSubject.with(WalOptions.defaults().withIoLayer("native")));
        add("wal4j-java", "wal4j, `WalOptions.defaults()` (`Durability.SYNC`), pure-Java I/O layer (`withIoLayer(\"java\")`: FileChannel)",
                Wal4jSubject.with(WalOptions.defaults().withIoLayer("java")));
        // The steady state: the same default options, the log first filled past its first rotation.
        for (String layer : new String[] {"native", "java"}) {
            add("wal4j-" + layer + "-steady", "wal4j-" + layer + " in its steady state: `WalOptions.defaults()` on the "
                    + layer + " layer (`withSegmentPreparation` on, as by default), and before the warm-up the open fills "
                    + "the new log past its first rotation (`appendAsync` of " + (SteadyState.FILL_RECORD >> 10)
                    + " KiB records, at most " + SteadyState.IN_FLIGHT + " in flight, until the next segment's prepared "
                    + "file is fully zero-filled, then, at most " + SteadyState.IN_FLIGHT_AT_ROTATION + " in flight, until "
                    + "the log rotated into it and every fill record is durable; "
                    + "a JFR `SegmentRotation` event must say the rotation used the prepared segment, else it fills on "
                    + "into the next rotation, at most " + SteadyState.ATTEMPTS + " tries), so the window writes into a "
                    + "segment that was zero-filled and synced ahead, from near its start (the next segment's preparation, 64 MiB of "
                    + "zeros once this one is half full, and later rotations happen in the window as they come); the JFR "
                    + "recording ends before the warm-up (the -counted variant keeps it, to count the window's rotations)",
                    Wal4jSubject.steady(WalOptions.defaults().withIoLayer(layer)));
        }
        // The steady state of a log that checkpoints: segments recycled from those a checkpoint freed.
        for (String layer : new String[] {"native", "java"}) {
            add("wal4j-" + layer + "-recycled", "wal4j-" + layer + " in the steady state of a log that checkpoints: "
                    + "`WalOptions.defaults().withIoLayer(\"" + layer + "\").withSegmentRecycling(true)`; before the warm-up "
                    + "the open fills the new log as for the -steady subjects, but every try first checkpoints up to the "
                    + "durable sequence, until a rotation used a recycled file (a segment the checkpoint freed, whose blocks "
                    + "its earlier use wrote: no zeros written for it), checked on the JFR `SegmentRotation` event's "
                    + "`recycled`, at most " + SteadyState.Goal.RECYCLED.tries() + " tries (the first rotation of a new log "
                    + "cannot be recycled); then, through the warm-up and the window, a background thread checkpoints up to "
                    + "the log's durable sequence every " + CHECKPOINT_MILLIS + " ms, as a database applying the log would, "
                    + "so that later rotations find freed segments too. The checkpoints' cost (a checkpoint file replaced "
                    + "and its directory synced each time) is part of this subject's numbers; the JFR recording ends "
                    + "before the warm-up (wal4j-native-recycled-counted keeps it, to count the window's rotations by kind)",
                    Wal4jSubject.recycled(recycledOptions(layer), CHECKPOINT_MILLIS));
        }
        // The same with the rotations' JFR recording running in the window, for its counts by kind.
        add("wal4j-native-steady-counted", "wal4j-native-steady, with the JFR recording of `SegmentRotation` kept running "
                + "through the warm-up and the window, so each run's line counts the window's rotations by kind (created "
                + "at rotation, zero-filled ahead, recycled); the recording costs the log (4.6-7.8 % of the records/s at "
                + "one thread in an A/B, docs/benchmarks.md)", Wal4jSubject.steadyCounted(WalOptions.defaults().withIoLayer("native")));
        add("wal4j-native-recycled-counted", "wal4j-native-recycled, with the JFR recording of `SegmentRotation` kept "
                + "running through the warm-up and the window, as wal4j-native-steady-counted",
                Wal4jSubject.recycledCounted(recycledOptions("native"), CHECKPOINT_MILLIS));
        add("wal4j-native-direct", "wal4j, defaults on the native layer with `withDirectIo(true)` (O_DIRECT segments)",
                Wal4jSubject.with(WalOptions.defaults().withIoLayer("native").withDirectIo(true)));
        // The group-commit gathering wait and self-commit switched off, for A/Bs in one run: the log
        // reads these properties when it opens (io.github.wal4j.log.CommitTuning).
        add("wal4j-native-nowait", "wal4j, defaults on the native layer with the group-commit gathering wait off "
                + "(`-Dwal4j.groupCommitWait=false` while it opens)", withProperty("wal4j.groupCommitWait"));
        add("wal4j-native-noself", "wal4j, defaults on the native layer with self-commit off: every append goes "
                + "through the writer thread (`-Dwal4j.selfCommit=false` while it opens)", withProperty("wal4j.selfCommit"));
        // Protection (issue 8): the cost of AES-256-GCM per record and of the HMAC-SHA256 chain.
        for (String layer : new String[] {"native", "java"}) {
            add("wal4j-" + layer + "+aes", "wal4j, defaults on the " + layer + " layer with `withEncryption(keys)` (AES-256-GCM per record)",
                    Wal4jSubject.with(WalOptions.defaults().withIoLayer(layer).withEncryption(benchKeys())));
            add("wal4j-" + layer + "+hmac", "wal4j, defaults on the " + layer + " layer with `withTamperEvidence(keys)` (HMAC-SHA256 chain)",
                    Wal4jSubject.with(WalOptions.defaults().withIoLayer(layer).withTamperEvidence(benchKeys())));
        }
        add("rocksdb", "RocksDB (rocksdbjni), default options, `WriteOptions.setSync(true)`, one put per record",
                (dir, size) -> new RocksDbSubject(dir));
        add("sqlite", "SQLite (sqlite-jdbc), `journal_mode=WAL`, `synchronous=FULL`, one INSERT per transaction, one shared connection",
                (dir, size) -> new SqliteSubject(dir));
        add("filechannel", "naive loop: `FileChannel.write` + `force(false)` per record under one lock, no framing, no group commit",
                (dir, size) -> new FileChannelSubject(dir));
    }

    private Subjects() {
    }

    /**
     * The -recycled subjects' options: the defaults on {@code layer} with recycling set explicitly, so
     * that they measure recycling whatever its default.
     */
    static WalOptions recycledOptions(String layer) {
        return WalOptions.defaults().withIoLayer(layer).withSegmentRecycling(true);
    }

    /** wal4j on the native layer, opened while the boolean system property {@code name} is false. */
    private static SubjectFactory withProperty(String name) {
        return (dir, recordSize) -> {
            System.setProperty(name, "false");
            try {
                return Wal4jSubject.open(dir, WalOptions.defaults().withIoLayer("native"));
            } finally {
                System.clearProperty(name);
            }
        };
    }

    /** A random 256-bit key, new for every run of the driver. */
    private static KeyProvider benchKeys() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return KeyProvider.of("bench", key);
    }

    /** Registers an implementation (names must be unique). */
    public static void add(String name, String description, SubjectFactory factory) {
        if (ALL.putIfAbsent(name, new Entry(name, description, factory)) != null) {
            throw new IllegalArgumentException("duplicate subject " + name);
        }
    }

    /** The entry named {@code name}. */
    public static Entry get(String name) {
        Entry e = ALL.get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown subject " + name + "; known: " + String.join(",", ALL.keySet())
                    + "," + CCeiling.NAME + "," + CCeiling.ZEROED + "," + CCeiling.GROUP);
        }
        return e;
    }

    /** Every registered implementation, in registration order. */
    public static Map<String, Entry> all() {
        return Collections.unmodifiableMap(ALL);
    }
}
