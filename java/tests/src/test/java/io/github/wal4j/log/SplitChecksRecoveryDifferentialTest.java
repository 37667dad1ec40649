package io.github.wal4j.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.wal4j.RecoveryMode;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.fixtures.PowerOff;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.fixtures.Tries;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Differential property: recovery with the record checksums of every batch shared with the
 * {@link ChecksumHelper} ({@code -Dwal4j.recordChecks=every-batch}, one record per chunk) reaches
 * the verdict recovery on the opening thread alone reaches ({@code serial}), on logs of many-record
 * batches (atomic groups) across several segments, closed cleanly or not, damaged at rest at seeded
 * random places. Compared, in strict and in point-in-time mode: the exception (type and message),
 * or the report's findings, every record the one-pass open lent (sequence and payload), the next
 * sequence, what {@code recover()} returns, and the files left. A split that reported a later
 * batch's failure, skipped a batch or a record, or accepted damage the serial check refuses gives
 * another verdict or other records. Reproduce a failure with {@code -DQT_SEED=<printed seed>}; the
 * case's own seed is in the message.
 */
class SplitChecksRecoveryDifferentialTest {
    private static final long SEGMENT = 128 << 10;
    private static final int MAX_RECORD = 2000;
    private static final String PROPERTY = "wal4j.recordChecks";

    @Test
    @Timeout(600)
    void splitChecksGiveTheSerialVerdictAndRecordsOnDamagedLogs() {
        long helperBefore = ChecksumHelper.chunksCheckedByHelper();
        qt().withExamples(Tries.scaled(0.2, 50)).withShrinkCycles(50)
                .forAll(longs().all(), integers().between(1, 40), booleans().all(), integers().between(0, 3))
                .checkAssert((seed, groups, closeCleanly, damages) -> {
                    try {
                        check(seed, groups, closeCleanly, damages);
                    } catch (IOException e) {
                        throw new AssertionError("seed " + seed, e);
                    }
                });
        assertTrue(ChecksumHelper.chunksCheckedByHelper() > helperBefore,
                "the helper thread never checked a chunk: the split was not exercised");
    }

    private static WalOptions options(SimulatedDisk disk, RecoveryMode mode) {
        return WalOptions.defaults().withSegmentSize(SEGMENT).withMaxRecordSize(MAX_RECORD).withStorage(disk)
                .withRecoveryMode(mode);
    }

    private static void check(long seed, int groups, boolean closeCleanly, int damages) throws IOException {
        Random random = new Random(seed);
        Path dir = Path.of("/wal");
        SimulatedDisk written = new SimulatedDisk(4096);
        WriteAheadLog wal = WriteAheadLog.open(dir, options(written, RecoveryMode.STRICT));
        for (int g = 0; g < groups; g++) {
            List<byte[]> group = new ArrayList<>();
            int count = 1 + random.nextInt(random.nextBoolean() ? 300 : 20);
            int size = random.nextInt(random.nextInt(8) == 0 ? MAX_RECORD : 200);
            for (int i = 0; i < count; i++) {
                byte[] p = new byte[random.nextInt(6) == 0 ? random.nextInt(300) : size];
                random.nextBytes(p);
                group.add(p);
            }
            wal.appendAll(group);
        }
        SimulatedDisk rest;
        if (closeCleanly) {
            wal.close();
            rest = written;
        } else {
            // Power off with nothing pending: every batch was synced, no seal was written.
            rest = written.crash(new Random(seed));
            PowerOff.abandon(wal);
        }
        // The damage, applied alike to every copy of the disk.
        List<String> names = rest.list(dir);
        List<String> applied = new ArrayList<>();
        byte[][] files = new byte[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            files[i] = rest.contents(dir.resolve(names.get(i)));
        }
        for (int d = 0; d < damages; d++) {
            int f = random.nextInt(names.size());
            if (!names.get(f).endsWith(".wal") || files[f].length <= 4096) {
                continue;
            }
            applied.add(damage(random, names.get(f), files[f]));
        }
        String what = "case seed " + seed + ", " + groups + " groups, " + (closeCleanly ? "closed" : "crashed")
                + ", damage " + applied;
        for (RecoveryMode mode : RecoveryMode.values()) {
            Outcome serial = open(rest, dir, names, files, mode, "serial");
            Outcome split = open(rest, dir, names, files, mode, "every-batch");
            assertEquals(serial.verdict, split.verdict, what + ", " + mode);
            assertEquals(serial.lent.size(), split.lent.size(), what + ", " + mode + ": records lent");
            for (int i = 0; i < serial.lent.size(); i++) {
                assertEquals(serial.lent.get(i).sequence(), split.lent.get(i).sequence(), what);
                assertArrayEquals(serial.lent.get(i).payload(), split.lent.get(i).payload(), what);
            }
            assertEquals(serial.recovered, split.recovered, what + ", " + mode + ": recover()");
            assertEquals(serial.files, split.files, what + ", " + mode + ": files left");
        }
    }

