package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.testing.SimulatedDisk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Coverage-guided fuzzing of the reader and recovery: a log is written through the public API on a
 * {@link SimulatedDisk}, closed cleanly or cut off by a power loss, then damaged at rest by
 * fuzzer-chosen mutations (bit flips, zeroed or overwritten ranges, truncation, garbage appended,
 * huge length fields), then reopened in strict and in point-in-time mode.
 *
 * <p>Properties: opening either succeeds or throws {@link WalCorruptedException} /
 * {@link WalFormatException}, nothing else (no OutOfMemoryError, NegativeArraySizeException,
 * IndexOutOfBoundsException, no hang); every recovered record was appended, at its sequence number,
 * with its payload; sequence numbers are contiguous after the checkpoint; a log opened with
 * point-in-time recovery accepts appends.
 *
 * <p>{@link #recycledLogsNeverYieldWhatWasNotAppended} is the same over logs with segment recycling
 * on, more records and more checkpoints, so that damaged recycled segments (stale bytes of an
 * earlier use behind the current batches) are judged too.
 *
 * <p>The default test run replays the committed corpus under
 * {@code java/tests/src/test/resources/io/github/wal4j/RecordReaderFuzzTestInputs}; {@code JAZZER_FUZZ=1}
 * fuzzes (see docs/security/wal.md, "How this is tested").
 */
class RecordReaderFuzzTest {
    private static final Path DIR;

    static {
        try {
            // The log's files live in the simulated disk; the real directory only has to exist, empty.
            DIR = Files.createTempDirectory("wal4j-fuzz").resolve("wal");
            Files.createDirectories(DIR);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void damagedLogsNeverYieldWhatWasNotAppended(FuzzedDataProvider data) throws IOException {
        // Recycling off: the path where a checkpoint deletes what it frees and no segment carries an
        // earlier use's bytes; the default (recycling on) is the target below.
        fuzz(data, false);
    }

    @FuzzTest(maxDuration = "60s")
    void recycledLogsNeverYieldWhatWasNotAppended(FuzzedDataProvider data) throws IOException {
        fuzz(data, true);
    }

    private static void fuzz(FuzzedDataProvider data, boolean recycling) throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        WalOptions options = WalOptions.defaults().withSegmentSize(32 << 10).withMaxRecordSize(3000).withStorage(disk)
                .withSegmentRecycling(recycling);
        List<byte[]> appended = new ArrayList<>();
        SimulatedDisk target;
        WriteAheadLog wal = WriteAheadLog.open(DIR, options);
        int count = data.consumeInt(0, recycling ? 60 : 16);
        // Payload bytes come from a seed so that short inputs still build logs of realistic size.
        Random payloads = new Random(data.consumeLong());
        for (int i = 0; i < count; i++) {
            byte[] payload = new byte[data.consumeInt(0, 3000)];
            payloads.nextBytes(payload);
            assertEquals(i + 1, wal.append(payload));
            appended.add(payload);
            if (data.consumeInt(0, recycling ? 3 : 15) == 0) {
                // With recycling, close behind the last record, so that freed segments are reused
                // while several recycled ones stay live.
                wal.checkpoint(recycling ? Math.max(0, wal.lastSequence() - 12) : wal.lastSequence() / 2);
            }
        }
        if (data.consumeBoolean()) {
            wal.close();
            target = disk;
        } else {
            target = disk.crash(new Random(data.consumeLong()));
            PowerOff.abandon(wal);
        }
        damage(target, data);
        check(options.withStorage(target), appended, RecoveryMode.STRICT);
        check(options.withStorage(target), appended, RecoveryMode.POINT_IN_TIME);
    }

    private static void damage(SimulatedDisk disk, FuzzedDataProvider data) throws IOException {
        List<String> names = disk.list(DIR);
        names.sort(null);
        int mutations = data.consumeInt(0, 4);
        for (int m = 0; m < mutations && !names.isEmpty(); m++) {
            Path file = DIR.resolve(names.get(data.consumeInt(0, names.size() - 1)));
            byte[] bytes = disk.contents(file);
            int kind = data.consumeInt(0, 5);
            int at = bytes.length == 0 ? 0 : data.consumeInt(0, bytes.length - 1);
            switch (kind) {
                case 0 -> {
                    if (bytes.length > 0) {
                        bytes[at] ^= (byte) (1 << data.consumeInt(0, 7));
                    }
                }
                case 1 -> {
                    int to = Math.min(bytes.length, at + data.consumeInt(1, 1024));
                    java.util.Arrays.fill(bytes, at, to, (byte) 0);
                }
                case 2 -> {
                    byte[] junk = data.consumeBytes(data.consumeInt(1, 64));
                    System.arraycopy(junk, 0, bytes, at, Math.min(junk.length, bytes.length - at));
                }
                case 3 -> bytes = java.util.Arrays.copyOf(bytes, at);
                case 4 -> {
                    byte[] junk = data.consumeBytes(data.consumeInt(1, 1024));
                    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + junk.length);
                    System.arraycopy(junk, 0, longer, bytes.length, junk.length);
                    bytes = longer;
                }
                default -> {
                    // A huge length field where a record length may sit.
                    if (bytes.length >= at + 4) {
                        int huge = data.consumeBoolean() ? 0x7fffffff : 0xffffffff;
                        bytes[at] = (byte) (huge >>> 24);
                        bytes[at + 1] = (byte) (huge >>> 16);
                        bytes[at + 2] = (byte) (huge >>> 8);
                        bytes[at + 3] = (byte) huge;
                    }
                }
            }
            disk.replace(file, bytes);
        }
    }

    private static void check(WalOptions options, List<byte[]> appended, RecoveryMode mode) throws IOException {
        WriteAheadLog wal;
        try {
            wal = WriteAheadLog.open(DIR, options.withRecoveryMode(mode));
        } catch (WalCorruptedException | WalFormatException | WalKeyException refused) {
            // A key error is a refusal too: bytes that claim a protected segment with a valid header
            // CRC, which the test's unprotected options have no key for.
            return;
        }
        try (wal) {
            long expected = wal.checkpointSequence() + 1;
            for (WalRecord record : wal.recover()) {
                assertEquals(expected++, record.sequence(), "contiguous sequence numbers");
                assertTrue(record.sequence() >= 1 && record.sequence() <= appended.size(),
                        "sequence " + record.sequence() + " was never appended");
                assertArrayEquals(appended.get((int) record.sequence() - 1), record.payload(),
                        "payload of sequence " + record.sequence());
            }
            if (mode == RecoveryMode.POINT_IN_TIME) {
                assertEquals(wal.lastSequence() + 1, wal.append(new byte[] {7}));
            }
        }
    }
}
