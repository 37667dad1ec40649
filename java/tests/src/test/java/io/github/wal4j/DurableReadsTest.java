package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.Records;
import io.github.wal4j.testing.internal.Seeds;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.fixtures.Tries;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: in {@link Durability#SYNC} a reader ({@code recover}, {@code replay},
 * {@code reader}) never returns a record that a power cut could still
 * erase. A producer keeps many {@code appendAsync} records in flight against a disk whose
 * fdatasync is slow, so that batches sit written but not yet synced; a reader reads in the middle
 * of that, and the power is cut the moment it returns. Every record it returned must be in the
 * image the cut leaves, with its payload. Cases: {@code wal4j.tries} / 25 (at least 20), each seeded
 * (sizes, read moments, which reader, how the cut tears); thread timing adds its own variation, and
 * the seed printed first reproduces the rest with {@code -Dwal4j.seed}.
 */
class DurableReadsTest {
    @TempDir
    Path tmp;

    @Test
    void readersNeverReturnWhatAPowerCutErases() throws Exception {
        long seed = Seeds.seed("DurableReadsTest");
        Random random = new Random(seed);
        int cases = Tries.scaled(1 / 25.0, 20);
        List<String> violations = new ArrayList<>();
        for (int c = 0; c < cases; c++) {
            long caseSeed = random.nextLong();
            String violation = runCase(c, caseSeed);
            if (violation != null) {
                violations.add("case " + c + " (seed " + seed + "): " + violation);
            }
        }
        assertEquals(List.of(), violations, violations.size() + " of " + cases
                + " power-cut images lost records a reader had returned");
    }

    /** One case: returns what was violated, or null. */
    private String runCase(int index, long caseSeed) throws Exception {
        Random random = new Random(caseSeed);
        SimulatedDisk disk = new SimulatedDisk();
        Path dir = tmp.resolve("case" + index);
        WalOptions options = WalOptions.defaults().withStorage(new SlowSync(disk, 1 + random.nextInt(3)))
                .withMaxBatchBytes(1 + random.nextInt(4096));
        int reader = random.nextInt(3);
        Map<Long, byte[]> returned = new TreeMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        long durableAtRead;
        WriteAheadLog wal = WriteAheadLog.open(dir, options);
        Thread producer = new Thread(() -> {
            List<CompletableFuture<Long>> inFlight = new ArrayList<>();
            long n = 1;
            try {
                while (!stop.get()) {
                    inFlight.add(wal.appendAsync(Records.payload(n, (int) (n * 37 % 700))));
                    n++;
                    if (inFlight.size() >= 64) {
                        inFlight.remove(0).join();
                    }
                }
            } catch (RuntimeException e) {
                // The power went off under it: expected at the end of every case.
            }
        }, "producer");
        producer.start();
        try {
            Thread.sleep(5 + random.nextInt(20));
            switch (reader) {
                case 0 -> wal.recover().forEach(r -> returned.put(r.sequence(), r.payload()));
                case 1 -> wal.replay(0, (sequence, payload) -> {
                    byte[] copy = new byte[payload.remaining()];
                    payload.get(copy);
                    returned.put(sequence, copy);
                });
                default -> {
                    try (WalReader r = wal.reader(0)) {
                        WalRecord record;
                        while ((record = r.next()) != null) {
                            returned.put(record.sequence(), record.payload());
                        }
                    }
                }
            }
            durableAtRead = wal.durableSequence();
        } finally {
            // The power is cut the moment the reader returned; whatever was durable stays.
            stop.set(true);
        }
        SimulatedDisk after = disk.crash(new Random(caseSeed ^ 0x5DEECE66DL));
        producer.join();
        try {
            wal.close();
        } catch (IOException expected) {
            // The disk is off.
        }
        String[] readers = {"recover()", "replay", "reader"};
        try (WriteAheadLog reopened = WriteAheadLog.open(dir, options.withStorage(after))) {
            Map<Long, byte[]> survived = new TreeMap<>();
            reopened.recover().forEach(r -> survived.put(r.sequence(), r.payload()));
            for (Map.Entry<Long, byte[]> e : returned.entrySet()) {
                byte[] kept = survived.get(e.getKey());
                if (kept == null) {
                    return readers[reader] + " returned up to " + ((TreeMap<Long, byte[]>) returned).lastKey()
                            + " (durable " + durableAtRead + " right after), the power cut kept only up to "
                            + reopened.lastSequence() + ": record " + e.getKey() + " is gone";
                }
                assertArrayEquals(e.getValue(), kept, "payload of " + e.getKey());
            }
        }
        assertTrue(returned.isEmpty() || returned.keySet().iterator().next() == 1, "a reader from 0 starts at 1");
        return null;
    }
}
