package io.github.wal4j.bench;

import io.github.wal4j.format.Alignment;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import io.github.wal4j.format.SegmentHeader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * What one CRC32C pass per record instead of two saves (issue 20, recovery): the record checksum of
 * segment format versions 1 and 2 is CRC32C over (salt, sequence) and then over (length, payload),
 * two calls of the JDK's CRC32C per record ({@code Checksums.ofFramedRecord}); version 3 makes one
 * call over length and payload and XORs the record's place ({@code RecordFormat.checksum},
 * {@code Checksums.ofFramedRecordOnePass}). Frames records of SIZE bytes into two direct buffers of
 * about 64 MiB each (as recovery's window holds them after the read), one per version, and walks
 * them, interleaved A B C A B C, with (A) the library's version-1 check, (B) one bare CRC32C call
 * over length and payload (the floor: what no format can go below), (C) the library's version-3
 * check. Prints ns per record (the thread's CPU time, steadier than wall time on a loaded machine)
 * for each round.
 * With a buffer smaller than the caches (the third argument, in KiB) each round walks it again
 * until about 64 MiB of records were checked: the records recovery checks right after its
 * {@code pread} copied them are in cache.
 * Usage: {@code ChecksumPassProbe [size, default 100] [rounds, default 8] [buffer KiB, default 65536]}.
 */
public final class ChecksumPassProbe {
    private static final long SALT = 0x5a17_5a17_5a17_5a17L;

    private ChecksumPassProbe() {
    }

    public static void main(String[] a) {
        int size = a.length > 0 ? Integer.parseInt(a[0]) : 100;
        int rounds = a.length > 1 ? Integer.parseInt(a[1]) : 8;
        int framed = RecordFormat.framedSize(size);
        long bufferBytes = (a.length > 2 ? Long.parseLong(a[2]) : 65536) << 10;
        int count = (int) Math.max(1, bufferBytes / framed);
        int walks = (int) Math.max(1, (64L << 20) / ((long) count * framed));
        ByteBuffer buffer = ByteBuffer.allocateDirect(count * framed);
        byte[] payload = new byte[size];
        new Random(1).nextBytes(payload);
        Checksums checksums = new Checksums();
        for (int i = 0; i < count; i++) {
            RecordFormat.encode(buffer, SALT, i + 1, payload, RecordSealer.PLAIN, checksums);
        }
        ByteBuffer v3 = ByteBuffer.allocateDirect(count * framed);
        SegmentHeader v3Segment = new SegmentHeader(Alignment.BLOCK, 1, SALT, 1)
                .withVersion(SegmentHeader.VERSION_ONE_PASS);
        for (int i = 0; i < count; i++) {
            RecordFormat.encode(v3, v3Segment, i + 1, payload, RecordSealer.PLAIN, checksums);
        }
        // The bare one-call variant needs its own stored values: computed once, outside the timing.
        int[] onePass = new int[count];
        CRC32C crc = new CRC32C();
        ByteBuffer range = buffer.duplicate();
        for (int i = 0, p = 0; i < count; i++, p += framed) {
            crc.reset();
            crc.update(range.limit(p + 4 + size).position(p));
            onePass[i] = (int) crc.getValue();
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf("# ChecksumPassProbe %d B records, %d in a buffer of %d KiB walked %d times a round; load %s%n",
                size, count, buffer.capacity() >> 10, walks, loadAverage());
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
            for (int variant = 0; variant < 3; variant++) {
                long cpu = threads.getCurrentThreadCpuTime();
                long bad = 0;
                for (int w = 0; w < walks; w++) {
                    bad += switch (variant) {
                        case 0 -> twoPasses(buffer, count, size, checksums);
                        case 1 -> onePass(buffer, count, size, onePass, crc);
                        default -> versionThree(v3, count, size, checksums);
                    };
                }
                double ns = (threads.getCurrentThreadCpuTime() - cpu) / ((double) count * walks);
                if (bad != 0) {
                    throw new IllegalStateException(bad + " records failed");
                }
                line.append(String.format(" %s %.1f ns", new String[] {"v1-two-calls", "bare-one-call", "v3-one-pass"}[variant],
                        ns));
            }
            System.out.println(line);
        }
    }

    /** The library's check of every record: bounds, then {@code Checksums.ofFramedRecord} (two CRC32C calls). */
    private static long twoPasses(ByteBuffer b, int count, int size, Checksums checksums) {
        long bad = 0;
        for (int i = 0, p = 0; i < count; i++) {
            int length = RecordFormat.lengthAt(b, p);
            if (length != size || RecordFormat.checksumAt(b, p, length)
                    != checksums.ofFramedRecord(SALT, i + 1, b, p, length)) {
                bad++;
            }
            p += RecordFormat.OVERHEAD + length;
        }
        return bad;
    }

    /** The library's check of every record of a version-3 segment: bounds, then {@code RecordFormat.checksum}. */
    private static long versionThree(ByteBuffer b, int count, int size, Checksums checksums) {
        long bad = 0;
        for (int i = 0, p = 0; i < count; i++) {
            int length = RecordFormat.lengthAt(b, p);
            if (length != size || RecordFormat.checksumAt(b, p, length)
                    != RecordFormat.checksum(true, SALT, i + 1, b, p, length, checksums)) {
                bad++;
            }
            p += RecordFormat.OVERHEAD + length;
        }
        return bad;
    }

    /** One bare CRC32C call over length and payload per record. */
    private static long onePass(ByteBuffer b, int count, int size, int[] stored, CRC32C crc) {
        ByteBuffer range = b.duplicate();
        long bad = 0;
        for (int i = 0, p = 0; i < count; i++) {
            int length = RecordFormat.lengthAt(b, p);
            crc.reset();
            crc.update(range.limit(p + 4 + length).position(p));
            if (length != size || (int) crc.getValue() != stored[i]) {
                bad++;
            }
            p += RecordFormat.OVERHEAD + length;
        }
        return bad;
    }

    private static String loadAverage() {
        return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
