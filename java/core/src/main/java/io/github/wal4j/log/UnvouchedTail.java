package io.github.wal4j.log;

import io.github.wal4j.spi.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The batches at the end of the newest segment that no later batch vouches for, and whether the
 * disk holds them.
 *
 * <p>A batch's durable-through mark is written only after the records it names were fdatasync'ed
 * with success, so every record up to a mark that a valid batch carries is on the disk, whatever
 * happened since. The batches after the last such record (in SYNC mode the last batch; in BUFFERED
 * mode every batch since the last fsync; a clean-close seal) are known only from the page cache, and
 * after a failed fdatasync Linux marks their pages clean without writing them: a buffered read
 * still returns them, and a sync on a new descriptor returns 0 without writing them. Recovery
 * compares them with a read from the device ({@link io.github.wal4j.spi.Storage#openDeviceRead})
 * before it adopts them. A seal or batch in the middle of the segment is vouched for like any
 * other: a later batch's mark covers everything before it, and the session that wrote that batch
 * had checked the tail it continued.
 */
final class UnvouchedTail {
    private static final int CHUNK = 1 << 20;

    /** {offset, first sequence, record count} of each batch not vouched for yet, in file order. */
    private final ArrayDeque<long[]> batches = new ArrayDeque<>();

    /** Notes the batch the scan accepted at {@code offset}; its mark vouches for earlier batches. */
    void add(long offset, long firstSequence, int recordCount, long durableThrough) {
        while (!batches.isEmpty() && batches.peekFirst()[1] + batches.peekFirst()[2] - 1 <= durableThrough) {
            batches.pollFirst();
        }
        batches.addLast(new long[] {offset, firstSequence, recordCount});
    }

    /** The offset of the first batch no later batch vouches for, or -1 if there is none. */
    long from() {
        return batches.isEmpty() ? -1 : batches.peekFirst()[0];
    }

    /** The offset and first sequence of the unvouched batch holding byte {@code offset}. */
    long[] batchAt(long offset) {
        long[] found = batches.peekFirst();
        for (long[] b : batches) {
            if (b[0] > offset) {
                break;
            }
            found = b;
        }
        return new long[] {found[0], found[1]};
    }

    /**
     * The first offset in {@code [from, to)} where the device holds other bytes than the page cache
     * shows (or none at all), or -1 if it holds them all.
     */
    static long firstDifference(StorageFile cached, StorageFile device, long from, long to) throws IOException {
        ByteBuffer a = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(0, to - from)));
        ByteBuffer b = ByteBuffer.allocate(a.capacity());
        for (long offset = from; offset < to; ) {
            int length = (int) Math.min(a.capacity(), to - offset);
            int gotA = cached.readFully(a.clear().limit(length), offset).position();
            int gotB = device.readFully(b.clear().limit(length), offset).position();
            // The page cache may end before `to` (a batch's padding cut off with the file's end):
            // only the bytes it has are compared, and the device must have each of them.
            int same = b.flip().limit(Math.min(gotA, gotB)).mismatch(a.flip().limit(Math.min(gotA, gotB)));
            if (same >= 0) {
                return offset + same;
            }
            if (gotB < gotA) {
                return offset + gotB;
            }
            if (gotA < length) {
                return -1;
            }
            offset += length;
        }
        return -1;
    }
}
