package io.github.wal4j.cli;

import io.github.wal4j.RecoveryReport.Finding;
import io.github.wal4j.WalOptions;
import io.github.wal4j.inspect.LogFileNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The quarantine of {@code wal4j repair}: which files opening the log will change (from verify's
 * findings), a new owner-only directory outside the WAL for their copies, the copies themselves
 * (each fsynced, then the directory) and {@code REPAIR.txt}, which says what each copy is. Every
 * copy is durable before the repair lets open change the original.
 */
final class Quarantine {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** A file the repair will change, and how. */
    record Planned(Path source, String name, String action) {
    }

    private Quarantine() {
    }

    /** The files opening the log will change, from verify's findings. */
    static List<Planned> plan(WalDirectory wal, Verification v, Finding corruption) throws IOException {
        List<Planned> plan = new ArrayList<>();
        for (Finding f : v.findings) {
            switch (f.kind()) {
                case TEMPORARY_REMOVED -> plan.add(new Planned(wal.dir.resolve(f.file()), f.file(),
                        "removed by open (leftover of an interrupted segment creation, segment preparation or checkpoint)"));
                case FREED_REMOVED -> plan.add(new Planned(wal.dir.resolve(f.file()), f.file(),
                        "removed by open (a segment the checkpoint freed, kept for recycling)"));
                case COVERED_REMOVED -> plan.add(new Planned(wal.dir.resolve(f.file()), f.file(),
                        "removed by open (the checkpoint in force covers every record in it)"));
                case TORN_TAIL -> plan.add(new Planned(wal.dir.resolve(f.file()), f.file(),
                        f.firstSequence() == 0 && f.offset() == 0 ? "removed by open (newest segment without a "
                                + "complete header: a torn tail)" : "truncated by open at offset " + f.offset()
                                        + " (torn tail of " + f.bytes() + " bytes, never acknowledged)"));
                case SNAPSHOT_ROLLED_FORWARD -> {
                    Path snapshot = v.checkpoint.snapshot();
                    if (Files.exists(snapshot, LinkOption.NOFOLLOW_LINKS)) {
                        plan.add(new Planned(snapshot, "snapshot-" + snapshot.getFileName(), "replaced by open with"
                                + " the committed snapshot " + v.checkpoint.snapshotTemporary().getFileName()));
                    }
                }
                default -> {
                }
            }
        }
        for (Path stale : v.staleSnapshotTemporaries) {
            plan.add(new Planned(stale, "snapshot-" + stale.getFileName(), "removed by open (temporary file of a"
                    + " snapshot whose checkpoint never committed)"));
        }
        if (corruption != null) {
            long damagedId = LogFileNames.segmentId(corruption.file());
            for (long id : wal.segmentIds()) {
                if (id < damagedId) {
                    continue;
                }
                String name = LogFileNames.segment(id);
                boolean cut = id == damagedId && corruption.offset() > 0;
                plan.add(new Planned(wal.segment(id), name, cut ? "truncated by open at offset " + corruption.offset()
                        + " (point-in-time cut at damage to acknowledged data; open also keeps a copy as "
                        + name + ".broken)" : "set aside by open as " + name + ".broken (point-in-time cut"
                                + (id == damagedId ? " at its damaged start" : " in an earlier segment") + ")"));
            }
        }
        return plan;
    }

