package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.fixtures.Refusals;
import io.github.wal4j.io.ChildJvm;
import io.github.wal4j.io.IoLayers;
import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.SymbolicLinkException;
import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.fixtures.PermissionsChild;
import io.github.wal4j.testing.internal.Records;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safe file handling, on the I/O layer of this run (the suite runs once per layer): what wal4j
 * creates is owner-only unless configured, and a configured wider mode survives a strict umask; a
 * symbolic link in place of a segment, CHECKPOINT, wal.lock or snapshot is refused with a
 * {@link WalFormatException} and its target is left untouched; a WAL directory that other users can
 * write to, or that another user owns, is refused unless the caller opts in.
 */
class FileSafetyTest {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final WalOptions SMALL = WalOptions.defaults().withSegmentSize(32 << 10);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final byte[] SECRET = "the link's target: must stay as it is".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @BeforeEach
    void needsPosix() {
        Assumptions.assumeTrue(POSIX, "POSIX permissions and symbolic links are not supported here");
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    /** A file outside the WAL directory that a planted link points to. */
    private Path target() throws IOException {
        Path target = tmp.resolve("elsewhere").resolve("victim.bin");
        Files.createDirectories(target.getParent());
        Files.write(target, SECRET);
        return target;
    }

    private static void assertHasPhrases(String message, String... phrases) {
        for (String phrase : phrases) {
            assertTrue(message != null && message.contains(phrase), "'" + phrase + "' missing in: " + message);
        }
    }

    // ---- modes -------------------------------------------------------------------------------

    @Test
    void brokenCopiesAndTheLockAreOwnerOnlyByDefault() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 20, 100);
        FileDamage.flipBit(dir.resolve(LogDirs.segmentName(1)), 4 * 4096 + 100, 0); // record 4's payload
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL.withRecoveryMode(RecoveryMode.POINT_IN_TIME))) {
            assertEquals(3, wal.recover().size(), wal.recoveryReport().summary());
        }
        List<String> names = LogDirs.names(dir);
        assertTrue(names.contains(LogDirs.segmentName(1) + ".broken"), names.toString());
        for (String name : names) {
            assertEquals("rw-------", mode(dir.resolve(name)), name);
        }
        assertEquals("rwx------", mode(dir));
    }

    @Test
    void configuredModeIsAppliedAndTheLockStaysOwnerOnly() throws IOException {
        Path dir = tmp.resolve("new").resolve("wal");
        Path snapshot = tmp.resolve("state.snap");
        WalOptions groupReadable = SMALL.withFilePermissions(PosixFilePermissions.fromString("rw-r-----"));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(groupReadable.directoryPermissions()));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, groupReadable)) {
            Records.append(wal, 1, 20, 100);
            wal.checkpoint(snapshot, 1, out -> out.write(7));
        }
        assertEquals("rwxr-x---", mode(dir), "the directory wal4j created");
        List<String> names = LogDirs.names(dir);
        assertTrue(names.size() >= 4 && names.contains("CHECKPOINT"), names.toString());
        for (String name : names) {
            assertEquals(name.equals("wal.lock") ? "rw-------" : "rw-r-----", mode(dir.resolve(name)), name);
        }
        assertEquals("rw-r-----", mode(snapshot), "snapshot");
    }

    /**
     * A mode passed at creation goes through the umask: under {@code umask 077} a configured
     * {@code rw-r--r--} would come out {@code rw-------} unless wal4j sets it explicitly afterwards.
     */
    @Test
    void configuredModeSurvivesAStrictUmask() throws Exception {
        Path dir = tmp.resolve("wal");
        Path snapshot = tmp.resolve("state.snap");
        child("write", dir, snapshot);
        assertEquals("rwxr-xr-x", mode(dir));
        List<String> names = LogDirs.names(dir);
        assertTrue(names.size() >= 4 && names.contains("CHECKPOINT"), names.toString());
        for (String name : names) {
            assertEquals(name.equals("wal.lock") ? "rw-------" : PermissionsChild.MODE, mode(dir.resolve(name)), name);
        }
        assertEquals(PermissionsChild.MODE, mode(snapshot), "snapshot");

        FileDamage.flipBit(dir.resolve(LogDirs.segmentName(1)), 4 * 4096 + 100, 0);
        child("recover", dir, snapshot);
        Path broken = dir.resolve(LogDirs.segmentName(1) + ".broken");
        assertTrue(Files.exists(broken), LogDirs.names(dir).toString());
        assertEquals(PermissionsChild.MODE, mode(broken), ".broken copy made by recovery");
    }

    private void child(String mode, Path dir, Path snapshot) throws Exception {
        List<String> jvmOptions = new ArrayList<>();
        String io = System.getProperty("wal4j.io");
        if (io != null) {
            jvmOptions.add("-Dwal4j.io=" + io);
        }
        List<String> java = ChildJvm.builder(PermissionsChild.class, entry -> true, jvmOptions, mode, dir.toString(),
                snapshot.toString()).command();
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "umask 077 && exec \"$@\"", "sh"));
        command.addAll(java);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "child timed out");
        assertEquals(0, p.exitValue(), "child '" + mode + "' failed:\n" + output);
    }

    @Test
    void filePermissionsOutsideTheBoundsAreRejected() {
        WalOptions d = WalOptions.defaults();
        assertEquals(OWNER_ONLY, d.filePermissions());
        assertEquals("rwx------", PosixFilePermissions.toString(d.directoryPermissions()));
        for (String bad : List.of("r--------", "-w-------", "rwx------", "rw-rw----", "rw-r--rw-", "rw-r-x---")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.withFilePermissions(PosixFilePermissions.fromString(bad)), bad);
            assertTrue(e.getMessage().contains("OWNER") || e.getMessage().contains("only GROUP_READ"), e.getMessage());
        }
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(
                d.withFilePermissions(PosixFilePermissions.fromString("rw-r--r--")).directoryPermissions()));
    }

    // ---- symbolic links ----------------------------------------------------------------------

    @Test
    void symlinkedSegmentIsRefusedAndItsTargetUntouched() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 3, 100);
        Path target = target();
        Path link = Files.createSymbolicLink(dir.resolve(LogDirs.segmentName(2)), target);
        assertRefused(dir, link, target);
    }

    @Test
    void symlinkedCheckpointIsRefusedAndItsTargetUntouched() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            Records.append(wal, 1, 3, 100);
            wal.checkpoint(2);
        }
        Path target = target();
        Files.move(dir.resolve("CHECKPOINT"), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        byte[] checkpoint = Files.readAllBytes(target);
        Path link = Files.createSymbolicLink(dir.resolve("CHECKPOINT"), target);
        assertRefused(dir, link, target);
        assertArrayEquals(checkpoint, Files.readAllBytes(target), "the checkpoint it points to is as it was");
    }

    /** The classic attack on a lock file: a dangling link that an O_CREAT open would create the target of. */
    @Test
    void symlinkedLockIsRefusedAndItsMissingTargetNotCreated() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 2, 100);
        Files.delete(dir.resolve("wal.lock"));
        Path missing = tmp.resolve("elsewhere-missing").resolve("planted");
        Files.createDirectories(missing.getParent());
        Path link = Files.createSymbolicLink(dir.resolve("wal.lock"), missing);
        WalFormatException e = Refusals.assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir).close());
        assertHasPhrases(e.getMessage(), link.toString(), "symbolic link", "never follows");
        assertFalse(Files.exists(missing, LinkOption.NOFOLLOW_LINKS), "the link's target was created");
    }

    @Test
    void symlinkedLockToAnExistingFileIsRefused() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 2, 100);
        Files.delete(dir.resolve("wal.lock"));
        Path target = target();
        assertRefused(dir, Files.createSymbolicLink(dir.resolve("wal.lock"), target), target);
    }

    private static void assertRefused(Path dir, Path link, Path target) throws IOException {
        byte[] targetBefore = Files.readAllBytes(target);
        WalFormatException e = Refusals.assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir).close());
        assertHasPhrases(e.getMessage(), link.toString(), "is a symbolic link", "never follows", "nothing was changed");
        assertTrue(Files.isSymbolicLink(link), "the link is still there");
        assertArrayEquals(targetBefore, Files.readAllBytes(target), "the link's target changed");
    }

    /**
     * Each open of the layer, not only the directory scan at open: the link may appear after the scan.
     * The layer reports the link ({@link SymbolicLinkException}); the log makes it a
     * {@link WalFormatException} (the tests above).
     */
    @Test
    void theLayerRefusesLinksOnEveryOpen() throws IOException {
        Storage storage = IoLayers.select();
        Path dir = Files.createDirectory(tmp.resolve("plain"));
        Path target = target();
        Path link = Files.createSymbolicLink(dir.resolve("0000000000000001.wal"), target);
        assertHasPhrases(assertThrows(SymbolicLinkException.class, () -> storage.openRead(link)).getMessage(),
                "symbolic link");
        assertThrows(SymbolicLinkException.class, () -> storage.openWrite(link));
        assertThrows(SymbolicLinkException.class, () -> {
            Closeable lock = storage.tryLock(link);
            if (lock != null) {
                lock.close();
            }
        });
        assertThrows(FileAlreadyExistsException.class, () -> storage.create(link), "create never follows a link");
        Path dangling = Files.createSymbolicLink(dir.resolve("CHECKPOINT.tmp"), tmp.resolve("nothing-here"));
        assertThrows(FileAlreadyExistsException.class, () -> storage.create(dangling));
        assertThrows(SymbolicLinkException.class, () -> storage.tryLock(dangling));
        assertFalse(Files.exists(tmp.resolve("nothing-here"), LinkOption.NOFOLLOW_LINKS));
        assertArrayEquals(SECRET, Files.readAllBytes(target));
    }

    @Test
    void snapshotPathThatIsALinkIsRefusedAndTheLogGoesOn() throws IOException {
        Path dir = tmp.resolve("wal");
        Path target = target();
        Path snapshot = Files.createSymbolicLink(tmp.resolve("state.snap"), target);
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            Records.append(wal, 1, 3, 100);
            WalFormatException e = assertThrows(WalFormatException.class,
                    () -> wal.checkpoint(snapshot, out -> out.write(1)));
            assertHasPhrases(e.getMessage(), snapshot.toString(), "symbolic link");
            assertEquals(0, wal.checkpointSequence());
            assertEquals(4, wal.append(new byte[3]), "the log is still open for appends");
        }
        assertTrue(Files.isSymbolicLink(snapshot));
        assertArrayEquals(SECRET, Files.readAllBytes(target));
    }

    /** The snapshot lives outside the WAL directory, so only the layer's NOFOLLOW open catches this one. */
    @Test
    void snapshotReplacedByALinkIsRefusedAtOpen() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshot = tmp.resolve("state.snap");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            Records.append(wal, 1, 3, 100);
            wal.checkpoint(snapshot, out -> out.write(new byte[SECRET.length]));
        }
        Path target = target();
        Files.delete(snapshot);
        Files.createSymbolicLink(snapshot, target);
        WalFormatException e = Refusals.assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir).close());
        assertHasPhrases(e.getMessage(), snapshot.toString(), "symbolic link");
        assertArrayEquals(SECRET, Files.readAllBytes(target));
    }

    /** The WAL path itself may be a link: it is resolved once, and the real directory is what is checked and used. */
    @Test
    void walPathThatIsALinkIsResolvedOnce() throws IOException {
        Path real = tmp.resolve("real-wal");
        Path link = Files.createSymbolicLink(tmp.resolve("wal-link"), real.getFileName());
        LogDirs.closedLog(real, SMALL, 2, 100);
        try (WriteAheadLog wal = WriteAheadLog.open(link, SMALL)) {
            assertEquals(real.toRealPath(), wal.directory());
            assertEquals(3, wal.append(new byte[1]));
        }
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwxrwx---"));
        WalException e = assertThrows(WalException.class, () -> WriteAheadLog.open(link, SMALL).close());
        assertHasPhrases(e.getMessage(), real.toRealPath().toString(), "writable by its group");
    }

    @Test
    void walPathThatIsADanglingLinkIsRefusedAndNothingIsCreated() throws IOException {
        Path missing = tmp.resolve("missing-wal");
        Path link = Files.createSymbolicLink(tmp.resolve("wal-link"), missing);
        WalFormatException e = assertThrows(WalFormatException.class, () -> WriteAheadLog.open(link).close());
        assertHasPhrases(e.getMessage(), link.toString(), "symbolic link", "missing path");
        assertFalse(Files.exists(missing, LinkOption.NOFOLLOW_LINKS), "nothing created through the link");
    }

    // ---- who may write to the directory ------------------------------------------------------

    @Test
    void groupWritableDirectoryIsRefusedWithTheReasonAndAcceptedWithTheOptIn() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 3, 100);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        WalUnsafeDirectoryException e = Refusals.assertRefused(WalUnsafeDirectoryException.class, dir, () -> WriteAheadLog.open(dir, SMALL).close());
        assertHasPhrases(e.getMessage(), dir.toString(), "writable by its group", "rwxrwx---",
                "another user could plant, replace or delete files", "chmod 700 " + dir,
                "WalOptions.withSharedDirectoryAllowed(true)", "nothing was changed");
        assertEquals("rwxrwx---", mode(dir), "the directory's mode is not changed behind the caller's back");

        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL.withSharedDirectoryAllowed(true))) {
            assertEquals(3, wal.recover().size());
            assertEquals(4, wal.append(new byte[2]));
        }
    }

    @Test
    void newDirectoryInAGroupWritableParentIsStillCreatedOwnerOnly() throws IOException {
        Path parent = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path dir = parent.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, SMALL)) {
            assertEquals(1, wal.append(new byte[1]));
        }
        assertEquals("rwx------", mode(dir));
    }

    @Test
    void worldWritableDirectoryIsRefused() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("wal"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xrwx"));
        WalUnsafeDirectoryException e = assertThrows(WalUnsafeDirectoryException.class, () -> WriteAheadLog.open(dir).close());
        assertHasPhrases(e.getMessage(), "writable by all users", "chmod 700");
        assertEquals(List.of(), LogDirs.names(dir), "nothing created, not even wal.lock");
    }

    /** Like /tmp: world-writable with the sticky bit, which stops others deleting files but not planting them. */
    @Test
    void stickyWorldWritableDirectoryIsRefused() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("wal"));
        Process chmod = new ProcessBuilder("chmod", "1777", dir.toString()).redirectErrorStream(true).start();
        String output = new String(chmod.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(chmod.waitFor() == 0, "cannot set the sticky bit with chmod: " + output);
        WalUnsafeDirectoryException e = assertThrows(WalUnsafeDirectoryException.class, () -> WriteAheadLog.open(dir).close());
        assertHasPhrases(e.getMessage(), "all users", "sticky", "does not stop them adding files", "chmod 700");
        assertEquals(List.of(), LogDirs.names(dir));
    }

    /** An owner that is neither this user nor root can chmod the directory at will. Needs root to chown. */
    @Test
    void directoryOwnedByAnotherUserIsRefused() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("wal"));
        Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
                "needs root to give a directory to another user (chown); not running as root");
        Process chown = new ProcessBuilder("chown", "65534", dir.toString()).redirectErrorStream(true).start();
        String output = new String(chown.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(chown.waitFor() == 0, "chown to uid 65534 failed: " + output);
        WalUnsafeDirectoryException e = assertThrows(WalUnsafeDirectoryException.class, () -> WriteAheadLog.open(dir).close());
        assertHasPhrases(e.getMessage(), "owned by", "uid 65534", "not by this process's user",
                "withSharedDirectoryAllowed(true)");
        assertEquals(dir.toRealPath(), e.directory());
        assertEquals(List.of(), LogDirs.names(dir));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withSharedDirectoryAllowed(true))) {
            assertEquals(1, wal.append(new byte[1]));
        }
    }
}
