package io.github.wal4j.cli;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs the wal4j commands in-process, as {@code main} does but with captured stdout and stderr, and
 * makes the damaged logs the tests feed them: real logs written through the public API, then damaged
 * the way a crash or a disk does.
 */
final class Cli {
    /** 100-byte records, several batches per 4 KiB segment: a few records span several segments. */
    static final WalOptions SMALL_SEGMENTS = WalOptions.defaults().withSegmentSize(32 << 10);
    /** One segment for a handful of records. */
    static final WalOptions ONE_SEGMENT = WalOptions.defaults().withSegmentSize(64 << 10);
    static final int SIZE = 100;
    /** A maximum record size above the default, and a record between the two (see {@link #bigRecordLog}). */
    static final int LARGE_LIMIT = 32 << 20;
    static final int BIG = 20 << 20;

    private Cli() {
    }

    /** What a command printed and returned. */
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    static Result run(Object... args) {
        String[] strings = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            strings[i] = String.valueOf(args[i]);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Wal4jCli.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(strings);
        return new Result(code, out.toString(), err.toString());
    }

    /** A cleanly closed log of {@code count} 100-byte records. */
    static List<WalRecord> closedLog(Path dir, WalOptions options, int count) throws IOException {
        return LogDirs.closedLog(dir, options, count, SIZE);
    }

    /**
     * A cleanly closed log written with {@code withMaxRecordSize(LARGE_LIMIT)}: records 1 and 3 of
     * 100 bytes and record 2 of {@link #BIG} bytes (more than the default limit), one per segment.
     */
    static List<WalRecord> bigRecordLog(Path dir) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir, ONE_SEGMENT.withMaxRecordSize(LARGE_LIMIT))) {
            List<WalRecord> written = new ArrayList<>(Records.append(wal, 1, 1, SIZE));
            written.addAll(Records.append(wal, 2, 1, BIG));
            written.addAll(Records.append(wal, 3, 1, SIZE));
            return written;
        }
    }

    /**
     * The image a crash leaves of a log whose {@code count} appends were all acknowledged and that was
     * never closed: the files of the still-open log, copied (no seal).
     */
    static List<WalRecord> crashImage(Path tmp, Path image, WalOptions options, int count) throws IOException {
        return LogDirs.crashImage(tmp.resolve("live-" + image.getFileName()), image, options, count, SIZE);
    }

    /** A torn tail: bytes of a batch that was being written when the process died, after the last batch. */
    static void appendGarbage(Path segment) throws IOException {
        byte[] garbage = new byte[700];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (0xA5 ^ i);
        }
        FileDamage.append(segment, garbage);
    }

    /** A torn tail: the last batch cut in the middle (a crash during its write, power lost before its sync). */
    static long truncateLastBatch(Path segment) throws IOException {
        SegmentLayout layout = SegmentLayout.read(segment);
        List<SegmentLayout.Batch> batches = layout.dataBatches();
        SegmentLayout.Batch last = batches.get(batches.size() - 1);
        FileDamage.truncate(segment, last.offset() + 40);
        return last.firstSequence();
    }

    /** Corruption: one bit of a record's payload flipped in a log whose later batches prove it was acknowledged. */
    static Path flipPayloadBit(Path dir, long sequence) throws IOException {
        for (Path segment : LogDirs.segments(dir)) {
            SegmentLayout layout = SegmentLayout.read(segment);
            for (SegmentLayout.Batch batch : layout.dataBatches()) {
                for (SegmentLayout.Record r : batch.records()) {
                    if (r.sequence() == sequence) {
                        FileDamage.flipBit(segment, r.payloadOffset() + r.length() / 2, 3);
                        return segment;
                    }
                }
            }
        }
        throw new IllegalArgumentException("no record " + sequence + " in " + dir);
    }

    /** The byte offset of the batch that holds {@code sequence}. */
    static long batchOffset(Path segment, long sequence) throws IOException {
        return SegmentLayout.read(segment).batchOf(sequence).offset();
    }

    /** The records a fresh open of {@code dir} recovers. */
    static List<WalRecord> recover(Path dir) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            return wal.recover();
        }
    }

    /** Names and bytes of the files of {@code dir}, except wal.lock (never opened: see LogDirs.copyLive). */
    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                out.put(name, name.equals("wal.lock") ? new byte[0] : Files.readAllBytes(f));
            }
        }
        return out;
    }

    /** The directories beside {@code dir} whose name starts with {@code <dir name>.quarantine-}. */
    static List<Path> quarantines(Path dir) throws IOException {
        try (Stream<Path> siblings = Files.list(dir.getParent())) {
            return siblings.filter(p -> p.getFileName().toString().startsWith(dir.getFileName() + ".quarantine-"))
                    .sorted().toList();
        }
    }

    /** The payloads appended by the helpers above, as records 1..count. */
    static List<WalRecord> expected(long from, long to) {
        return Stream.iterate(from, s -> s <= to, s -> s + 1).map(s -> new WalRecord(s, Records.payload(s, SIZE)))
                .toList();
    }
}