    /** One damage to {@code file}, past its header block mostly: what it did. */
    private static String damage(Random random, String name, byte[] file) {
        int at = random.nextInt(10) == 0 ? random.nextInt(file.length) : 4096 + random.nextInt(file.length - 4096);
        int n = Math.min(file.length - at, 1 + random.nextInt(64));
        switch (random.nextInt(4)) {
            case 0 -> {
                file[at] ^= (byte) (1 << random.nextInt(8));
                return name + " bitflip@" + at;
            }
            case 1 -> {
                Arrays.fill(file, at, at + n, (byte) 0);
                return name + " zero@" + at + "+" + n;
            }
            case 2 -> {
                for (int i = at; i < at + n; i++) {
                    file[i] = (byte) random.nextInt(256);
                }
                return name + " garbage@" + at + "+" + n;
            }
            default -> {
                int value = random.nextBoolean() ? random.nextInt() : random.nextInt(4000);
                for (int k = 0; k < 4 && at + k < file.length; k++) {
                    file[at + k] = (byte) (value >>> (24 - 8 * k));
                }
                return name + " int@" + at + "=" + value;
            }
        }
    }

    /** What one open of a copy of the damaged disk did. */
    private record Outcome(String verdict, List<WalRecord> lent, List<Long> recovered, List<String> files) {
    }

    private static Outcome open(SimulatedDisk rest, Path dir, List<String> names, byte[][] files, RecoveryMode mode,
            String checks) throws IOException {
        // A copy: everything on rest is durable, so each crash of it returns the same files.
        SimulatedDisk disk = rest.crash(new Random(0));
        for (int i = 0; i < names.size(); i++) {
            disk.replace(dir.resolve(names.get(i)), files[i]);
        }
        List<WalRecord> lent = new ArrayList<>();
        List<Long> recovered = List.of();
        String verdict;
        String previous = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, checks);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options(disk, mode), (sequence, payload) -> {
            byte[] copy = new byte[payload.remaining()];
            payload.get(copy);
            lent.add(new WalRecord(sequence, copy));
        })) {
            verdict = wal.recoveryReport().findings().toString() + " next " + wal.recoveryReport().nextSequence();
            recovered = wal.recover().stream().map(WalRecord::sequence).toList();
        } catch (IOException | RuntimeException e) {
            verdict = e.getClass().getName() + ": " + e.getMessage();
        } finally {
            if (previous == null) {
                System.clearProperty(PROPERTY);
            } else {
                System.setProperty(PROPERTY, previous);
            }
        }
        List<String> left = new ArrayList<>();
        for (String name : disk.list(dir)) {
            left.add(name + " " + disk.contents(dir.resolve(name)).length);
        }
        return new Outcome(verdict, lent, recovered, left);
    }
}
