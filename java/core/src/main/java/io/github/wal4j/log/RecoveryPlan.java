package io.github.wal4j.log;

import io.github.wal4j.RecoveryReport;
import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.RecoveryReport.Kind;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What recovery found and the changes to the disk it decided on: the findings of its report, and
 * the actions that carry its verdicts out, planned while the log is judged and run only by
 * {@link #carryOut()}, once the whole log was judged acceptable. An inspection plans the same and
 * never carries it out. Each action makes its own change durable before the next one runs: a
 * truncated or rewritten file is synced, a deleted, created or renamed one is followed by a sync of
 * the directory.
 *
 * <p>Not thread-safe: one recovery's.
 */
final class RecoveryPlan {

    /** A change to the disk. */
    @FunctionalInterface
    private interface Action {
        void run() throws IOException;
    }

    private final Storage storage;
    private final Path dir;
    private final List<Finding> findings = new ArrayList<>();
    private final List<Action> actions = new ArrayList<>();
    private long bytesCut;

    RecoveryPlan(Storage storage, Path dir) {
        this.storage = storage;
        this.dir = dir;
    }

    /** Adds a finding to the report. */
    void report(Finding finding) {
        findings.add(finding);
    }

    /** Adds a finding of {@code bytes} cut to the report. */
    void reportCut(Finding finding, long bytes) {
        bytesCut += bytes;
        findings.add(finding);
    }

    /** The report of what was found, as of now. */
    RecoveryReport toReport(long checkpointed, long nextSequence, long millis) {
        return new RecoveryReport(List.copyOf(findings), checkpointed, nextSequence, bytesCut, millis);
    }

    /** Runs every planned change, in the order planned. */
    void carryOut() throws IOException {
        for (Action action : actions) {
            action.run();
        }
    }

    /**
     * Plans the removal of the temporary files among {@code names} (report {@code TEMPORARY_REMOVED})
     * and of the segments a checkpoint kept for recycling (report {@code FREED_REMOVED}, clean), then
     * one directory sync.
     */
    void removeTemporaries(List<String> names) {
        List<Path> temporaries = new ArrayList<>();
        for (String name : names) {
            if (LogFiles.isLeftover(name)) {
                temporaries.add(dir.resolve(name));
                findings.add(new Finding(name, Kind.TEMPORARY_REMOVED, 0, 0, 0, 0,
                        "an interrupted segment creation, segment preparation or checkpoint left it; its target was never"
                                + " committed"));
            } else if (LogFiles.isFreed(name)) {
                temporaries.add(dir.resolve(name));
                findings.add(new Finding(name, Kind.FREED_REMOVED, 0, 0, 0, 0,
                        "a segment a durable checkpoint freed and kept for recycling; it holds no live record"));
            }
        }
        if (!temporaries.isEmpty()) {
            actions.add(() -> {
                for (Path temporary : temporaries) {
                    storage.delete(temporary);
                }
                storage.syncDirectory(dir);
            });
        }
    }

    /** Plans the deletion of a segment. */
    void delete(Path path) {
        actions.add(() -> {
            storage.delete(path);
            storage.syncDirectory(dir);
        });
    }

    /** Plans cutting a segment at {@code offset}. */
    void truncate(Path path, long offset) {
        actions.add(() -> truncateNow(path, offset));
    }

    /** Point-in-time mode: plans keeping a copy of a segment as {@code .broken}, then cutting it at {@code offset}. */
    void copyAsideAndTruncate(Path path, long offset) {
        actions.add(() -> {
            copyAside(path);
            truncateNow(path, offset);
        });
    }

    /** Plans writing {@code [from, to)} of a file again, as it reads now, and syncing it. */
    void rewrite(Path path, long from, long to) {
        actions.add(() -> rewriteNow(path, from, to));
    }

    /** Point-in-time mode: plans moving whole segments after the cut to {@code .broken}. */
    void setAside(List<Long> ids) {
        List<Long> aside = List.copyOf(ids);
        for (long id : aside) {
            findings.add(new Finding(LogFiles.segmentName(id), Kind.SEGMENT_SET_ASIDE, 0, 0, 0, 0,
                    "after a point-in-time cut; kept as " + LogFiles.segmentName(id) + LogFiles.BROKEN_SUFFIX));
        }
        if (!aside.isEmpty()) {
            actions.add(() -> {
                for (long id : aside) {
                    Path path = dir.resolve(LogFiles.segmentName(id));
                    storage.rename(path, brokenName(path));
                }
                storage.syncDirectory(dir);
            });
        }
    }

    private void truncateNow(Path path, long offset) throws IOException {
        try (StorageFile file = storage.openWrite(path)) {
            file.truncate(offset);
            file.sync();
        }
    }

    private void rewriteNow(Path path, long from, long to) throws IOException {
        try (StorageFile file = storage.openWrite(path)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(1 << 20, to - from));
            for (long offset = from; offset < to; ) {
                b.clear().limit((int) Math.min(b.capacity(), to - offset));
                file.readFully(b, offset);
                b.flip();
                int length = b.remaining();
                if (length == 0) {
                    throw new EOFException(path + " ended at " + offset + " while its tail was written again"
                            + " (it shrank during recovery)");
                }
                file.write(b, offset);
                offset += length;
            }
            file.sync();
        }
    }

    private void copyAside(Path path) throws IOException {
        Path target = brokenName(path);
        try (StorageFile in = storage.openRead(path); StorageFile out = storage.create(target)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            long offset = 0;
            int n;
            while ((n = in.read(b.clear(), offset)) > 0) {
                out.write(b.flip(), offset);
                offset += n;
            }
            out.sync();
        }
        storage.syncDirectory(dir);
    }

    private Path brokenName(Path path) throws IOException {
        Path target = path.resolveSibling(path.getFileName() + LogFiles.BROKEN_SUFFIX);
        for (int n = 1; storage.exists(target); n++) {
            target = path.resolveSibling(path.getFileName() + LogFiles.BROKEN_SUFFIX + "." + n);
        }
        return target;
    }
}
