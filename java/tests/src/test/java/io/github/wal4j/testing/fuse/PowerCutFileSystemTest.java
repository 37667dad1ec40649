package io.github.wal4j.testing.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Function;
import io.github.wal4j.testing.internal.AckFile;
import io.github.wal4j.testing.internal.CrashJvm;
import io.github.wal4j.testing.internal.Seeds;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The power-cut file system against plain programs (this JVM's own file calls, and coreutils in a
 * child process) before anything relies on it: what is fsynced survives a cut, what is not is
 * gone, namespace changes need their directory's fsync, truncations are rolled back, and a tear
 * keeps a seeded subset of sectors. Skipped, with the reason, where FUSE cannot be mounted.
 */
class PowerCutFileSystemTest {
    @TempDir
    Path tmp;

    private PowerCutFileSystem fs;
    private Path mnt;

    @BeforeEach
    void mount() throws IOException {
        Assumptions.assumeFalse("native".equals(System.getProperty("wal4j.io")),
                "the file system is the same under both I/O layers: checked in the java-layer execution");
        Assumptions.assumeTrue(PowerCutFileSystem.isAvailable(), PowerCutFileSystem::unavailabilityCause);
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        fs = PowerCutFileSystem.mount(Files.createDirectory(tmp.resolve("backing")), mnt);
    }

    @AfterEach
    void unmount() throws IOException {
        if (fs != null) {
            fs.close();
            assertEquals(List.of(), fs.internalErrors(), "failures inside the file system server");
        }
    }

    // ---- data ------------------------------------------------------------------------------

