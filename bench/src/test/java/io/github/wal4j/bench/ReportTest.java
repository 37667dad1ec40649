package io.github.wal4j.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static Result result(String subject, Cell cell, int rep, long records, long deviceBytes) {
        return new Result(subject, cell, rep, records, 1.0, Harness.histogram(), Map.of(), -1, deviceBytes, "");
    }

    private static String report(List<String> subjects) {
        Options o = Options.parse(new String[] {"--full", "--cells", "100x16", "--windows", "none"});
        Report report = new Report(o, Map.of(), "0 0 0");
        Cell cell = Cell.sync(16, 100);
        for (int rep = 1; rep <= 2; rep++) {
            for (String s : subjects) {
                long records = switch (s) {
                    case CCeiling.NAME -> 100_000;
                    case CCeiling.ZEROED -> 200_000;
                    case "wal4j-native" -> 50_000;
                    case "wal4j-native-recycled" -> 180_000;
                    default -> 150_000;
                };
                long device = switch (s) {
                    case "wal4j-native" -> -1;
                    case "wal4j-native-recycled" -> records * 102;
                    default -> records * 100 * 3;
                };
                report.add(result(s, cell, rep, records, device));
            }
        }
        return report.markdown();
    }

    @Test
    void showsTheSteadyStateAgainstTheZeroFilledCeilingAndTheFreshLogAgainstTheFallocatedOne() {
        String md = report(List.of(CCeiling.NAME, CCeiling.ZEROED, "wal4j-native", "wal4j-native-steady"));
        assertTrue(md.contains("| cell | wal4j-native / c-ceiling | wal4j-native-steady / c-ceiling-zeroed | wal4j-native / c-ceiling-zeroed |"), md);
        assertTrue(md.contains("| 100 B t=16 | **0.50** (0.50, 0.50) | **0.75** (0.75, 0.75) | **0.25** (0.25, 0.25) |"), md);
        // The goal rows: the steady subject first, the fresh log kept and labelled.
        String steadyRow = "| 16 threads, 100 B: >= 0.7x the C batch of N=16 records per fdatasync (zero-filled) "
                + "| wal4j-native-steady (steady state: a prepared segment) | **0.75** (0.75, 0.75) | met |";
        String freshRow = "| 16 threads, 100 B: >= 0.7x the C batch of N=16 records per fdatasync (zero-filled) "
                + "| wal4j-native (fresh log: its first segment, fallocated / grown) | **0.25** (0.25, 0.25) | **not met** |";
        assertTrue(md.contains(steadyRow), md);
        assertTrue(md.contains(freshRow), md);
        assertTrue(md.indexOf(steadyRow) < md.indexOf(freshRow), "steady rows first");
        assertTrue(md.contains("| wal4j-native-steady / wal4j-native |"), "the steady/fresh ratio");
        assertTrue(md.contains("* `wal4j-native-steady`: wal4j-native in its steady state"), "the subject's description");
    }

    @Test
    void writesDeviceBytesPerPayloadByteAndLeavesThemBlankWhereNotMeasured() {
        String md = report(List.of(CCeiling.ZEROED, "wal4j-native", "wal4j-native-steady"));
        assertTrue(md.contains("| alloc B/record | device B/payload B |"), md);
        assertTrue(md.contains("| 100 B t=16 | wal4j-native-steady | 150,000 (150,000-150,000) | 15.00 | n/a | n/a | n/a |  |  | 3.00 |"), md);
        assertTrue(md.contains("| 100 B t=16 | wal4j-native | 50,000 (50,000-50,000) | 5.00 | n/a | n/a | n/a |  |  |  |"), md);
        assertTrue(md.contains("3.00 device B/payload B"), "the run line");
        assertTrue(md.contains("For the -steady subjects a window also holds the next segment's preparation"), md);
    }

    @Test
    void withoutSteadySubjectsThereIsNoLikeForLikeTable() {
        String md = report(List.of(CCeiling.NAME, CCeiling.ZEROED, "wal4j-native"));
        assertTrue(!md.contains("Like for like"), md);
        assertTrue(!md.contains("For the -steady subjects"), md);
        assertTrue(md.contains("| wal4j-native (fresh log: its first segment, fallocated / grown) |"), md);
    }

    @Test
    void showsTheRecycledStateAgainstTheZeroFilledCeilingNextToTheSteadyStateWithDeviceBytes() {
        String md = report(List.of(CCeiling.NAME, CCeiling.ZEROED, "wal4j-native", "wal4j-native-steady", "wal4j-native-recycled"));
        assertTrue(md.contains("| cell | wal4j-native / c-ceiling | wal4j-native-steady / c-ceiling-zeroed "
                + "| wal4j-native-recycled / c-ceiling-zeroed | wal4j-native / c-ceiling-zeroed |"), md);
        assertTrue(md.contains("| 100 B t=16 | **0.50** (0.50, 0.50) | **0.75** (0.75, 0.75) | **0.90** (0.90, 0.90) "
                + "| **0.25** (0.25, 0.25) |"), md);
        // Device bytes per payload byte of the same implementations, blank where not measured.
        assertTrue(md.contains("| cell | wal4j-native | c-ceiling | wal4j-native-steady | c-ceiling-zeroed | wal4j-native-recycled |"), md);
        assertTrue(md.contains("| 100 B t=16 |  | 3.00 | 3.00 | 3.00 | 1.02 |"), md);
        String recycledRow = "| 16 threads, 100 B: >= 0.7x the C batch of N=16 records per fdatasync (zero-filled) "
                + "| wal4j-native-recycled (recycled steady state: a recycled segment, a checkpoint every 50 ms) "
                + "| **0.90** (0.90, 0.90) | met |";
        assertTrue(md.contains(recycledRow), md);
        assertTrue(md.contains("| wal4j-native-recycled / wal4j-native-steady |"), "recycled against steady");
        assertTrue(md.contains("For the -recycled subjects a window also holds a checkpoint every 50 ms"), md);
        assertTrue(md.contains("* `wal4j-native-recycled`: wal4j-native in the steady state of a log that checkpoints"), md);
    }
}
