package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.fixtures.AppendCrashChild;
import io.github.wal4j.fixtures.CrashAsserts;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.fixtures.Payloads;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.internal.Seeds;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spec's test_wal_append_and_recover, with real crashes: a child JVM appends a deterministic
 * sequence of records, acknowledging each in an ack file after append returned; it is killed with
 * SIGKILL at a random moment; the log reopened in this JVM must hold every acknowledged record with
 * its payload, in order, sequence numbers contiguous from 1, and at most the one record whose append
 * was in flight beyond them, never a record that was not appended and never a torn one. The
 * recovered log then takes appends where it left off. Each cycle draws the log's protection (none,
 * AES-256-GCM, the HMAC chain) from the printed seed and passes it to the child.
 */
class AppendAndRecoverCrashTest {
    private static final int CYCLES = 10;
    private static final int LARGE_CYCLES = 4;
    /** The segment sizes tried: the minimum (a rotation every batch or two), 64 KiB, the default. */
    private static final long[] SEGMENT_SIZES = {32 << 10, 256 << 10, WalOptions.DEFAULT_SEGMENT_SIZE};

    @TempDir
    Path tmp;

    /** Records of 0 to 3000 bytes. */
    @Test
    void everyAcknowledgedRecordSurvivesSigkill() throws Exception {
        long seed = Seeds.seed("AppendAndRecoverCrashTest");
        SplittableRandom random = new SplittableRandom(seed);
        int torn = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            long segmentSize = SEGMENT_SIZES[random.nextInt(SEGMENT_SIZES.length)];
            int minAcks = random.nextInt(4) == 0 ? 1 + random.nextInt(5) : 1 + random.nextInt(200);
            int delayMillis = random.nextInt(150);
            Protection protection = Protections.draw(random);
            torn += cycle("seed " + seed + ", cycle " + cycle, cycle, segmentSize, 3000, Durability.SYNC, protection,
                    minAcks, delayMillis) ? 1 : 0;
        }
        System.out.println("[wal4j] AppendAndRecoverCrashTest: " + CYCLES + " kills, " + torn + " with a torn tail cut");
    }

    /**
     * Records of up to 8 MiB, so that the kill may land inside the write of a batch (Linux ends a
     * buffered write early on SIGKILL): a torn tail, which recovery must cut without losing an
     * acknowledged record. Half the cycles run BUFFERED, acknowledging after {@code flush()}, so that
     * the writer spends its time writing rather than syncing.
     */
    @Test
    void largeRecordsSurviveSigkillInTheMiddleOfAWrite() throws Exception {
        long seed = Seeds.seed("AppendAndRecoverCrashTest.large");
        SplittableRandom random = new SplittableRandom(seed);
        int torn = 0;
        for (int cycle = 0; cycle < LARGE_CYCLES; cycle++) {
            long segmentSize = random.nextBoolean() ? 64 << 10 : WalOptions.DEFAULT_SEGMENT_SIZE;
            int minAcks = 1 + random.nextInt(4);
            int delayMillis = random.nextInt(80);
            Durability durability = random.nextBoolean() ? Durability.SYNC : Durability.BUFFERED;
            Protection protection = Protections.draw(random);
            torn += cycle("seed " + seed + ", large cycle " + cycle, 100 + cycle, segmentSize, 8 << 20, durability,
                    protection, minAcks, delayMillis) ? 1 : 0;
        }
        System.out.println("[wal4j] AppendAndRecoverCrashTest.large: " + LARGE_CYCLES + " kills, " + torn
                + " with a torn tail cut");
    }

    /** One kill and the checks; returns whether recovery cut a torn tail. */
    private boolean cycle(String name, int cycle, long segmentSize, int maxSize, Durability durability,
            Protection protection, int minAcks, int delayMillis) throws Exception {
        String where = name + " (segment size " + segmentSize + ", records up to " + maxSize + " bytes, " + durability
                + (durability == Durability.BUFFERED ? " with flush() before each ack" : "") + ", " + protection
                + ", kill after " + minAcks + " acks + " + delayMillis + " ms)";
        Path dir = tmp.resolve("wal-" + cycle);
        Path ackPath = tmp.resolve("ack-" + cycle + ".txt");

        AckFile ack = new AckFile(ackPath);
        try (CrashJvm child = CrashJvm.start(AppendCrashChild.class, tmp, "child-" + cycle, dir.toString(),
                ackPath.toString(), Long.toString(segmentSize), Integer.toString(maxSize), durability.name(),
                protection.name())) {
            ack.awaitLines(child, lines -> ack.count("A") >= minAcks, 60_000, minAcks + " acks, " + where);
            Thread.sleep(delayMillis);
            child.kill();
        }

        // Acks: "A 1", "A 2", ... in order, as the child appends one record at a time.
        List<String> lines = AckFile.readAll(ackPath);
        long acked = 0;
        String layer = System.getProperty("wal4j.io", "auto");
        for (String line : lines) {
            if (line.startsWith("O ") && !layer.equals("auto")) {
                assertEquals("O 0 " + layer, line, "the child's I/O layer (-Dwal4j.io is passed on), " + where);
            }
            if (line.startsWith("A ")) {
                long s = Long.parseLong(line.substring(2));
                assertEquals(acked + 1, s, "acks out of order in the ack file, " + where);
                acked = s;
            }
        }
        assertTrue(acked >= minAcks, "the child acknowledged " + acked + " records, " + where);

        WalOptions options = Protections.apply(WalOptions.defaults().withSegmentSize(segmentSize), protection);
        long recovered;
        boolean torn;
        try (WriteAheadLog wal = CrashAsserts.open(dir, options, where)) {
            RecoveryReport report = wal.recoveryReport();
            torn = report.bytesCut() > 0;
            List<WalRecord> records = wal.recover();
            recovered = records.size();
            String context = where + ": " + acked + " acked, " + recovered + " recovered; " + report.summary();
            assertTrue(recovered >= acked, "acknowledged records lost, " + context);
            // One append may have been in flight: written, but killed before the ack was written.
            assertTrue(recovered <= acked + 1, "more records than were ever appended, " + context);
            for (int i = 0; i < records.size(); i++) {
                WalRecord r = records.get(i);
                assertEquals(i + 1, r.sequence(), "sequence numbers not contiguous from 1, " + context);
                byte[] expected = Payloads.indexed(r.sequence(), maxSize);
                if (!Arrays.equals(expected, r.payload())) {
                    fail("record " + r.sequence() + " holds " + Payloads.describe(r.payload()) + ", appended was "
                            + Payloads.describe(expected) + ", " + context);
                }
            }
            assertEquals(recovered, wal.lastSequence(), "lastSequence after recovery, " + context);
            assertEquals(0, report.checkpointSequence(), context);
            assertEquals(recovered + 1, report.nextSequence(), context);

            // The recovered log takes appends where it left off.
            assertEquals(recovered + 1, wal.append(Payloads.indexed(recovered + 1, maxSize)), context);
        }
        // ... and after a clean close it holds exactly those records.
        try (WriteAheadLog wal = CrashAsserts.open(dir, options, where + ", second reopen")) {
            assertTrue(wal.recoveryReport().clean(), where + ": " + wal.recoveryReport().summary());
            List<WalRecord> records = wal.recover();
            assertEquals(recovered + 1, records.size(), where);
            WalRecord last = records.get(records.size() - 1);
            assertEquals(recovered + 1, last.sequence(), where);
            assertArrayEquals(Payloads.indexed(recovered + 1, maxSize), last.payload(), where);
        }
        System.out.println("[wal4j] AppendAndRecoverCrashTest " + where + ": acked " + acked + ", recovered "
                + recovered + (torn ? ", torn tail cut" : ""));
        return torn;
    }
}
