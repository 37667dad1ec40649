package io.github.wal4j;

import static io.github.wal4j.fixtures.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.testing.internal.FileDamage;
import io.github.wal4j.testing.internal.LogDirs;
import io.github.wal4j.testing.internal.Records;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input the log must reject with a clear, typed error and without side effects: null, oversized
 * records, paths that are not a log of this version, directories it may not write; and the
 * owner-only permissions of what it creates.
 */
class BadInputTest {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    /** Small segments: the native layer preallocates a segment, and these tests read whole directories. */
    private static final WalOptions SMALL = WalOptions.defaults().withSegmentSize(64 << 10);

    @TempDir
    Path tmp;

    @Test
    void nullRecordIsRejectedWithAClearMessage() throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> wal.append(null));
            assertTrue(e.getMessage() != null && e.getMessage().contains("record must not be null"), e.getMessage());
            NullPointerException async = assertThrows(NullPointerException.class, () -> wal.appendAsync(null));
            assertTrue(async.getMessage() != null && async.getMessage().contains("null"), async.getMessage());
            assertEquals(0, wal.lastSequence());
            assertEquals(List.of(), wal.recover());
        }
    }

    /**
     * Every public method taking an object refuses null at the call, naming the argument: not later,
     * when the object is first used (replay on an empty log would then never notice).
     */
    @Test
    void nullArgumentsAreRejectedAtTheCallNamingTheArgument() throws IOException {
        Path dir = tmp.resolve("wal");
        Path snapshot = tmp.resolve("state.snap");
        WalOptions options = WalOptions.defaults();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            Map<String, org.junit.jupiter.api.function.Executable> calls = new java.util.LinkedHashMap<>();
            calls.put("replay(0, null) on an empty log|visitor", () -> wal.replay(0, null));
            calls.put("checkpoint(null, writer)|snapshotPath", () -> wal.checkpoint(null, out -> { }));
            calls.put("checkpoint(path, null)|writer", () -> wal.checkpoint(snapshot, null));
            calls.put("checkpoint(null, 0, writer)|snapshotPath", () -> wal.checkpoint(null, 0, out -> { }));
            calls.put("checkpoint(path, 0, null)|writer", () -> wal.checkpoint(snapshot, 0, null));
            calls.put("transaction().append(null)|record", () -> {
                try (WalTransaction tx = wal.transaction()) {
                    tx.append(null);
                }
            });
            calls.put("open(null)|dir", () -> WriteAheadLog.open(null));
            calls.put("open(dir, null)|options", () -> WriteAheadLog.open(dir, null));
            calls.put("open(null, options, visitor)|dir", () -> WriteAheadLog.open(null, options, (s, p) -> { }));
            calls.put("open(dir, options, null)|replay", () -> WriteAheadLog.open(dir, options, null));
            calls.put("withLockTimeout(null)|lockTimeout", () -> options.withLockTimeout(null));
            calls.put("withDurability(null)|durability", () -> options.withDurability(null));
            calls.put("withRecoveryMode(null)|recoveryMode", () -> options.withRecoveryMode(null));
            calls.put("withFilePermissions(null)|filePermissions", () -> options.withFilePermissions(null));
            calls.put("withEncryption(null)|keys", () -> options.withEncryption(null));
            calls.put("withTamperEvidence(null)|keys", () -> options.withTamperEvidence(null));
            calls.put("withProtection(null, keys)|protection", () -> options.withProtection(null, null));
            calls.put("KeyProvider.of(null, key)|keyId", () -> KeyProvider.of(null, new byte[32]));
            calls.put("KeyProvider.of(id, (byte[]) null)|key", () -> KeyProvider.of("k", (byte[]) null));
            calls.put("KeyProvider.of(id, (Map) null)|keys", () -> KeyProvider.of("k", (Map<String, byte[]>) null));
            calls.put("new WalRecord(1, null)|payload", () -> new WalRecord(1, null));
            calls.put("new WalSnapshot(null, 1, 0, 0)|path", () -> new WalSnapshot(null, 1, 0, 0));
            calls.put("SqliteNodeOptions.withBusyTimeout(null)|busyTimeout",
                    () -> io.github.wal4j.sqlite.SqliteNodeOptions.defaults().withBusyTimeout(null));
            List<String> wrong = new java.util.ArrayList<>();
            for (Map.Entry<String, org.junit.jupiter.api.function.Executable> call : calls.entrySet()) {
                String[] what = call.getKey().split("\\|");
                Throwable thrown = null;
                try {
                    call.getValue().execute();
                } catch (Throwable t) {
                    thrown = t;
                }
                if (!(thrown instanceof NullPointerException) || thrown.getMessage() == null
                        || !thrown.getMessage().contains(what[1])) {
                    wrong.add(what[0] + ": " + (thrown == null ? "no exception" : thrown.toString())
                            + " (wanted a NullPointerException naming '" + what[1] + "')");
                }
            }
            assertEquals(List.of(), wrong, "calls that did not refuse null at once, naming the argument");
            assertEquals(0, wal.lastSequence(), "nothing was appended");
        }
    }

    @Test
    void emptyRecordRoundTrips() throws IOException {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(1, wal.append(new byte[0]));
            assertEquals(2, wal.append(new byte[] {7}));
            assertEquals(3, wal.append(new byte[0]));
            assertEquals(List.of(new WalRecord(1, new byte[0]), new WalRecord(2, new byte[] {7}),
                    new WalRecord(3, new byte[0])), wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            List<WalRecord> records = wal.recover();
            assertEquals(3, records.size());
            assertArrayEquals(new byte[0], records.get(0).payload());
            assertArrayEquals(new byte[0], records.get(2).payload());
        }
    }

    @Test
    void recordOverTheMaximumIsRejectedAndNothingIsAppended() throws Exception {
        WalOptions options = WalOptions.defaults().withMaxRecordSize(1000);
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            wal.append(Records.payload(1, 10));
            RecordTooLargeException e = assertThrows(RecordTooLargeException.class,
                    () -> wal.append(new byte[1001]));
            assertEquals(1001, e.size());
            assertEquals(1000, e.limit());
            assertTrue(e.getMessage().contains("1001") && e.getMessage().contains("1000"), e.getMessage());
            assertEquals(1, wal.lastSequence(), "nothing was appended");

            CompletableFuture<Long> future = wal.appendAsync(new byte[5000]);
            ExecutionException async = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, async.getCause());
            assertEquals(1, wal.lastSequence(), "nothing was appended");

            byte[] max = Records.payload(2, 1000);
            assertEquals(2, wal.append(max), "exactly the maximum is accepted, with the next sequence");
            assertEquals(List.of(new WalRecord(1, Records.payload(1, 10)), new WalRecord(2, max)), wal.recover());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
            assertEquals(List.of(new WalRecord(1, Records.payload(1, 10)), new WalRecord(2, Records.payload(2, 1000))),
                    wal.recover());
        }
    }

    @Test
    void maximumRecordSizeOfZeroAcceptsOnlyEmptyRecords() throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"), WalOptions.defaults().withMaxRecordSize(0))) {
            assertEquals(1, wal.append(new byte[0]));
            assertThrows(RecordTooLargeException.class, () -> wal.append(new byte[1]));
            assertEquals(1, wal.lastSequence());
        }
    }

    @Test
    void regularFileIsNotALog() throws IOException {
        Path file = tmp.resolve("data.bin");
        byte[] content = "precious data, not a WAL".getBytes(StandardCharsets.UTF_8);
        Files.write(file, content);
        WalFormatException e = assertRefused(WalFormatException.class, tmp, () -> WriteAheadLog.open(file).close());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    @Test
    void directoryWithForeignFilesIsNotALog() throws IOException {
        Path dir = tmp.resolve("docs");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "my notes");
        WalFormatException e = assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir).close());
        assertTrue(e.getMessage().contains("notes.txt"), "names the foreign file: " + e.getMessage());
        assertFalse(Files.exists(dir.resolve("wal.lock")), "no lock file created");
    }

    @Test
    void directoryHoldingASubdirectoryIsNotALog() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 2, 10);
        Files.createDirectory(dir.resolve("0000000000000002.wal")); // a directory with a segment's name
        assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir).close());
    }

    @Test
    void segmentWithWrongMagicIsForeign() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 3, 10);
        Path segment = dir.resolve(LogDirs.segmentName(1));
        FileDamage.write(segment, 0, "NOTAWAL!".getBytes(StandardCharsets.US_ASCII));
        FileDamage.fixSegmentHeaderCrc(segment); // only the magic is wrong
        WalFormatException e = assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir).close());
        assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void segmentOfAnUnknownVersionIsRefused() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 3, 10);
        Path segment = dir.resolve(LogDirs.segmentName(1));
        // The version after the newest this wal4j reads (3): as a version-3 segment is to a wal4j that reads 1 and 2.
        FileDamage.putShort(segment, 8, (short) 4);
        FileDamage.fixSegmentHeaderCrc(segment); // only the version is wrong
        WalFormatException e = assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir).close());
        assertTrue(e.getMessage().contains("version 4"), e.getMessage());
    }

    /** "Nothing is created, changed or deleted" also holds for leftover temporary files. */
    @Test
    void unknownVersionChangesNothingEvenWithLeftoverTemporaryFiles() throws IOException {
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 3, 10);
        Path segment = dir.resolve(LogDirs.segmentName(1));
        FileDamage.putShort(segment, 8, (short) 7);
        FileDamage.fixSegmentHeaderCrc(segment);
        Files.write(dir.resolve("0000000000000002.wal.tmp"), new byte[512]);
        assertRefused(WalFormatException.class, dir, () -> WriteAheadLog.open(dir).close());
    }

    @Test
    void nonWritableDirectoryIsRefused() throws IOException {
        Assumptions.assumeTrue(POSIX, "POSIX permissions are not supported here");
        Path dir = tmp.resolve("wal");
        LogDirs.closedLog(dir, SMALL, 1, 10);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        try {
            Assumptions.assumeFalse(permissionsNotEnforced(dir), "running as root: permissions are not enforced");
            WalException e = assertThrows(WalException.class, () -> WriteAheadLog.open(dir).close());
            assertTrue(e.getMessage().contains(dir.getFileName().toString()), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void directoryThatCannotBeCreatedIsRefused() throws IOException {
        Assumptions.assumeTrue(POSIX, "POSIX permissions are not supported here");
        Path parent = tmp.resolve("locked");
        Files.createDirectories(parent);
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("r-x------"));
        try {
            Assumptions.assumeFalse(permissionsNotEnforced(parent), "running as root: permissions are not enforced");
            Path dir = parent.resolve("wal");
            WalException e = assertThrows(WalException.class, () -> WriteAheadLog.open(dir).close());
            assertTrue(e.getMessage().contains("wal"), e.getMessage());
            assertFalse(Files.exists(dir));
        } finally {
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Whether this process can create a file in a directory it has no write permission on (root can). */
    private static boolean permissionsNotEnforced(Path readOnlyDir) throws IOException {
        Path probe = readOnlyDir.resolve("probe");
        try {
            Files.createFile(probe);
        } catch (IOException denied) {
            return false;
        }
        Files.delete(probe);
        return true;
    }

    @Test
    void newFilesAndTheDirectoryAreOwnerOnly() throws IOException {
        Assumptions.assumeTrue(POSIX, "POSIX permissions are not supported here");
        Path dir = tmp.resolve("fresh").resolve("wal");
        Path snapshot = tmp.resolve("snapshot.bin");
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withSegmentSize(32 << 10))) {
            Records.append(wal, 1, 10, 400); // rotates: the writer creates segment 2 too
            assertEquals(List.of(LogDirs.segmentName(1), LogDirs.segmentName(2), "wal.lock"), LogDirs.names(dir));
            for (String name : LogDirs.names(dir)) {
                assertEquals(ownerOnly, Files.getPosixFilePermissions(dir.resolve(name)), name);
            }
            wal.checkpoint(3);
            assertEquals(ownerOnly, Files.getPosixFilePermissions(dir.resolve("CHECKPOINT")), "CHECKPOINT");
            wal.checkpoint(snapshot, out -> out.write(42));
        }
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(dir), "directory");
        List<String> names = LogDirs.names(dir);
        assertTrue(names.contains("CHECKPOINT") && names.contains("wal.lock"), names.toString());
        for (String name : names) {
            assertEquals(ownerOnly, Files.getPosixFilePermissions(dir.resolve(name)), name);
        }
        assertEquals(ownerOnly, Files.getPosixFilePermissions(snapshot), "snapshot");
    }
}
