package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalUnsafeDirectoryException;
import io.github.wal4j.WriteAheadLog;
import io.github.wal4j.cli.Cli.Result;
import io.github.wal4j.testing.internal.LogDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The commands apply open's file rules: a symbolic link inside the WAL directory is refused (exit 4)
 * and never followed; a WAL path that is a link is resolved once; a directory other users can write
 * to, or another user owns, is shown by inspect and refused by verify, dump and repair as open
 * refuses it (exit 7, open's reason) unless {@code --allow-shared-directory}; the quarantine is
 * {@code rwx------} and its copies {@code rw-------}.
 */
class CliFileSafetyTest {
    private static final byte[] SECRET = "outside the WAL: must stay as it is".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @BeforeEach
    void needsPosix() {
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "POSIX permissions and symbolic links are not supported here");
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "verify", "dump", "repair"})
    void linkInsideTheDirectoryIsRefused(String command) throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Path target = Files.write(tmp.resolve("victim.bin"), SECRET);
        Path link = Files.createSymbolicLink(dir.resolve(LogDirs.segmentName(2)), target);
        Map<String, byte[]> before = Cli.files(dir);
        Result r = Cli.run(command, dir);
        assertEquals(4, r.exit(), r::toString);
        assertTrue(r.err().contains(link + " is a symbolic link") && r.err().contains("never follows"), r::toString);
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(SECRET, Files.readAllBytes(target));
        LogDirs.assertUnchanged(before, dir);
        assertEquals(List.of(), Cli.quarantines(dir));
    }

    @Test
    void walPathThatIsALinkIsResolved() throws Exception {
        Path real = tmp.resolve("real");
        Cli.closedLog(real, Cli.ONE_SEGMENT, 3);
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        Result r = Cli.run("verify", link);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains(real.toRealPath().toString()), r::toString);
    }

    @Test
    void inspectShowsWhoMayChangeTheFiles() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Result safe = Cli.run("inspect", dir);
        assertEquals(0, safe.exit(), safe::toString);
        assertTrue(safe.out().contains("only its owner can change the files"), safe::toString);

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        Result unsafe = Cli.run("inspect", dir);
        assertEquals(0, unsafe.exit(), unsafe::toString);
        assertTrue(unsafe.out().contains("UNSAFE: WAL directory " + dir.toRealPath() + " is writable by its group"),
                unsafe::toString);
    }

    @Test
    void repairRefusesADirectoryOthersCanWriteUnlessAllowed() throws Exception {
        Path image = tmp.resolve("image");
        Cli.crashImage(tmp, image, Cli.ONE_SEGMENT, 8);
        Cli.appendGarbage(image.resolve(LogDirs.segmentName(1)));
        Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("rwxrwx---"));
        Map<String, byte[]> before = Cli.files(image);

        Result refused = Cli.run("repair", image);
        assertEquals(7, refused.exit(), refused::toString);
        assertTrue(refused.err().contains("writable by its group") && refused.err().contains("chmod 700")
                && refused.err().contains("--allow-shared-directory"), refused::toString);
        LogDirs.assertUnchanged(before, image);
        assertEquals(List.of(), Cli.quarantines(image), "nothing copied before the refusal");

        Result repaired = Cli.run("repair", "--allow-shared-directory", image);
        assertEquals(0, repaired.exit(), repaired::toString);
        assertTrue(repaired.out().contains("REPAIRED (exit 0)"), repaired::toString);
        List<Path> quarantines = Cli.quarantines(image);
        assertEquals(1, quarantines.size(), quarantines::toString);
        assertQuarantineIsOwnerOnly(quarantines.get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"verify", "dump", "repair"})
    void worldWritableDirectoryIsRefusedAsOpenRefusesIt(String command) throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertRefusedAsOpenRefusesIt(command, dir, "writable by its group and all users", "chmod 700 " + dir);
    }

    /** Needs root to give the directory to another user (uid 65534, nobody). */
    @ParameterizedTest
    @ValueSource(strings = {"verify", "dump", "repair"})
    void directoryOwnedByAnotherUserIsRefusedAsOpenRefusesIt(String command) throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
                "needs root to give a directory to another user (chown); not running as root");
        Process chown = new ProcessBuilder("chown", "65534", dir.toString()).redirectErrorStream(true).start();
        String output = new String(chown.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(chown.waitFor() == 0, "chown to uid 65534 failed: " + output);
        assertRefusedAsOpenRefusesIt(command, dir, "owned by", "uid 65534", "not by this process's user");
    }

    /**
     * {@code command} on {@code dir} gives open's verdict: exit 7 (a policy refusal, not an I/O error
     * and not a clean log) with open's own reason and the tool's fix, nothing changed; with
     * {@code --allow-shared-directory} (open's {@code withSharedDirectoryAllowed(true)}) it runs.
     */
    private static void assertRefusedAsOpenRefusesIt(String command, Path dir, String... phrases) throws Exception {
        Map<String, byte[]> before = Cli.files(dir);
        WalUnsafeDirectoryException open = assertThrows(WalUnsafeDirectoryException.class,
                () -> WriteAheadLog.open(dir).close());
        Result r = Cli.run(command, dir);
        assertEquals(7, r.exit(), r::toString);
        assertFalse(r.out().contains("CLEAN") || r.out().contains("REPAIRED"), r::toString);
        assertTrue(r.err().contains(open.getMessage().replace("WalOptions.withSharedDirectoryAllowed(true)",
                "--allow-shared-directory")), "open said: " + open.getMessage() + "\n" + r);
        for (String phrase : phrases) {
            assertTrue(r.err().contains(phrase), phrase + "\n" + r);
        }
        LogDirs.assertUnchanged(before, dir);
        assertEquals(List.of(), Cli.quarantines(dir));
        if (command.equals("verify")) {
            Map<String, Object> report = MiniJson.object(Cli.run("verify", "--json", dir).out().strip());
            assertEquals(7L, report.get("exitCode"), report::toString);
        }

        Result allowed = Cli.run(command, "--allow-shared-directory", dir);
        assertEquals(0, allowed.exit(), allowed::toString);
        LogDirs.assertUnchanged(before, dir);
    }

    /** The copies hold the log's records: owner-only, whatever the umask. */
    static void assertQuarantineIsOwnerOnly(Path quarantine) throws Exception {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(quarantine,
                LinkOption.NOFOLLOW_LINKS)), quarantine.toString());
        List<String> names = LogDirs.names(quarantine);
        assertTrue(names.contains("REPAIR.txt") && names.size() >= 2, names.toString());
        for (String name : names) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    quarantine.resolve(name), LinkOption.NOFOLLOW_LINKS)), name);
        }
    }
}
