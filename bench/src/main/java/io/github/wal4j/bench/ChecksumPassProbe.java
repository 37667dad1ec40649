package io.github.wal4j.bench;

import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * What one CRC32C pass per record instead of two would save (issue 20, recovery): the record
 * checksum of format version 1 is CRC32C over (salt, sequence) and then over (length, payload),
 * two calls of the JDK's CRC32C per record ({@code Checksums.ofFramedRecord}); a format that kept
 * the binding to salt and sequence without feeding them through the CRC (for instance the CRC of
 * length and payload alone, combined with a cheap mix of salt and sequence) would make one call.
 * Not a format: a measurement. Frames records of SIZE bytes into a direct buffer of about 64 MiB
 * (as recovery's window holds them after the read) and walks it, interleaved A B C A B C, with
 * (A) the library's check, (B) one CRC32C call over length and payload, (C) B plus the mix a
 * one-pass format would add. Prints ns per record (the thread's CPU time, steadier than wall
 * time on a loaded machine) for each round.
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
        // The one-pass variants need their own stored values: computed once, outside the timing.
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
                        case 1 -> onePass(buffer, count, size, onePass, crc, false);
                        default -> onePass(buffer, count, size, onePass, crc, true);
                    };
                }
                double ns = (threads.getCurrentThreadCpuTime() - cpu) / ((double) count * walks);
                if (bad != 0) {
                    throw new IllegalStateException(bad + " records failed");
                }
                line.append(String.format(" %s %.1f ns", new String[] {"two-calls", "one-call", "one-call+mix"}[variant],
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

    /** One CRC32C call over length and payload per record; with {@code mix}, also a mix of salt and sequence. */
    private static long onePass(ByteBuffer b, int count, int size, int[] stored, CRC32C crc, boolean mix) {
        ByteBuffer range = b.duplicate();
        long bad = 0;
        for (int i = 0, p = 0; i < count; i++) {
            int length = RecordFormat.lengthAt(b, p);
            crc.reset();
            crc.update(range.limit(p + 4 + length).position(p));
            int value = (int) crc.getValue();
            int expected = stored[i];
            if (mix) {
                // What a one-pass format would fold in instead of feeding 16 bytes through the CRC.
                long m = (SALT ^ (i + 1)) * 0x9E3779B97F4A7C15L;
                value ^= (int) (m ^ (m >>> 32));
                expected ^= (int) (m ^ (m >>> 32));
            }
            if (length != size || value != expected) {
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
