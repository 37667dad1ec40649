package io.github.wal4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.example.AppendingChild;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill loop with a child that appends and acknowledges: each round's child is SIGKILLed after
 * its acknowledgements, the check recovers in this JVM, every acknowledged record is there once and
 * in order across rounds, and a failing check names the seed and the round.
 */
class KillLoopTest {
    @TempDir
    Path tmp;

    @Test
    void everyAcknowledgedAppendSurvivesEachKillOnceAndInOrder() throws Exception {
        List<Integer> rounds = new ArrayList<>();
        KillLoop loop = KillLoop.seeded().rounds(3).killAfterAcknowledgements(5, 60);
        List<String> all = loop.run(AppendingChild.class, tmp.resolve("work"), (round, dir, acknowledged) -> {
            rounds.add(round);
            try (WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"))) {
                List<WalRecord> records = wal.recover();
                assertTrue(records.size() >= acknowledged.size(), "seed " + loop.seed() + ": "
                        + records.size() + " records, " + acknowledged.size() + " acknowledged");
                for (int i = 0; i < records.size(); i++) {
                    assertEquals(i + 1, records.get(i).sequence());
                    assertEquals("record " + (i + 1), new String(records.get(i).payload(), StandardCharsets.US_ASCII));
                }
                // A record appended but not yet acknowledged at a kill is in the log unacknowledged:
                // acknowledged sequences grow, with such gaps, and every one is among the records.
                long previous = 0;
                for (String line : acknowledged) {
                    long sequence = Long.parseLong(line.substring("ACK ".length()));
                    assertTrue(sequence > previous, "acknowledged twice or out of order: " + line);
                    assertTrue(sequence <= records.size(), "acknowledged " + sequence + " but recovered only "
                            + records.size() + " (seed " + loop.seed() + ")");
                    previous = sequence;
                }
            }
        });
        assertEquals(List.of(1, 2, 3), rounds);
        assertTrue(all.size() >= 15, "at least 5 acknowledgements per round: " + all.size());
    }

    @Test
    void aFailingCheckNamesTheSeedAndTheRound() {
        KillLoop loop = KillLoop.withSeed(99).rounds(2).killAfterAcknowledgements(1, 3);
        AssertionError e = assertThrows(AssertionError.class, () -> loop.run(AppendingChild.class, tmp.resolve("w2"),
                (round, dir, acknowledged) -> {
                    if (round == 2) {
                        throw new AssertionError("invariant broken on purpose");
                    }
                }));
        assertTrue(e.getMessage().startsWith("kill loop seed 99, round 2"), e.getMessage());
        assertTrue(e.getMessage().contains("invariant broken on purpose"), e.getMessage());
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> KillLoop.withSeed(1).rounds(0));
        assertThrows(IllegalArgumentException.class, () -> KillLoop.withSeed(1).killAfterAcknowledgements(5, 4));
        assertThrows(IllegalArgumentException.class, () -> KillLoop.withSeed(1).timeoutMillis(0));
    }
}
