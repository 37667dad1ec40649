package io.github.wal4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.testing.internal.SegmentLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No format version drifts: the committed golden logs ({@link GoldenLogs}, written once under
 * {@code java/tests/src/test/resources/golden/v1} by wal4j before format version 3, and under
 * {@code golden/v3} since: segments of versions 1 and 2, and of version 3) still open and return
 * exactly their records, and
 * the format classes still write the same bytes for the same fields: every segment header, batch
 * header, plain record, checkpoint and clean-close mark, decoded from the golden file and encoded again, gives
 * the file's bytes back, and the padding between batches is zeros. A change to a layout fails here
 * before it can strand a user's log.
 */
class FormatGoldenFilesTest {
    private static final Path GOLDEN = Path.of(System.getProperty("wal4j.projectRoot", "../.."),
            "java/tests/src/test/resources/golden");

    @TempDir
    Path tmp;

    /** A golden log of one directory: {@code v1} (segment versions 1 and 2) or {@code v3}. */
    record Case(String directory, GoldenLogs.Golden golden) {
        Path source() {
            return GOLDEN.resolve(directory).resolve(golden.name());
        }

        /** The format version every segment header of this log carries. */
        int segmentVersion() {
            if (directory.equals("v3")) {
                return SegmentHeader.VERSION_ONE_PASS;
            }
            return golden.options().protection() == io.github.wal4j.Protection.NONE ? SegmentHeader.VERSION
                    : SegmentHeader.VERSION_PROTECTED;
        }

        @Override
        public String toString() {
            return directory + "/" + golden.name();
        }
    }

    static Stream<Case> logs() {
        return Stream.of("v1", "v3").flatMap(d -> GoldenLogs.ALL.stream().map(g -> new Case(d, g)));
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @ParameterizedTest
    @MethodSource("logs")
    void goldenLogOpensAndReturnsExactlyItsRecords(Case c) throws IOException {
        GoldenLogs.Golden golden = c.golden();
        Path source = c.source();
        assertTrue(Files.isDirectory(source), source + " is missing");
        Path dir = tmp.resolve(golden.name());
        Files.createDirectory(dir);
        for (Path f : files(source, "")) {
            Files.copy(f, dir.resolve(f.getFileName()));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, golden.options())) {
            assertTrue(wal.recoveryReport().clean(), () -> "not clean: " + wal.recoveryReport());
            assertEquals(golden.checkpoint(), wal.checkpointSequence());
            List<WalRecord> records = wal.recover();
            assertEquals(golden.lastSequence() - golden.checkpoint(), records.size(), "records recovered");
            long s = golden.checkpoint();
            for (WalRecord r : records) {
                s++;
                assertEquals(s, r.sequence());
                assertArrayEquals(GoldenLogs.payload(s), r.payload(), "payload of " + s);
            }
            assertEquals(golden.lastSequence() + 1, wal.append(new byte[] {1}), "the next sequence");
        }
    }

    @ParameterizedTest
    @MethodSource("logs")
    void formatClassesWriteTheGoldenBytesAgain(Case c) throws IOException {
        GoldenLogs.Golden golden = c.golden();
        Path source = c.source();
        Checksums checksums = new Checksums();
        List<Path> segments = files(source, ".wal");
        assertTrue(segments.size() >= 2, "the golden log rotated: " + segments);
        int records = 0;
        for (Path segment : segments) {
            byte[] bytes = Files.readAllBytes(segment);
            SegmentLayout layout = SegmentLayout.read(segment);
            int alignment = layout.alignment();
            SegmentHeader header = SegmentHeader.decode(ByteBuffer.wrap(bytes, 0,
                    Math.min(bytes.length, SegmentHeader.MAX_ENCODED_SIZE)), checksums).header()
                    .orElseThrow(() -> new AssertionError(segment + ": header no longer decodes"));
            assertEquals(layout.salt(), header.salt());
            assertEquals(c.segmentVersion(), header.version(), segment + ": format version");
            ByteBuffer again = ByteBuffer.allocate(alignment);
            header.encode(again, checksums);
            assertArrayEquals(Arrays.copyOf(bytes, alignment), again.array(), segment + ": segment header block");
            for (SegmentLayout.Batch b : layout.batches()) {
                int at = (int) b.offset();
                BatchHeader decoded = BatchHeader.decode(ByteBuffer.wrap(bytes), at, header.salt(), b.offset(), checksums);
                assertNotNull(decoded, segment + ": batch header at " + at + " no longer decodes");
                ByteBuffer h = ByteBuffer.allocate(BatchHeader.SIZE);
                decoded.encode(h, 0, header.salt(), b.offset(), checksums);
                assertArrayEquals(Arrays.copyOfRange(bytes, at, at + BatchHeader.SIZE), h.array(),
                        segment + ": batch header at " + at);
                if (!header.isProtected() && !b.isSeal()) {
                    for (SegmentLayout.Record r : b.records()) {
                        byte[] payload = GoldenLogs.payload(r.sequence());
                        ByteBuffer framed = ByteBuffer.allocate(RecordFormat.framedSize(payload.length));
                        RecordFormat.encode(framed, header, r.sequence(), payload, RecordSealer.PLAIN, checksums);
                        assertArrayEquals(Arrays.copyOfRange(bytes, (int) r.offset(), (int) r.end()), framed.array(),
                                segment + ": record " + r.sequence());
                        records++;
                    }
                }
                int end = (int) Math.min(b.end(), bytes.length);
                for (int i = (int) b.contentEnd(); i < end; i++) {
                    assertEquals(0, bytes[i], segment + ": padding byte at " + i);
                }
            }
        }
        if (golden.options().protection() == io.github.wal4j.Protection.NONE) {
            assertTrue(records > 0, "plain records were compared");
        }
        Path checkpointFile = source.resolve("CHECKPOINT");
        if (golden.checkpoint() > 0) {
            byte[] cp = Files.readAllBytes(checkpointFile);
            String[] why = new String[1];
            Checkpoint checkpoint = Checkpoint.decode(ByteBuffer.wrap(cp), why);
            assertNotNull(checkpoint, () -> "CHECKPOINT no longer decodes: " + why[0]);
            assertEquals(golden.checkpoint(), checkpoint.upToSequence());
            ByteBuffer encoded = checkpoint.encode();
            byte[] again = new byte[encoded.remaining()];
            encoded.get(again);
            assertArrayEquals(cp, again, "CHECKPOINT");
        } else {
            assertTrue(Files.notExists(checkpointFile), "no checkpoint in " + golden.name());
        }
        Path mark = source.resolve("CLOSE_MARK");
        byte[] markBytes = Files.readAllBytes(mark);
        String[] problem = new String[1];
        CloseMark decoded = CloseMark.decode(ByteBuffer.wrap(markBytes), problem);
        assertNotNull(decoded, () -> "CLOSE_MARK no longer decodes: " + problem[0]);
        assertArrayEquals(markBytes, Arrays.copyOf(decoded.encode().array(), markBytes.length), "CLOSE_MARK");
        assertEquals(markBytes.length, decoded.encode().remaining(), "CLOSE_MARK length");
    }
}