    @Test
    void anUnsyncedWriteIsLostAndASyncedOneStays() throws IOException {
        Path f = mnt.resolve("f");
        writeDurably(f, "durable");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(bytes("DURABLE and more"), 0);
            assertEquals("DURABLE and more", Files.readString(f), "the current state is what programs see");
        }
        assertTrue(fs.hasUnsyncedState());
        fs.cutPower();
        assertEquals("durable", Files.readString(f));

        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(bytes("synced again"), 0);
            ch.force(false);
        }
        assertFalse(fs.hasUnsyncedState());
        fs.cutPower();
        assertEquals("synced again", Files.readString(f));
        assertEquals(2, fs.cuts());
    }

    @Test
    void aFileWhoseCreateWasNotCoveredByADirectoryFsyncDisappears() throws IOException {
        Path f = mnt.resolve("new");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(bytes("data"));
            ch.force(true); // the data, not the name
        }
        fs.cutPower();
        assertFalse(Files.exists(f), "the name was never made durable");

        writeDurably(f, "data");
        fs.cutPower();
        assertEquals("data", Files.readString(f));
    }

    @Test
    void directoriesAndFilesInThemNeedEveryDirectoryOnThePathSynced() throws IOException {
        Path dir = Files.createDirectory(mnt.resolve("d"));
        writeDurably(dir.resolve("f"), "inside"); // fsyncs f and d, not the root
        fs.cutPower();
        assertFalse(Files.exists(dir), "d's own entry in the root was not synced");

        Files.createDirectory(dir);
        writeDurably(dir.resolve("f"), "inside");
        syncDirectory(mnt);
        fs.cutPower();
        assertEquals("inside", Files.readString(dir.resolve("f")));
    }

    @Test
    void anUnsyncedRenameIsUndoneAndASyncedOneKept() throws IOException {
        Path a = mnt.resolve("a");
        Path b = mnt.resolve("b");
        writeDurably(a, "content");
        Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
        assertFalse(Files.exists(a));
        fs.cutPower();
        assertEquals("content", Files.readString(a));
        assertFalse(Files.exists(b));

        Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(mnt);
        fs.cutPower();
        assertFalse(Files.exists(a));
        assertEquals("content", Files.readString(b));
    }

    @Test
    void aRenameOverAnotherFileAcrossDirectoriesIsOneChange() throws IOException {
        Path from = Files.createDirectory(mnt.resolve("from"));
        Path to = Files.createDirectory(mnt.resolve("to"));
        syncDirectory(mnt);
        writeDurably(from.resolve("new"), "new");
        writeDurably(to.resolve("current"), "old");
        Files.move(from.resolve("new"), to.resolve("current"), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(to); // the rename touches both directories: this makes it durable whole
        fs.cutPower();
        assertEquals("new", Files.readString(to.resolve("current")));
        assertFalse(Files.exists(from.resolve("new")), "a durable rename leaves no second name behind");
    }

    /**
     * One inode's namespace changes stay in order: a directory made in a, moved to b, with b's
     * fsync first and a's after, is durable in b alone (applied out of order, a's create after b's
     * rename, it was in both: found by the random namespace test, seed 4590044722667147319).
     */
    @Test
    void aDirectoryMadeInOnePlaceAndMovedIsDurableInOnePlace() throws IOException {
        Path a = Files.createDirectory(mnt.resolve("a"));
        Path b = Files.createDirectory(mnt.resolve("b"));
        syncDirectory(mnt);
        Files.createDirectory(a.resolve("d"));
        Files.move(a.resolve("d"), b.resolve("d"), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(b);
        syncDirectory(a);
        fs.cutPower();
        assertTrue(Files.isDirectory(b.resolve("d")));
        assertFalse(Files.exists(a.resolve("d")), "the directory is durable in one place");
        assertFalse(Files.exists(fs.backing().resolve("a").resolve("d")));
    }

    @Test
    void anUnsyncedUnlinkIsUndone() throws IOException {
        Path f = mnt.resolve("f");
        writeDurably(f, "keep me");
        Files.delete(f);
        fs.cutPower();
        assertEquals("keep me", Files.readString(f));

        Files.delete(f);
        syncDirectory(mnt);
        fs.cutPower();
        assertFalse(Files.exists(f));
    }

    @Test
    void anUnsyncedTruncationIsUndoneAndTheTruncatedTailNeverComesBack() throws IOException {
        Path f = mnt.resolve("f");
        byte[] content = new byte[10_000];
        Arrays.fill(content, (byte) 7);
        writeDurably(f, content);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(100);
            ch.write(ByteBuffer.wrap(new byte[] {1}), 9_999); // extends again: the bytes between read zeros
        }
        byte[] now = Files.readAllBytes(f);
        assertEquals(10_000, now.length);
        assertEquals(7, now[99]);
        assertEquals(0, now[100]);
        assertEquals(0, now[5000]);
        fs.cutPower();
        assertArrayEquals(content, Files.readAllBytes(f), "the truncation was not synced");

        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(100);
            ch.write(ByteBuffer.wrap(new byte[] {1}), 9_999);
            ch.force(false);
        }
        fs.cutPower();
        byte[] after = Files.readAllBytes(f);
        assertEquals(10_000, after.length);
        assertEquals(0, after[100]);
        assertEquals(0, after[8191], "the old tail stays cut off once the truncation is durable");
        assertEquals(1, after[9_999]);
    }

    @Test
    void handlesOpenAtTheCutAreDead() throws IOException {
        Path f = mnt.resolve("f");
        writeDurably(f, "x");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            fs.cutPower();
            IOException e = assertThrows(IOException.class, () -> ch.write(bytes("late"), 0));
            assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        }
        assertEquals("x", Files.readString(f));
    }

    /**
     * fallocate(2) is served (were it refused, the call below would fail, and glibc's
     * posix_fallocate would write 64 MiB of zeros through the mount instead), and the new size is
     * durable with the file's next fsync, not before.
     */
    @Test
    void fallocateIsServedAndDurableWithTheFile() throws Exception {
        Path f = mnt.resolve("segment");
        writeDurably(f, "");
        run("fallocate", "-l", "64M", f.toString());
        assertEquals(64L << 20, Files.size(f));
        fs.cutPower();
        assertEquals(64L << 20, Files.size(f), "fallocate(1) fsyncs the file before it exits");

        Path g = mnt.resolve("segment2");
        writeDurably(g, "");
        fallocate(g, 64L << 20);
        assertEquals(64L << 20, Files.size(g));
        fs.cutPower();
        assertEquals(0, Files.size(g), "the new size was not synced");
        fallocate(g, 64L << 20);
        try (FileChannel ch = FileChannel.open(g, StandardOpenOption.WRITE)) {
            ch.force(false);
        }
        fs.cutPower();
        assertEquals(64L << 20, Files.size(g));
        assertEquals(64L << 20, Files.size(fs.backing().resolve("segment2")));
    }

    /**
     * Random writes (across page boundaries), truncations both ways, fsyncs and cuts on three files,
     * against byte arrays: the current content after every operation, the content at the last
     * fsync after every cut. Seeded ({@code -Dwal4j.seed=N} repeats a run).
     */
    @Test
    void randomWritesTruncationsSyncsAndCutsMatchAByteArrayModel() throws IOException {
        long seed = Seeds.seed("PowerCutFileSystemTest.randomWrites");
        Random random = new Random(seed);
        int files = 3;
        byte[][] current = new byte[files][0];
        byte[][] durable = new byte[files][0];
        RandomAccessFile[] open = new RandomAccessFile[files];
        for (int i = 0; i < files; i++) {
            writeDurably(mnt.resolve("f" + i), "");
            open[i] = new RandomAccessFile(mnt.resolve("f" + i).toFile(), "rw");
        }
        try {
            for (int step = 0; step < 400; step++) {
                int i = random.nextInt(files);
                int op = random.nextInt(20);
                String where = "seed " + seed + ", step " + step + ", file f" + i;
                if (op < 11) {
                    int offset = nearPageBoundary(random, current[i].length + 3000);
                    byte[] data = new byte[1 + random.nextInt(9000)];
                    random.nextBytes(data);
                    open[i].seek(offset);
                    open[i].write(data);
                    current[i] = Arrays.copyOf(current[i], Math.max(current[i].length, offset + data.length));
                    System.arraycopy(data, 0, current[i], offset, data.length);
                } else if (op < 14) {
                    int size = nearPageBoundary(random, current[i].length + 5000);
                    open[i].setLength(size);
                    current[i] = Arrays.copyOf(current[i], size);
                } else if (op < 18) {
                    open[i].getFD().sync();
                    durable[i] = current[i].clone();
                } else {
                    fs.cutPower();
                    for (int j = 0; j < files; j++) {
                        open[j].close();
                        current[j] = durable[j].clone();
                        open[j] = new RandomAccessFile(mnt.resolve("f" + j).toFile(), "rw");
                    }
                }
                assertArrayEquals(current[i], Files.readAllBytes(mnt.resolve("f" + i)), where + ", after op " + op);
            }
        } finally {
            for (RandomAccessFile f : open) {
                f.close();
            }
        }
    }

    /** An offset in [0, bound], half the time within 16 bytes of a 4 KiB page boundary. */
    private static int nearPageBoundary(Random random, int bound) {
        if (random.nextBoolean()) {
            int page = random.nextInt(bound / 4096 + 1) * 4096;
            return Math.max(0, Math.min(bound, page + random.nextInt(33) - 16));
        }
        return random.nextInt(bound + 1);
    }

    /**
     * Random namespace changes (files and directories created, written and fsynced, renamed, linked,
     * unlinked, directories fsynced or not) with cuts in between: after each cut the tree the mount
     * shows is the tree the backing directory holds, and it mounts again to the same tree.
     */
    @Test
    void afterEachCutTheMountShowsWhatTheBackingHolds() throws IOException {
        long seed = Seeds.seed("PowerCutFileSystemTest.namespace");
        Random random = new Random(seed);
        int cuts = 0;
        for (int step = 0; step < 300; step++) {
            List<Path> dirs = new java.util.ArrayList<>(List.of(mnt));
            List<Path> files = new java.util.ArrayList<>();
            try (var walk = Files.walk(mnt)) {
                for (Path p : walk.toList()) {
                    if (!p.equals(mnt)) {
                        (Files.isDirectory(p) ? dirs : files).add(p);
                    }
                }
            }
            Path dir = dirs.get(random.nextInt(dirs.size()));
            Path name = dir.resolve("n" + random.nextInt(6));
            try {
                switch (random.nextInt(10)) {
                    case 0 -> Files.createDirectory(name);
                    case 1, 2 -> writeAndMaybeSync(name, "s" + step, random.nextBoolean());
                    case 3 -> {
                        if (!files.isEmpty()) {
                            Files.move(files.get(random.nextInt(files.size())), name, StandardCopyOption.ATOMIC_MOVE);
                        }
                    }
                    case 4 -> {
                        if (dirs.size() > 1) {
                            Files.move(dirs.get(1 + random.nextInt(dirs.size() - 1)), name,
                                    StandardCopyOption.ATOMIC_MOVE);
                        }
                    }
                    case 5 -> {
                        if (!files.isEmpty()) {
                            Files.createLink(name, files.get(random.nextInt(files.size())));
                        }
                    }
                    case 6 -> {
                        if (!files.isEmpty()) {
                            Files.delete(files.get(random.nextInt(files.size())));
                        }
                    }
                    case 7, 8 -> syncDirectory(dir);
                    default -> {
                        fs.cutPower();
                        cuts++;
                        assertEquals(tree(fs.backing()), tree(mnt), "seed " + seed + ", step " + step
                                + ": the mount after a cut vs the backing directory");
                    }
                }
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException
                     | java.nio.file.NoSuchFileException e) {
                // a random change that does not apply here (refused the way any file system refuses it)
            } catch (IOException e) {
                // a directory moved into itself (EINVAL), over a file (ENOTDIR), over a directory that is
                // not empty (ENOTEMPTY), or a file over a directory (EISDIR)
                String message = String.valueOf(e.getMessage());
                assertTrue(message.contains("Invalid argument") || message.contains("Not a directory")
                        || message.contains("Is a directory") || message.contains("Directory not empty"),
                        "seed " + seed + ": " + e);
            }
        }
        fs.cutPower();
        Map<String, String> afterCut = tree(mnt);
        assertEquals(tree(fs.backing()), afterCut, "seed " + seed + ": the mount after the last cut vs the backing");
        fs.close();
        assertEquals(afterCut, tree(fs.backing()), "seed " + seed + ": the backing after unmount");
        fs = PowerCutFileSystem.mount(fs.backing(), mnt);
        assertEquals(afterCut, tree(mnt), "seed " + seed + ": mounted again");
        assertTrue(cuts > 0);
    }

    private static void writeAndMaybeSync(Path f, String content, boolean sync) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(bytes(content));
            if (sync) {
                ch.force(true);
            }
        }
    }

    /** Relative path to content ("<dir>" for a directory), leaving out the staging directory. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> tree = new java.util.TreeMap<>();
        try (var walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String relative = root.relativize(p).toString();
                if (p.equals(root) || relative.startsWith(".powercut-inodes")) {
                    continue;
                }
                tree.put(relative, Files.isDirectory(p) ? "<dir>" : Files.readString(p));
            }
        }
        return tree;
    }

    // ---- a plain program in another process -------------------------------------------------

    @Test
    void coreutilsInAChildProcessSeeTheSameModel() throws Exception {
        String m = mnt.toString();
        // dd conv=fsync fsyncs the file; sync DIR fsyncs the directory; mv renames; nothing else syncs.
        run("sh", "-c", "printf durable | dd of=" + m + "/a conv=fsync status=none && sync " + m
                + " && printf lost | dd of=" + m + "/b status=none && mv " + m + "/a " + m + "/c");
        assertEquals("durable", Files.readString(mnt.resolve("c")));
        fs.cutPower();
        assertEquals("durable", Files.readString(mnt.resolve("a")));
        assertFalse(Files.exists(mnt.resolve("b")));
        assertFalse(Files.exists(mnt.resolve("c")));
    }

    // ---- tearing -----------------------------------------------------------------------------

    @Test
    void aTearKeepsASeededSubsetOf512ByteSectors() throws IOException {
        byte[] first = tornContent(Tear.lastWrites(1).sectorBytes(512).lostAs(LostSectors.ZEROS).seed(11), "f1");
        byte[] again = tornContent(Tear.lastWrites(1).sectorBytes(512).lostAs(LostSectors.ZEROS).seed(11), "f2");
        byte[] other = tornContent(Tear.lastWrites(1).sectorBytes(512).lostAs(LostSectors.ZEROS).seed(12), "f3");
        assertArrayEquals(first, again, "the same seed tears the same sectors");
        assertNotEquals(Arrays.toString(first), Arrays.toString(other), "another seed tears others");
        int[] kinds = sectorKinds(first, 512);
        assertTrue(kinds[0] > 0 && kinds[1] > 0, "some sectors kept, some lost: " + Arrays.toString(kinds));
        assertEquals(0, kinds[2], "a sector is kept or lost whole");
    }

    @Test
    void aTearAt4096BytesKeepsOrLosesWholePagesAndGarbageIsNotZero() throws IOException {
        byte[] torn = tornContent(Tear.lastWrites(1).sectorBytes(4096).lostAs(LostSectors.ZEROS).seed(5), "f1");
        int[] kinds = sectorKinds(torn, 4096);
        assertTrue(kinds[0] > 0 && kinds[1] > 0, Arrays.toString(kinds));
        assertEquals(0, kinds[2], "no 4 KiB block is mixed");

        byte[] garbage = tornContent(Tear.lastWrites(1).sectorBytes(4096).lostAs(LostSectors.GARBAGE).seed(5), "f2");
        int lostBlocks = 0;
        for (int block = 0; block < garbage.length / 4096; block++) {
            byte[] b = Arrays.copyOfRange(garbage, block * 4096, block * 4096 + 4096);
            if (b[0] != (byte) 0xAB || b[4095] != (byte) 0xAB) {
                lostBlocks++;
                assertFalse(allEqual(b, (byte) 0), "a lost block is garbage, not zeros");
            }
        }
        assertTrue(lostBlocks > 0);
    }

    @Test
    void withoutATearTheWholeUnsyncedWriteIsLost() throws IOException {
        byte[] none = tornContent(Tear.none(), "f");
        assertEquals(0, none.length);
    }

    /** Writes 64 KiB of 0xAB unsynced into a durable empty file in one write, cuts with {@code tear}, returns what is left. */
    private byte[] tornContent(Tear tear, String name) throws IOException {
        Path f = mnt.resolve(name);
        writeDurably(f, "");
        byte[] data = new byte[64 * 1024];
        Arrays.fill(data, (byte) 0xAB);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), 0);
        }
        fs.cutPower(tear);
        return Files.readAllBytes(f);
    }

    /** [kept sectors (all 0xAB), lost sectors (none 0xAB), mixed sectors]. */
    private static int[] sectorKinds(byte[] content, int sector) {
        int[] kinds = new int[3];
        for (int s = 0; s * sector < content.length; s++) {
            byte[] b = Arrays.copyOfRange(content, s * sector, Math.min(content.length, s * sector + sector));
            int ab = 0;
            for (byte x : b) {
                ab += x == (byte) 0xAB ? 1 : 0;
            }
            kinds[ab == b.length ? 0 : ab == 0 ? 1 : 2]++;
        }
        return kinds;
    }

    // ---- mounts ------------------------------------------------------------------------------

    @Test
    void theBackingHoldsTheDurableTreeAfterUnmountAndMountsAgain() throws IOException {
        writeDurably(mnt.resolve("kept"), "kept");
        Files.createDirectory(mnt.resolve("dir"));
        syncDirectory(mnt);
        writeDurably(mnt.resolve("dir").resolve("g"), "g");
        Path lost = mnt.resolve("lost");
        Files.writeString(lost, "lost");
        fs.cutPower();
        fs.close();
        Path backing = fs.backing();
        try (var list = Files.list(backing)) {
            assertEquals(List.of("dir", "kept"), list.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals("g", Files.readString(backing.resolve("dir").resolve("g")));
        fs = PowerCutFileSystem.mount(backing, mnt);
        assertEquals("kept", Files.readString(mnt.resolve("kept")));
        assertEquals("g", Files.readString(mnt.resolve("dir").resolve("g")));
    }

    @Test
    void aLeftoverMountOnTheMountPointIsDetached() throws IOException {
        writeDurably(mnt.resolve("first"), "1");
        Path otherBacking = Files.createDirectory(tmp.resolve("other"));
        Files.writeString(otherBacking.resolve("second"), "2");
        PowerCutFileSystem leftover = fs;
        fs = PowerCutFileSystem.mount(otherBacking, mnt);
        try {
            assertEquals("2", Files.readString(mnt.resolve("second")));
            assertFalse(Files.exists(mnt.resolve("first")));
        } finally {
            leftover.close();
        }
        assertEquals("1", Files.readString(leftover.backing().resolve("first")));
        assertEquals("2", Files.readString(mnt.resolve("second")), "closing the detached mount left the new one alone");
    }

    @Test
    void badArgumentsAreRefused() throws IOException {
        Path outer = Files.createDirectory(tmp.resolve("outer"));
        Path inner = Files.createDirectory(outer.resolve("inner"));
        assertThrows(IllegalArgumentException.class, () -> PowerCutFileSystem.mount(outer, inner));
        assertThrows(IllegalArgumentException.class, () -> PowerCutFileSystem.mount(inner, outer));
        assertThrows(IllegalArgumentException.class, () -> Tear.lastWrites(0));
        assertThrows(IllegalArgumentException.class, () -> Tear.lastWrites(1).sectorBytes(1024));
        IOException e = assertThrows(IOException.class, () -> Files.createDirectory(mnt.resolve(".powercut-inodes")));
        assertTrue(e.getMessage().contains("not permitted") || e.getClass().getSimpleName().contains("AccessDenied"),
                e.toString());
    }

    /** A JVM that died with its mount leaves a dead mount (ENOTCONN); the next mount detaches it. */
    @Test
    void aDeadMountLeftByAKilledJvmIsDetached() throws Exception {
        fs.close();
        fs = null;
        Path childBacking = Files.createDirectory(tmp.resolve("child-backing"));
        Path ack = tmp.resolve("child.ack");
        try (CrashJvm child = CrashJvm.start(MountingChild.class, tmp.resolve("logs"), "mounting-child", ack.toString(),
                childBacking.toString(), mnt.toString())) {
            new AckFile(ack).awaitLines(child, lines -> lines.contains("MOUNTED"), 60_000, "the mounting child");
            child.kill();
        }
        IOException dead = assertThrows(IOException.class, () -> Files.readString(mnt.resolve("from-the-child")));
        assertTrue(String.valueOf(dead.getMessage()).contains("Transport endpoint is not connected"), dead.toString());
        fs = PowerCutFileSystem.mount(Files.createDirectory(tmp.resolve("next")), mnt);
        writeDurably(mnt.resolve("f"), "works");
        assertEquals("works", Files.readString(mnt.resolve("f")));
        try (var list = Files.list(mnt)) {
            assertEquals(List.of("f"), list.map(p -> p.getFileName().toString()).toList());
        }
        // The dead JVM's backing: its unsynced file was lost with it, as at a power cut.
        fs.close();
        fs = PowerCutFileSystem.mount(childBacking, mnt);
        try (var list = Files.list(mnt)) {
            assertEquals(List.of(), list.toList());
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static void writeDurably(Path f, String content) throws IOException {
        writeDurably(f, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes, fsyncs the file, fsyncs its directory. */
    private static void writeDurably(Path f, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        syncDirectory(f.getParent());
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean allEqual(byte[] b, byte value) {
        for (byte x : b) {
            if (x != value) {
                return false;
            }
        }
        return true;
    }

    /** fallocate(2) mode 0 through libc, without the fsync that fallocate(1) adds. */
    private static void fallocate(Path f, long length) {
        Function open = Function.getFunction("c", "open", Function.THROW_LAST_ERROR);
        Function fallocate = Function.getFunction("c", "fallocate", Function.THROW_LAST_ERROR);
        Function close = Function.getFunction("c", "close", Function.THROW_LAST_ERROR);
        int fd = open.invokeInt(new Object[] {f.toString(), 2 /* O_RDWR */});
        try {
            assertEquals(0, fallocate.invokeInt(new Object[] {fd, 0, 0L, length}));
        } finally {
            close.invokeInt(new Object[] {fd});
        }
    }

    private void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("run.out").toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + Files.readString(tmp.resolve("run.out")));
    }
}