    /** The quarantine directory, created (0700) and checked: new or empty, outside the WAL directory. */
    static Path directory(WalDirectory wal, Path quarantine) throws IOException, CliException {
        Path q;
        if (quarantine != null) {
            q = quarantine.toAbsolutePath().normalize();
        } else {
            Path parent = wal.dir.getParent();
            String base = wal.dir.getFileName() + ".quarantine-" + STAMP.format(Instant.now());
            q = parent.resolve(base);
            for (int n = 2; Files.exists(q, LinkOption.NOFOLLOW_LINKS); n++) {
                q = parent.resolve(base + "-" + n);
            }
        }
        Path existing = q;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        Path real = existing == null ? q : existing.toRealPath().resolve(existing.relativize(q)).normalize();
        if (real.startsWith(wal.dir.toRealPath()) || q.startsWith(wal.dir)) {
            throw new CliException(Wal4jCli.USAGE, "--quarantine " + q + " is inside the WAL directory, which"
                    + " must hold only the log's own files: choose a directory outside it");
        }
        if (Files.exists(q, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(q, LinkOption.NOFOLLOW_LINKS)) {
                throw new CliException(Wal4jCli.USAGE, "--quarantine " + q + " exists and is not a directory");
            }
            try (Stream<Path> entries = Files.list(q)) {
                if (entries.findAny().isPresent()) {
                    throw new CliException(Wal4jCli.USAGE, "--quarantine " + q + " is not empty: give a new or"
                            + " empty directory, so no earlier copy is overwritten");
                }
            }
            return q;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(q, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(q);
        }
        if (q.getParent() != null) {
            wal.storage.syncDirectory(q.getParent());
        }
        return q;
    }

    /** Copies every planned file into {@code q}, fsyncs each copy and the directory; returns each copy's description. */
    static Map<Planned, String> copy(WalDirectory wal, List<Planned> plan, Path q, Progress progress)
            throws IOException {
        Map<Planned, String> copied = new LinkedHashMap<>();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        for (Planned p : plan) {
            Path target = q.resolve(p.name());
            CRC32C crc = new CRC32C();
            long total = 0;
            try (FileChannel in = FileChannel.open(p.source(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                    FileChannel copy = createOwnerOnly(target)) {
                int n;
                while ((n = in.read(buffer.clear(), total)) > 0) {
                    buffer.flip();
                    crc.update(buffer.duplicate());
                    while (buffer.hasRemaining()) {
                        copy.write(buffer, total + buffer.position());
                    }
                    total += n;
                    progress.add(n);
                }
                copy.force(true);
                if (copy.size() != in.size()) {
                    throw new IOException("copy of " + p.source() + " to " + target + " holds " + copy.size()
                            + " bytes, the file " + in.size() + " (did it change meanwhile?)");
                }
            }
            copied.put(p, total + " bytes, crc32c 0x" + String.format("%08x", (int) crc.getValue()));
        }
        wal.storage.syncDirectory(q);
        return copied;
    }

    /**
     * A new file, {@code rw-------} whatever the log's own files are: the copies hold the log's
     * records and the manifest what verify found in them, and a quarantine outlives the repair.
     */
    private static FileChannel createOwnerOnly(Path path) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return FileChannel.open(path, options, PosixFilePermissions.asFileAttribute(WalOptions.OWNER_ONLY));
        }
        return FileChannel.open(path, options);
    }

    /** REPAIR.txt in the quarantine: what each copy is, and verify's report before the repair. */
    static void writeManifest(WalDirectory wal, Verification v, LossEstimate loss, Map<Planned, String> copied, Path q)
            throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("wal4j repair of ").append(wal.dir).append(" at ").append(Instant.now()).append('\n');
        b.append("mode: ").append(loss != null ? "POINT_IN_TIME (--accept-data-loss)" : "STRICT").append('\n');
        b.append("\ncopies in this directory, taken before the repair changed the files:\n");
        for (Map.Entry<Planned, String> e : copied.entrySet()) {
            b.append("  ").append(e.getKey().name()).append(" (from ").append(e.getKey().source()).append("): ")
                    .append(e.getValue()).append("; ").append(e.getKey().action()).append('\n');
        }
        b.append("\nwhat verify found before the repair:\n");
        for (Finding f : v.findings) {
            b.append("  ").append(f).append('\n');
        }
        if (loss != null) {
            b.append("\nlost: ").append(loss.describe()).append('\n');
        }
        Path manifest = q.resolve("REPAIR.txt");
        try (FileChannel channel = createOwnerOnly(manifest)) {
            ByteBuffer bytes = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        wal.storage.syncDirectory(q);
    }
}
