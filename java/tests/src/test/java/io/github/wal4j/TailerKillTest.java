package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.KillLoop;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 of a writer with a tailer in its JVM ({@link TailingChild}): the tailer saved its
 * position with every record it was handed (one whole line each) and dies with the writer. After
 * each kill, in this JVM: the saved positions run 1, 2, 3, ... across every round so far (each
 * round's child resumed from the last saved position: nothing lost, nothing delivered twice);
 * every record the tailer was handed and every acknowledged append is in the reopened log, with
 * the payload it had; and a new tailer from the saved position delivers exactly the rest of the
 * log, in order. Seeded kill points ({@code -Dwal4j.seed} replays them).
 */
class TailerKillTest {
    @TempDir
    Path tmp;

    @Test
    void aNewTailerResumesFromTheSavedPositionWithNothingLostOrRepeated() throws Exception {
        KillLoop loop = KillLoop.seeded().rounds(3).killAfterAcknowledgements(20, 400);
        Path work = tmp.resolve("work");
        int[] resumed = new int[1];
        loop.run(TailingChild.class, work, (round, dir, acknowledged) -> {
            String where = "seed " + loop.seed() + ", round " + round;
            List<String> saved = AckFile.readAll(dir.resolve("tailer.pos"));
            try (WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"))) {
                Map<Long, byte[]> log = new HashMap<>();
                wal.recover().forEach(r -> log.put(r.sequence(), r.payload()));
                for (int i = 0; i < saved.size(); i++) {
                    String[] f = saved.get(i).split(" ");
                    long sequence = Long.parseLong(f[0]);
                    assertEquals(i + 1, sequence, where + ": saved positions must run 1, 2, 3, ...: " + saved.get(i));
                    byte[] payload = log.get(sequence);
                    assertNotNull(payload, where + ": the tailer was handed " + sequence + ", the log lost it");
                    assertEquals(Long.parseLong(f[1]), TailingChild.crc(payload), where + ": payload of " + sequence);
                }
                for (String line : acknowledged) {
                    if (line.startsWith("ACK ")) {
                        long sequence = Long.parseLong(line.substring(4));
                        assertTrue(log.containsKey(sequence), where + ": acknowledged " + sequence + " is lost");
                    }
                }
                long position = saved.size() + 1;
                long last = wal.lastSequence();
                try (WalTailer tailer = wal.tail(position, TailOptions.defaults())) {
                    for (long s = position; s <= last; s++) {
                        WalRecord r = tailer.next(Duration.ofSeconds(20));
                        assertNotNull(r, where + ": the resumed tailer stopped before " + s);
                        assertEquals(s, r.sequence(), where + ": resumed out of order");
                        assertTrue(java.util.Arrays.equals(log.get(s), r.payload()), where + ": payload of " + s);
                    }
                    assertEquals(null, tailer.next(Duration.ZERO), where + ": nothing after the last record");
                }
                resumed[0] += (int) (last - position + 1);
                assertEquals(log.size(), last, where + ": the log holds every sequence up to its last");
            }
        });
        System.out.println("[wal4j] TailerKillTest: the parent's tailers resumed " + resumed[0] + " records");
    }
}
