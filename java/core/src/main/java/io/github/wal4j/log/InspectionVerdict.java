package io.github.wal4j.log;

import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.inspect.Verdict;
import io.github.wal4j.spi.Storage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The verdict of {@link io.github.wal4j.inspect.LogInspection#verify()}: the checkpoint read as open
 * reads it, the snapshot it names checked as open checks it ({@link SnapshotCheck}, without the
 * rename open would do), then {@link Recovery#inspect} over every segment. Changes nothing.
 */
final class InspectionVerdict {

    private InspectionVerdict() {
    }

    static Verdict of(Storage storage, Path dir, int maxRecordSize, SegmentKeys keys) throws IOException {
        long started = System.nanoTime();
        List<Finding> findings = new ArrayList<>();
        Checkpoint checkpoint;
        try {
            checkpoint = new CheckpointStore(storage, dir, keys).read();
        } catch (WalCorruptedException e) {
            long size = Files.size(dir.resolve(LogFiles.CHECKPOINT));
            findings.add(new Finding(LogFiles.CHECKPOINT, Kind.CORRUPTION, 0, 0, e.offset(), size,
                    "damaged checkpoint file: " + e.reason() + "; it is replaced atomically, so this is not a torn"
                            + " write, and which records it covers is unknown: restore it from a backup"));
            return new Verdict(Verdict.outcomeOf(findings), findings, null, null, List.of(), millisSince(started));
        }
        findings.addAll(checkSnapshot(storage, checkpoint));
        RecoveryReport report = Recovery.inspect(storage, dir, maxRecordSize, checkpoint, keys);
        findings.addAll(report.findings());
        boolean present = storage.exists(dir.resolve(LogFiles.CHECKPOINT));
        return new Verdict(Verdict.outcomeOf(findings), findings, LogInspector.info(checkpoint, present), report,
                staleTemporaries(checkpoint), millisSince(started));
    }

    /** The {@code <snapshot>.*.wal4j.tmp} files beside the snapshot, except the committed one. */
    private static List<Path> staleTemporaries(Checkpoint checkpoint) throws IOException {
        Path snapshot = checkpoint.snapshot();
        Path parent = snapshot == null ? null : snapshot.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return List.of();
        }
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, snapshot.getFileName() + ".*.wal4j.tmp")) {
            for (Path entry : entries) {
                if (!entry.equals(checkpoint.snapshotTemporary())) {
                    stale.add(entry);
                }
            }
        }
        stale.sort(null);
        return stale;
    }

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    /**
     * The snapshot checks of open (docs/security/wal.md, section 5, step 2: the file there, its
     * length and CRC32C), without the rename open would do.
     */
    private static List<Finding> checkSnapshot(Storage storage, Checkpoint checkpoint) throws IOException {
        Path snapshot = checkpoint.snapshot();
        if (snapshot == null) {
            return List.of();
        }
        List<Finding> findings = new ArrayList<>();
        Path file = SnapshotCheck.committedFile(storage, checkpoint);
        if (!file.equals(snapshot)) {
            findings.add(new Finding(snapshot.getFileName().toString(), Kind.SNAPSHOT_ROLLED_FORWARD, 0, 0, 0,
                    checkpoint.snapshotLength(), "the checkpoint covering up to " + checkpoint.upToSequence()
                            + " had committed but its snapshot is still named " + file.getFileName()
                            + "; opening the log completes the rename"));
        }
        try {
            SnapshotCheck.check(storage, file, checkpoint);
        } catch (WalCorruptedException e) {
            long size = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? Files.size(file) : 0;
            findings.add(new Finding(snapshot.getFileName().toString(), Kind.CORRUPTION, 0, 0, 0, size,
                    file + ": " + e.reason()));
        }
        return findings;
    }
}
