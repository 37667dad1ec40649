package io.github.wal4j.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node over a WAL whose open finds a torn tail or damage behaves as the WAL does: the torn,
 * unacknowledged last batch is cut and the changes before it are applied; damage before valid
 * records refuses the open ({@link WalCorruptedException}) and nothing is applied to the database.
 *
 * <p>The crash image: a node applied change 1 and closed; then changes 2 and 3 were appended (one
 * batch each, as a crash between append and apply leaves them) and the WAL's files copied while it
 * was open ({@link LogDirs#copyLive}), with the database beside them. The damage is made on the copy.
 */
class NodeOverDamagedWalTest {
    private static final int ACCOUNTS = 4;

    @TempDir
    Path tmp;

    private static SqliteNodeOptions options() {
        return NodeDefaults.options().withSchema(Bank.schema(ACCOUNTS));
    }

    private static byte[] transfer(long id) {
        return new Bank.Transfer(id, (int) (id % ACCOUNTS), (int) ((id + 1) % ACCOUNTS), 7).encode();
    }

    /** The image's WAL directory; the database is {@code image/bank.db}. */
    private Path crashImage() throws Exception {
        Path live = tmp.resolve("live");
        try (SqliteCommitNode node = SqliteCommitNode.open(live.resolve("wal"), live.resolve("bank.db"), Bank.applier(),
                options())) {
            assertEquals(1, node.commit(transfer(1)));
        }
        Path image = Files.createDirectories(tmp.resolve("image"));
        try (WriteAheadLog wal = WriteAheadLog.open(live.resolve("wal"))) {
            assertEquals(2, wal.append(transfer(2)));
            assertEquals(3, wal.append(transfer(3)));
            LogDirs.copyLive(live.resolve("wal"), image.resolve("wal"));
        }
        try (var files = Files.list(live)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, image.resolve(f.getFileName()));
            }
        }
        return image.resolve("wal");
    }

    /** The segment holding {@code sequence}, and its layout. */
    private static SegmentLayout segmentOf(Path walDir, long sequence) throws IOException {
        for (Path segment : LogDirs.segments(walDir)) {
            SegmentLayout layout = SegmentLayout.read(segment);
            if (layout.dataBatches().stream().anyMatch(b -> sequence >= b.firstSequence()
                    && sequence < b.firstSequence() + b.count())) {
                return layout;
            }
        }
        throw new AssertionError("no segment of " + walDir + " holds change " + sequence);
    }

    @Test
    void aTornLastBatchIsCutAndTheChangesBeforeItAreApplied() throws Exception {
        Path wal = crashImage();
        Path db = wal.resolveSibling("bank.db");
        SegmentLayout layout = segmentOf(wal, 3);
        SegmentLayout.Record three = layout.record(3);
        // The write of change 3's batch reached the disk only up to the middle of its payload.
        FileDamage.zero(layout.file(), three.payloadOffset() + 1, (int) (three.end() - three.payloadOffset() - 1));
        try (SqliteCommitNode node = SqliteCommitNode.open(wal, db, Bank.applier(), options())) {
            assertEquals(1, node.replayedAtOpen(), "change 2 replayed; the torn change 3 cut");
            assertEquals(2, node.appliedSequence());
            assertEquals(2, node.checkpointSequence());
            assertEquals(3, node.commit(transfer(4)), "the cut sequence number goes to the next change");
        }
        assertEquals(List.of(1L, 2L, 4L), Bank.transfers(db));
    }

    @Test
    void damageBeforeValidRecordsRefusesTheOpenAndAppliesNothing() throws Exception {
        Path wal = crashImage();
        Path db = wal.resolveSibling("bank.db");
        SegmentLayout layout = segmentOf(wal, 2);
        // Change 2's payload rots on disk; change 3 after it is intact: acknowledged data is at stake.
        FileDamage.flipBit(layout.file(), layout.record(2).payloadOffset(), 3);
        for (int open = 0; open < 2; open++) {
            assertThrows(WalCorruptedException.class,
                    () -> SqliteCommitNode.open(wal, db, Bank.applier(), options()).close());
            assertEquals(List.of(1L), Bank.transfers(db), "nothing applied by the refused open " + open);
        }
        assertEquals(1, Bank.appliedRow(db));
    }
}
