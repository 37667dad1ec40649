package io.github.wal4j.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Verdict}: the outcome its findings amount to, and where the first damage is. */
class VerdictTest {
    private static Finding finding(String file, Kind kind, long first, long next, long offset) {
        return new Finding(file, kind, first, next, offset, 100, "rule");
    }

    private static Verdict verdict(List<Finding> findings, long nextSequence) {
        RecoveryReport report = new RecoveryReport(findings, 0, nextSequence, 0, 0);
        return new Verdict(Verdict.outcomeOf(findings), findings, null, report, List.of(), 0);
    }

    @Test
    void anyCorruptionOutweighsATornTailWhichOutweighsClean() {
        Finding clean = finding("0000000000000001.wal", Kind.CLEAN, 1, 9, 4096);
        Finding torn = finding("0000000000000002.wal", Kind.TORN_TAIL, 9, 12, 8192);
        Finding damage = finding("0000000000000001.wal", Kind.CORRUPTION, 1, 5, 12288);
        assertEquals(Verdict.Outcome.CLEAN, Verdict.outcomeOf(List.of(clean)));
        assertEquals(Verdict.Outcome.TORN_TAIL, Verdict.outcomeOf(List.of(clean, torn)));
        assertEquals(Verdict.Outcome.CORRUPTION, Verdict.outcomeOf(List.of(torn, damage, clean)));
        assertEquals(Verdict.Outcome.CORRUPTION, Verdict.outcomeOf(List.of(finding("x", Kind.CORRUPTION_CUT, 1, 2, 0))));
    }

    @Test
    void theDamageIsTheFirstCorruptionWithItsFileOffsetAndSequence() {
        Verdict v = verdict(List.of(finding("0000000000000001.wal", Kind.CLEAN, 1, 9, 4096),
                finding("0000000000000002.wal", Kind.CORRUPTION, 9, 14, 20480),
                finding("0000000000000003.wal", Kind.CORRUPTION, 20, 30, 4096)), 14);
        assertEquals("0000000000000002.wal", v.damagedFile());
        assertEquals(20480, v.damagedOffset());
        assertEquals(14, v.damagedSequence());
    }

    @Test
    void aDamagedHeaderNamesNoSequenceSoTheDamageStartsWhereTheValidLogEnds() {
        Verdict v = verdict(List.of(finding("0000000000000002.wal", Kind.CORRUPTION, 0, 0, 0)), 31);
        assertEquals(31, v.damagedSequence());
        assertEquals(0, v.damagedOffset());
    }

    @Test
    void aCleanVerdictHasNoDamage() {
        Verdict v = verdict(List.of(finding("0000000000000001.wal", Kind.CLEAN, 1, 9, 4096)), 9);
        assertNull(v.damage());
        assertNull(v.damagedFile());
        assertEquals(-1, v.damagedOffset());
        assertEquals(-1, v.damagedSequence());
        assertEquals(9, v.nextSequence());
    }
}
