package io.github.wal4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {
    @Test
    void theFullPresetHasTheSteadySubjectsAndTheQuickOneDoesNot() {
        Options full = Options.parse(new String[] {"--full"});
        assertTrue(full.subjects.containsAll(List.of("wal4j-native-steady", "wal4j-java-steady")), full.subjects.toString());
        Options quick = Options.parse(new String[] {"--quick"});
        assertFalse(quick.subjects.stream().anyMatch(s -> s.endsWith("-steady")), quick.subjects.toString());
        // --full after --quick, and back: the last preset wins.
        assertFalse(Options.parse(new String[] {"--full", "--quick"}).subjects.contains("wal4j-native-steady"));
    }

    @Test
    void theGoalCellsCommandParses() {
        Options o = Options.parse(new String[] {"--full", "--sections", "append", "--cells", "100x1,100x16,100x64,65536x16",
            "--windows", "none", "--subjects",
            "c-ceiling,c-ceiling-zeroed,c-group,wal4j-native,wal4j-native-steady,wal4j-java-steady,rocksdb", "--seconds", "1"});
        assertEquals(List.of(Cell.sync(1, 100), Cell.sync(16, 100), Cell.sync(64, 100), Cell.sync(16, 65536)), o.cells);
        assertEquals(0, o.windows.length);
        assertEquals(1.0, o.duration);
        assertEquals(2, o.reps);
        assertEquals(List.of("append"), o.sections);
        assertTrue(Options.HELP.contains("--windows LIST|none"));
        assertTrue(Options.parse(new String[] {"--help"}).help);
    }
}
