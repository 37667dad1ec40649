package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every command says, and returns, for a path that is no WAL and for a WAL another process holds:
 * a clear message on stderr and the documented exit code; nothing created or changed.
 */
class CliErrorsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "verify", "dump", "repair"})
    void missingDirectory(String command) throws Exception {
        Path missing = tmp.resolve("no-such-wal");
        Result r = Cli.run(command, missing);
        assertEquals(4, r.exit(), r::toString);
        assertTrue(r.err().contains("wal4j " + command + ": no such directory: " + missing), r::toString);
        assertTrue(Files.notExists(missing), "nothing is created");
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "verify", "dump", "repair"})
    void aFileIsNotAWal(String command) throws Exception {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "hello");
        Result r = Cli.run(command, file);
        assertEquals(4, r.exit(), r::toString);
        assertTrue(r.err().contains("is not a directory"), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "verify", "dump", "repair"})
    void foreignFilesAreRefused(String command) throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Files.writeString(dir.resolve("notes.txt"), "not a WAL file");
        Map<String, byte[]> before = Cli.files(dir);
        Result r = Cli.run(command, dir);
        assertEquals(4, r.exit(), r::toString);
        assertTrue(r.err().contains("not a wal4j log") && r.err().contains("holds files that are not this WAL's: "
                + "notes.txt"), r::toString);
        LogDirs.assertUnchanged(before, dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"verify", "dump", "repair"})
    void badMagicIsNotAWal(String command) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("wal"));
        byte[] junk = new byte[4096];
        Arrays.fill(junk, (byte) 'x');
        Files.write(dir.resolve(LogDirs.segmentName(1)), junk);
        Map<String, byte[]> before = Cli.files(dir);
        Result r = Cli.run(command, dir);
        assertEquals(4, r.exit(), r::toString);
        assertTrue(r.err().contains("not a wal4j log") && r.err().contains("bad magic"), r::toString);
        LogDirs.assertUnchanged(before, dir);
    }

    @Test
    void heldLockIsReportedAndRespected() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, Cli.ONE_SEGMENT)) {
            Records.append(wal, 1, 4, Cli.SIZE);
            Map<String, byte[]> before = Cli.files(dir);

            Result inspect = Cli.run("inspect", dir);
            assertEquals(0, inspect.exit(), inspect::toString);
            assertTrue(inspect.out().contains("HELD: the log is open in another process"), inspect::toString);

            for (String command : List.of("verify", "dump", "repair")) {
                Result r = Cli.run(command, dir);
                assertEquals(3, r.exit(), r::toString);
                assertTrue(r.err().contains("is open in another process (wal.lock is held)"), r::toString);
            }
            Result repair = Cli.run("repair", "--accept-data-loss", dir);
            assertEquals(3, repair.exit(), repair::toString);
            assertTrue(repair.err().contains("repair never changes a log that is open"), repair::toString);
            assertEquals(before.keySet(), Cli.files(dir).keySet());
            assertEquals(List.of(), Cli.quarantines(dir));
            assertEquals(5, wal.append(new byte[3]), "the holder keeps its lock and its log");
        }
    }

    @Test
    void usageErrorsExit64() {
        Result none = Cli.run();
        assertEquals(64, none.exit(), none::toString);
        assertTrue(none.err().contains("missing command"), none::toString);
        Result noDir = Cli.run("verify");
        assertEquals(64, noDir.exit(), noDir::toString);
        assertTrue(noDir.err().contains("Missing required parameter: 'DIR'"), noDir::toString);
        Result badFormat = Cli.run("dump", "--format", "xml", tmp);
        assertEquals(64, badFormat.exit(), badFormat::toString);
        Result unknown = Cli.run("verfy", tmp);
        assertEquals(64, unknown.exit(), unknown::toString);
        Result badLayer = Cli.run("verify", "--io", "fast", tmp);
        assertEquals(64, badLayer.exit(), badLayer::toString);
    }

    @Test
    void helpListsTheCommandsAndExitCodes() {
        Result help = Cli.run("--help");
        assertEquals(0, help.exit(), help::toString);
        for (String s : List.of("inspect", "verify", "dump", "repair", "Exit codes:", "torn tail", "corruption",
                "lock is held", "not a WAL", "usage error")) {
            assertTrue(help.out().contains(s), () -> s + " missing from\n" + help.out());
        }
        Result verifyHelp = Cli.run("verify", "--help");
        assertEquals(0, verifyHelp.exit(), verifyHelp::toString);
        assertTrue(verifyHelp.out().contains("--json") && verifyHelp.out().contains("Exit codes:"), verifyHelp::toString);
    }
}
