package io.github.wal4j.log;

import io.github.wal4j.format.Checkpoint;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JDK Flight Recorder events. They cost nothing unless a recording enables them; see
 * docs/security/wal.md, "Metrics and events": {@code jfr print --events io.github.wal4j.Fsync rec.jfr}.
 */
final class Events {
    private Events() {
    }

    @Name("io.github.wal4j.Fsync")
    @Label("WAL fdatasync")
    @Category({"wal4j"})
    @Description("One fdatasync of a segment: the durability point of a group-commit batch")
    static final class Fsync extends Event {
        @Label("Segment")
        String segment;
        @Label("Records made durable")
        int records;
        @Label("Bytes written since the previous sync")
        @DataAmount
        long bytes;
    }

    @Name("io.github.wal4j.SegmentRotation")
    @Label("WAL segment rotation")
    @Category({"wal4j"})
    @Description("The active segment was synced and a new one created")
    static final class SegmentRotation extends Event {
        @Label("New segment")
        String segment;
        @Label("First sequence")
        long firstSequence;
        @Label("Prepared ahead")
        @Description("Whether the segment's blocks were written (zeros, synced) before rotation")
        boolean prepared;
        @Label("Recycled")
        @Description("Whether the prepared file was a segment a checkpoint freed (its header rewritten with a new salt)")
        boolean recycled;
    }

    @Name("io.github.wal4j.Checkpoint")
    @Label("WAL checkpoint")
    @Category({"wal4j"})
    @Description("A checkpoint committed (snapshot written if any, checkpoint file replaced, covered segments deleted)")
    static final class Checkpoint extends Event {
        @Label("Up to sequence")
        long upToSequence;
        @Label("Snapshot bytes")
        @DataAmount
        long snapshotBytes;
        @Label("Segments deleted")
        int segmentsDeleted;
    }

    @Name("io.github.wal4j.Recovery")
    @Label("WAL recovery")
    @Category({"wal4j"})
    @Description("Open-time recovery of a log")
    static final class Recovery extends Event {
        @Label("Directory")
        String directory;
        @Label("Summary")
        String summary;
        @Label("Bytes cut")
        @DataAmount
        long bytesCut;
        @Label("Next sequence")
        long nextSequence;
    }
}
