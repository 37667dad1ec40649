package io.github.wal4j.bench;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalStats;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * wal4j with the given options; {@link #append} is {@link WriteAheadLog#append} (durable when it
 * returns under {@code Durability.SYNC}), {@link #appendAsync} is {@link WriteAheadLog#appendAsync}.
 * A variant (another I/O layer, direct I/O, encryption, ...) is a new {@link WalOptions}: one line
 * in {@link Subjects}.
 */
public final class Wal4jSubject implements AsyncSubject {
    private final WriteAheadLog wal;

    private Wal4jSubject(WriteAheadLog wal) {
        this.wal = wal;
    }

    /**
     * Opens the log; fails if the log did not get the I/O layer (and direct I/O setting) the options
     * ask for, so a silent fallback never passes for the layer under test.
     */
    public static Wal4jSubject open(Path dir, WalOptions options) throws Exception {
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        String wanted = options.ioLayer();
        if ((!wanted.equals("auto") && !wal.ioLayer().equals(wanted)) || wal.directIo() != options.directIo()) {
            wal.close();
            throw new IllegalStateException("asked for the " + wanted + " layer" + (options.directIo() ? " with direct I/O" : "")
                    + ", got " + wal.ioLayer() + (wal.directIo() ? " with direct I/O" : ""));
        }
        return new Wal4jSubject(wal);
    }

    /** A factory for {@link Subjects}. */
    public static SubjectFactory with(WalOptions options) {
        return (dir, recordSize) -> open(dir, options);
    }

    /**
     * A factory for {@link Subjects} whose log is in its steady state when it opens: filled past its
     * first rotation into a segment the rotation made ({@link SteadyState#reach}).
     */
    public static SubjectFactory steady(WalOptions options) {
        return (dir, recordSize) -> {
            Wal4jSubject subject = open(dir, options);
            try {
                SteadyState.reach(subject.wal, dir, options.segmentSize());
            } catch (Exception | Error e) {
                subject.close();
                throw e;
            }
            return subject;
        };
    }

    @Override
    public void append(byte[] record) throws Exception {
        wal.append(record);
    }

    @Override
    public CompletableFuture<?> appendAsync(byte[] record) {
        return wal.appendAsync(record);
    }

    @Override
    public Map<String, Long> counters() {
        WalStats s = wal.stats();
        return Map.of("appends", s.appends(), "batches", s.batches(), "fsyncs", s.fsyncs());
    }

    @Override
    public void close() throws Exception {
        wal.close();
    }
}
