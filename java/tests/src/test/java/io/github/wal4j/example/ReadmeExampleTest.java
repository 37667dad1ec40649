package io.github.wal4j.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.io.JavaStorage;
import io.github.wal4j.format.Checkpoint;
import io.github.wal4j.log.CheckpointStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's usage example is {@link Ledger}, compiled by the build: the README's block must be
 * that source file without its package line, and the example keeps every acknowledged change,
 * also across a crash between a checkpoint's commit and its snapshot's rename.
 */
class ReadmeExampleTest {
    private static final Path PROJECT = Path.of(System.getProperty("wal4j.projectRoot", "../..")).toAbsolutePath();
    private static final Path SOURCE = Path.of("java/tests/src/test/java/io/github/wal4j/example/Ledger.java");

    @TempDir
    Path tmp;

    /** The lines of the first {@code java} block of the README's section "Usage". */
    private static List<String> readmeUsageBlock() throws IOException {
        List<String> lines = Files.readAllLines(PROJECT.resolve("README.md"));
        int section = lines.indexOf("## Usage");
        assertTrue(section >= 0, "README.md has no section \"## Usage\"");
        int open = lines.subList(section, lines.size()).indexOf("```java");
        assertTrue(open >= 0, "README.md's section Usage has no ```java block");
        int from = section + open + 1;
        int close = lines.subList(from, lines.size()).indexOf("```");
        assertTrue(close >= 0, "README.md's usage block is not closed");
        return lines.subList(from, from + close);
    }

    @Test
    void readmeUsageBlockIsTheCompiledExample() throws IOException {
        List<String> source = Files.readAllLines(PROJECT.resolve(SOURCE));
        assertEquals("package io.github.wal4j.example;", source.get(0));
        assertEquals("", source.get(1));
        List<String> example = source.subList(2, source.size());
        List<String> readme = readmeUsageBlock();
        String fix = "README.md's usage block must be " + SOURCE + " without its package line (and the blank"
                + " line after it): copy the one you changed over the other";
        for (int i = 0; i < Math.min(example.size(), readme.size()); i++) {
            if (!example.get(i).equals(readme.get(i))) {
                fail("line " + (i + 1) + " of the block differs:\n  README:  " + readme.get(i) + "\n  example: "
                        + example.get(i) + "\n" + fix);
            }
        }
        assertEquals(example.size(), readme.size(), "lines in the block; " + fix);
    }

    /**
     * Every block of README.md after a line {@code <!-- compiled: NAME -->} is the code between
     * {@code // README: NAME} and {@code // README end} in {@link AppendExamples}, dedented.
     */
    @Test
    void readmeSnippetsAreTheCompiledExamples() throws IOException {
        Path examples = Path.of("java/tests/src/test/java/io/github/wal4j/example/AppendExamples.java");
        List<String> source = Files.readAllLines(PROJECT.resolve(examples));
        List<String> readme = Files.readAllLines(PROJECT.resolve("README.md"));
        int checked = 0;
        for (int i = 0; i < readme.size(); i++) {
            String line = readme.get(i).trim();
            if (!line.startsWith("<!-- compiled: ")) {
                continue;
            }
            String name = line.substring("<!-- compiled: ".length(), line.length() - " -->".length());
            int from = source.indexOf(source.stream().filter(l -> l.trim().equals("// README: " + name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no // README: " + name + " in " + examples))) + 1;
            int to = from;
            while (!source.get(to).trim().equals("// README end")) {
                to++;
            }
            int indent = source.get(from).length() - source.get(from).stripLeading().length();
            List<String> expected = source.subList(from, to).stream()
                    .map(l -> l.length() >= indent ? l.substring(indent) : l.strip()).toList();
            assertEquals("```java", readme.get(i + 1), "README block " + name + " opens right after its marker");
            List<String> block = readme.subList(i + 2, i + 2 + expected.size());
            assertEquals(expected, block, "README block " + name + " must be the code of " + examples
                    + " between // README: " + name + " and // README end, dedented");
            assertEquals("```", readme.get(i + 2 + expected.size()), "README block " + name + " ends there");
            checked++;
        }
        assertEquals(2, checked, "README.md's compiled snippets (atomic, back-pressure)");
    }

    @Test
    void theSnippetsDoWhatTheReadmeSays() throws IOException {
        try (WriteAheadLog log = WriteAheadLog.open(tmp.resolve("transfers"))) {
            log.append(new byte[] {0});
            assertEquals(2, AppendExamples.transfer(log, new byte[] {1}, new byte[] {2}));
            assertEquals(3, log.recover().size());
        }
        List<byte[]> shed = new java.util.ArrayList<>();
        assertEquals(1, AppendExamples.publish(tmp.resolve("events"), new byte[] {7}, shed::add).join());
        assertTrue(shed.isEmpty(), "an idle log sheds nothing");
    }

    @Test
    void keepsEveryChangeAcrossRuns() throws IOException {
        Path wal = tmp.resolve("wal");
        Path snapshot = tmp.resolve("state.snap");
        assertEquals(5, Ledger.run(wal, snapshot, 5), "a new log");
        assertEquals(12, Ledger.run(wal, snapshot, 7), "from the snapshot");
        try (WriteAheadLog log = WriteAheadLog.open(wal)) {
            log.append(ByteBuffer.allocate(8).putLong(30).array()); // after the snapshot: replayed
        }
        assertEquals(43, Ledger.run(wal, snapshot, 1), "the snapshot and the record after it");
    }

    /**
     * The crash state "checkpoint committed, snapshot rename not done": the snapshot file holds the
     * previous snapshot (total 12, covering 2), the committed one (total 42, covering 3) sits under
     * its temporary name, and record 3 is covered. The example, which loads the snapshot open names,
     * gets 42 + 1; one that loaded the file before open would have got 12 + 1.
     */
    @Test
    void keepsEveryChangeAfterACrashBetweenCheckpointCommitAndSnapshotRename() throws IOException {
        Path wal = tmp.resolve("wal");
        Path snapshot = tmp.resolve("state.snap").toAbsolutePath();
        Ledger.run(wal, snapshot, 5);
        Ledger.run(wal, snapshot, 7);
        try (WriteAheadLog log = WriteAheadLog.open(wal)) {
            assertEquals(3, log.append(ByteBuffer.allocate(8).putLong(30).array()));
        }
        byte[] committed = ByteBuffer.allocate(16).putLong(3).putLong(42).array();
        CRC32C crc = new CRC32C();
        crc.update(committed);
        long generation = 0x7e57_0000_0003L;
        Path temporary = Checkpoint.temporaryFor(snapshot, generation);
        Files.write(temporary, committed);
        new CheckpointStore(new JavaStorage(), wal)
                .write(new Checkpoint(3, generation, snapshot, committed.length, (int) crc.getValue()));
        assertEquals(12, ByteBuffer.wrap(Files.readAllBytes(snapshot)).getLong(8), "the premise: the previous one");

        assertEquals(43, Ledger.run(wal, snapshot, 1));
        assertTrue(Files.notExists(temporary), "open rolled the committed snapshot forward");
        try (WriteAheadLog log = WriteAheadLog.open(wal)) {
            assertTrue(log.recoveryReport().clean(), log.recoveryReport().summary());
            assertEquals(4, log.checkpointSequence());
        }
    }
}
