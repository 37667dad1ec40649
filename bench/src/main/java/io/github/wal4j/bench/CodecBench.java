package io.github.wal4j.bench;

import io.github.wal4j.WalRecord;
import io.github.wal4j.format.BatchHeader;
import io.github.wal4j.format.Checksums;
import io.github.wal4j.format.AeadSealer;
import io.github.wal4j.format.MacChainSealer;
import io.github.wal4j.format.RecordFormat;
import io.github.wal4j.format.RecordSealer;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The per-record hot paths of the format, as the library runs them: the writer frames each record
 * into its direct batch buffer ({@code RecordFormat.encode}: the caller's array copied in, CRC32C
 * over salt, sequence, length and payload in place), and recovery checks each record
 * in place ({@code SegmentCursor}: length bounds, {@code Checksums.ofFramedRecord}) and replay hands
 * it out as a {@link WalRecord} with its own copy of the payload. Run by {@link Jmh} with {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBench {
    @Param({"100", "1024", "65536"})
    public int size;

    private final Checksums checksums = new Checksums();
    private final long salt = 0x5a17_5a17_5a17_5a17L;
    private final long sequence = 1_000_000L;
    private byte[] payload;
    private ByteBuffer batch;
    private ByteBuffer framed;

    @Setup
    public void setUp() {
        payload = new byte[size];
        new Random(size).nextBytes(payload);
        batch = ByteBuffer.allocateDirect(RecordFormat.framedSize(size));
        framed = ByteBuffer.allocateDirect(RecordFormat.framedSize(size));
        RecordFormat.encode(framed, salt, sequence, payload, RecordSealer.PLAIN, checksums);
        framed.flip();
    }

    /** Frames one record into the batch buffer: length, payload, CRC32C (the writer's per-record work). */
    @Benchmark
    public int encode() {
        batch.clear();
        RecordFormat.encode(batch, salt, sequence, payload, RecordSealer.PLAIN, checksums);
        return batch.position();
    }

    /**
     * Checks one framed record as recovery and replay do ({@code SegmentCursor}): length bounds,
     * then the CRC32C over the length field and payload in place ({@code Checksums.ofFramedRecord}).
     */
    @Benchmark
    public int decodeValidate() {
        ByteBuffer body = framed;
        int length = body.getInt(0);
        if (length < 0 || length > body.limit() - RecordFormat.OVERHEAD) {
            throw new IllegalStateException("bad length");
        }
        int stored = body.getInt(4 + length);
        if (stored != checksums.ofFramedRecord(salt, sequence, body, 0, length)) {
            throw new IllegalStateException("checksum mismatch");
        }
        return length;
    }

    /** decodeValidate, then the record as {@code replay} returns it: a WalRecord owning a copy of the payload. */
    @Benchmark
    public WalRecord decodeToRecord() {
        ByteBuffer body = framed;
        int length = body.getInt(0);
        int stored = body.getInt(4 + length);
        if (stored != checksums.ofFramedRecord(salt, sequence, body, 0, length)) {
            throw new IllegalStateException("checksum mismatch");
        }
        byte[] bytes = new byte[length];
        body.get(4, bytes);
        return new WalRecord(sequence, bytes);
    }

    /** A sealer of a protected segment (issue 8): AES-256-GCM per record, or the HMAC-SHA256 chain. */
    @State(Scope.Thread)
    public static class Sealing {
        @Param({"aes", "hmac"})
        public String protection;
        RecordSealer sealer;
        ByteBuffer buffer;
        long next = 1; // AES-GCM derives the nonce from the sequence: the JDK refuses a repeated one

        @Setup
        public void setUp(CodecBench bench) {
            byte[] key = new byte[32];
            new Random(1).nextBytes(key);
            sealer = protection.equals("aes") ? new AeadSealer(key, 7) : new MacChainSealer(key, new byte[32]);
            buffer = ByteBuffer.allocateDirect(RecordFormat.framedSize(bench.size + sealer.overhead()));
        }
    }

    /** {@link #encode} with the payload sealed, as the writer frames a record of a protected segment. */
    @Benchmark
    public int encodeSealed(Sealing s) {
        s.buffer.clear();
        RecordFormat.encode(s.buffer, salt, s.next++, payload, s.sealer, checksums);
        return s.buffer.position();
    }

    /** A batch header: encode with its CRC32C, then decode and check it (once per batch, not per record). */
    @State(Scope.Thread)
    public static class Header {
        final Checksums checksums = new Checksums();
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BatchHeader.SIZE);
        final BatchHeader header = new BatchHeader(16, 1_000_000L, 999_999L, 16 * 108, 0);
    }

    /** Encode, then check in place as the cursor does ({@code BatchHeader.check}: magic and CRC32C). */
    @Benchmark
    public boolean batchHeaderRoundTrip(Header h) {
        h.header.encode(h.buffer, 0, salt, 4096, h.checksums);
        if (!BatchHeader.check(h.buffer, 0, salt, 4096, h.checksums)) {
            throw new IllegalStateException("bad header");
        }
        return true;
    }
}
