package io.github.wal4j.log;

import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import io.github.wal4j.inspect.DataLoss;
import io.github.wal4j.inspect.Verdict;
import java.io.IOException;

/**
 * What a point-in-time cut at a verdict's first damage loses ({@link DataLoss}), found by
 * recovery's own search for batch headers behind damage ({@link SegmentCursor#highestSequenceFrom}
 * and {@link SegmentCursor#findDurableClaim}), in the damaged segment from the damage on and in
 * every later segment, a segment whose header does not decode included (its salt and alignment
 * taken as they are: {@link SegmentProbe#searchHeader}, as a point-in-time cut searches). Reads only.
 */
final class LossScan {

    private LossScan() {
    }

    static DataLoss of(LogInspector inspection, Verdict verdict) throws IOException {
        Finding damage = verdict.damage();
        if (damage == null) {
            throw new IllegalArgumentException("the verdict found no damage: " + verdict.outcome());
        }
        long damagedFrom = verdict.damagedSequence();
        long checkpoint = Math.max(0, verdict.checkpointSequence());
        long damagedId = LogFiles.segmentId(damage.file());
        long highest = 0;
        boolean sealed = false;
        for (long id : inspection.segmentIds()) {
            if (id < damagedId) {
                continue;
            }
            try (var file = inspection.storage().openRead(inspection.segmentPath(id))) {
                SegmentHeader header = SegmentProbe.searchHeader(file, id);
                if (header == null) {
                    continue;
                }
                SegmentCursor cursor = new SegmentCursor(file, header, file.size(), 0, RecordSealer.PLAIN);
                long from = Math.max(id == damagedId ? damage.offset() : 0, header.alignment());
                long named = cursor.highestSequenceFrom(from);
                if (named > 0) {
                    highest = Math.max(highest, named);
                    // Only a clean-close seal vouches for the highest sequence its segment names.
                    sealed = cursor.findDurableClaim(from, named) != null;
                }
            }
        }
        long last = highest >= damagedFrom ? highest : -1;
        return new DataLoss(Math.max(damagedFrom, checkpoint + 1), damagedFrom, last, sealed, checkpoint);
    }
}
