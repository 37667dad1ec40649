package io.github.wal4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.wal4j.fixtures.LayoutModel;
import io.github.wal4j.fixtures.Protections;
import io.github.wal4j.testing.SimulatedDisk;
import io.github.wal4j.fixtures.Tries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: a log written through the public API is damaged at rest (bit flips, zeroed ranges,
 * overwritten ranges, garbage appended, huge length fields) at random places. Reopening in strict
 * mode never returns a record that was not appended and never throws anything but
 * {@link WalCorruptedException} or {@link WalFormatException} (no OutOfMemoryError,
 * NegativeArraySizeException, IndexOutOfBoundsException; the test has a timeout for hangs), and its
 * verdict is the one the recovery rule prescribes, computed here from an independent model of the
 * layout ({@link LayoutModel}): damage followed by an intact batch header or seal, or in a segment that a
 * newer one follows, or that leaves a cleanly closed log shorter than its clean-close mark, is
 * corruption; damage only to the last batch of an unclosed log is a torn tail
 * and yields exactly the records before it. Point-in-time mode always yields the records before
 * the first damage. Each case draws the log's protection (none, AES-256-GCM or the HMAC chain); in a
 * protected log the seal sits inside the checksummed frame, so the verdicts are the same, and the
 * protected segment header's extension (key id, HMAC, CRC) is header like the rest. Reproduce with
 * {@code -DQT_SEED=<printed seed>}.
 */
class CorruptionPropertyTest {
    @TempDir
    Path tmp;

    /** One damage: kind, where (fraction of the log), how much, and a seed for its bytes. */
    record Damage(int kind, double where, int length, long seed) {
        @Override
        public String toString() {
            String[] names = {"bitflip", "zero", "overwrite", "garbage-appended", "huge-length"};
            return names[kind] + "@" + String.format("%.4f", where) + "+" + length;
        }
    }

    @Test
    @Timeout(600)
    void damageIsCutOnlyWhenUnacknowledgedAndNeverInvented() {
        var damages = integers().between(0, 4).zip(integers().between(0, 1_000_000), integers().between(1, 700),
                longs().all(), (k, w, n, s) -> new Damage(k, w / 1_000_000.0, n, s));
        qt().withExamples(Tries.count()).withShrinkCycles(300)
                .forAll(lists().of(TruncationPropertyTest.recordSizes()).ofSizeBetween(1, 25), booleans().all(),
                        lists().of(damages).ofSizeBetween(1, 3), arbitrary().enumValues(Protection.class))
                .checkAssert((sizes, closeCleanly, damage, protection) -> {
                    try {
                        check(sizes, closeCleanly, damage, protection);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    private void check(List<Integer> sizes, boolean closeCleanly, List<Damage> damage, Protection protection)
            throws IOException {
        Path dir = Files.createTempDirectory(tmp, "wal");
        LayoutModel model = new LayoutModel(TruncationPropertyTest.SEGMENT, Protections.sealBytes(protection));
        SimulatedDisk disk = TruncationPropertyTest.write(dir, sizes, closeCleanly, model, protection);
        int files = model.segments().size();
        byte[][] before = new byte[files][];
        byte[][] after = new byte[files][];
        long total = 0;
        for (int i = 0; i < files; i++) {
            before[i] = disk.contents(TruncationPropertyTest.segment(dir, i));
            after[i] = before[i].clone();
            total += before[i].length;
        }
        for (Damage d : damage) {
            apply(d, after, model, total);
        }
        for (int i = 0; i < files; i++) {
            disk.replace(TruncationPropertyTest.segment(dir, i), after[i]);
        }

        Expectation expect = closeMarked(expectation(model, before, after, Protections.headerBytes(protection)),
                closeCleanly ? sizes.size() : 0);
        WriteAheadLog wal = null;
        try {
            wal = WriteAheadLog.open(dir, TruncationPropertyTest.options(disk, protection));
            if (expect.verdict != Verdict.RECORDS) {
                fail("expected " + expect.verdict + " but recovery accepted: " + wal.recoveryReport().summary());
            }
            List<Long> got = wal.recover().stream().map(WalRecord::sequence).toList();
            assertEquals(expect.records, got, "records after damage " + damage + ": "
                    + wal.recoveryReport().summary());
        } catch (WalCorruptedException e) {
            assertEquals(Verdict.CORRUPTED, expect.verdict, "damage " + damage + " to " + describe(model, before, after)
                    + ": " + e.getMessage());
        } catch (WalFormatException e) {
            assertEquals(Verdict.FOREIGN, expect.verdict, "damage " + damage + ": " + e.getMessage());
        } finally {
            if (wal != null) {
                wal.close();
            }
        }
        if (expect.verdict == Verdict.FOREIGN) {
            return;
        }
        // Point-in-time mode keeps exactly the records before the first damage and takes appends.
        try (WriteAheadLog pit = WriteAheadLog.open(dir, TruncationPropertyTest.options(disk, protection)
                .withRecoveryMode(RecoveryMode.POINT_IN_TIME))) {
            List<WalRecord> records = pit.recover();
            assertEquals(expect.prefix, records.stream().map(WalRecord::sequence).toList(), "point-in-time prefix");
            for (WalRecord r : records) {
                assertTrue(Arrays.equals(TruncationPropertyTest.payload(r.sequence(), sizes.get((int) r.sequence() - 1)),
                        r.payload()), "payload of " + r.sequence());
            }
            long next = pit.append(new byte[] {9});
            if (expect.verdict == Verdict.CORRUPTED) {
                // Acknowledged records were cut: their sequences are never handed out again. The next
                // append continues after the highest one the log shows was written: all of them when
                // the clean-close mark says so; in a crashed log, the highest a legible batch header
                // names (damage to a segment header hides its batches: their checksums need its salt).
                assertTrue(next >= expect.prefix.size() + 1 && next <= sizes.size() + 1, "next append " + next
                        + " after a cut of " + (expect.prefix.size() + 1) + ".." + sizes.size());
                if (closeCleanly) {
                    assertEquals(sizes.size() + 1, next, "the clean-close mark names the highest sequence");
                }
            } else {
                assertEquals(expect.prefix.size() + 1, next);
            }
        }
    }

    private static void apply(Damage d, byte[][] files, LayoutModel model, long total) {
        Random random = new Random(d.seed);
        if (d.kind == 3) {
            int last = files.length - 1;
            byte[] junk = new byte[d.length];
            random.nextBytes(junk);
            byte[] longer = Arrays.copyOf(files[last], files[last].length + junk.length);
            System.arraycopy(junk, 0, longer, files[last].length, junk.length);
            files[last] = longer;
            return;
        }
        long global = (long) (d.where * total);
        int index = 0;
        while (index < files.length - 1 && global >= files[index].length) {
            global -= files[index].length;
            index++;
        }
        byte[] file = files[index];
        int at = (int) Math.min(global, file.length - 1);
        switch (d.kind) {
            case 0 -> file[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> Arrays.fill(file, at, Math.min(file.length, at + d.length), (byte) 0);
            case 2 -> {
                for (int i = at; i < Math.min(file.length, at + d.length); i++) {
                    file[i] = (byte) random.nextInt(256);
                }
            }
            default -> {
                // A huge length field in the record nearest to the chosen place.
                List<LayoutModel.Batch> batches = model.segments().get(index).stream().filter(b -> !b.seal()).toList();
                if (batches.isEmpty()) {
                    file[at] ^= 1;
                    return;
                }
                LayoutModel.Batch b = batches.get(Math.min(batches.size() - 1,
                        (int) (d.where * batches.size())));
                int field = (int) b.start() + LayoutModel.BATCH_HEADER;
                int huge = random.nextBoolean() ? 0x7fffffff : 0xffffffff;
                for (int k = 0; k < 4; k++) {
                    file[field + k] = (byte) (huge >>> (24 - 8 * k));
                }
            }
        }
    }

    enum Verdict { RECORDS, CORRUPTED, FOREIGN }

    record Expectation(Verdict verdict, List<Long> records, List<Long> prefix) {
    }

    /**
     * What the recovery rule says about these bytes (docs/security/wal.md, section 5).
     *
     * @param headerBytes bytes of a segment header that carry meaning (48, more in a protected log)
     */
    private static Expectation expectation(LayoutModel model, byte[][] before, byte[][] after, int headerBytes) {
        List<Long> prefix = new ArrayList<>();
        int files = before.length;
        for (int i = 0; i < files; i++) {
            boolean newest = i == files - 1;
            if (newest && allZero(after[i])) {
                // Nothing on disk tells this file from a segment whose creation never completed.
                return new Expectation(Verdict.RECORDS, prefix, prefix);
            }
            if (allZero(Arrays.copyOf(after[i], 48))) {
                return new Expectation(Verdict.CORRUPTED, null, prefix);
            }
            if (changed(before[i], after[i], 0, 8)) {
                return new Expectation(Verdict.FOREIGN, null, prefix);
            }
            if (changed(before[i], after[i], 8, headerBytes)) {
                return new Expectation(Verdict.CORRUPTED, null, prefix);
            }
            List<LayoutModel.Batch> batches = model.segments().get(i);
            for (int k = 0; k < batches.size(); k++) {
                LayoutModel.Batch b = batches.get(k);
                if (!changed(before[i], after[i], b.start(), b.end())) {
                    if (!b.seal()) {
                        prefix.add(b.sequence());
                    }
                    continue;
                }
                boolean evidence = !newest;
                for (int later = k + 1; later < batches.size() && !evidence; later++) {
                    LayoutModel.Batch l = batches.get(later);
                    // An intact batch header is proof enough: its durable-through mark says the damaged
                    // records were durable when it was written, whatever happened to its own records.
                    evidence = !changed(before[i], after[i], l.start(), l.start() + LayoutModel.BATCH_HEADER);
                }
                if (evidence) {
                    return new Expectation(Verdict.CORRUPTED, null, prefix);
                }
                return new Expectation(Verdict.RECORDS, prefix, prefix);
            }
        }
        // Every batch intact. Bytes appended after the last batch are an unacknowledged tail.
        return new Expectation(Verdict.RECORDS, prefix, prefix);
    }

    /**
     * The clean-close mark (docs/security/wal.md, section 5): a cleanly closed log that would keep
     * fewer records than it closed with, whatever the bytes say, lost acknowledged ones: refused.
     *
     * @param closedAt the last sequence at the clean close, 0 if the log was not closed cleanly
     */
    private static Expectation closeMarked(Expectation expect, long closedAt) {
        if (expect.verdict == Verdict.RECORDS && expect.records.size() < closedAt) {
            return new Expectation(Verdict.CORRUPTED, null, expect.prefix);
        }
        return expect;
    }

    /** The layout and which batches the damage changed, for failure messages. */
    private static String describe(LayoutModel model, byte[][] before, byte[][] after) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < before.length; i++) {
            s.append("[segment ").append(i + 1).append(", ").append(after[i].length).append(" bytes:");
            for (LayoutModel.Batch b : model.segments().get(i)) {
                s.append(' ').append(b.seal() ? "seal" : "#" + b.sequence()).append('@').append(b.start()).append('-')
                        .append(b.end()).append(changed(before[i], after[i], b.start(), b.end()) ? "(changed)" : "");
            }
            s.append(']');
        }
        return s.toString();
    }

    private static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether any byte in [from, to) differs (bytes past a file's end count as changed). */
    private static boolean changed(byte[] before, byte[] after, long from, long to) {
        for (long i = from; i < to; i++) {
            boolean inBefore = i < before.length;
            boolean inAfter = i < after.length;
            if (inBefore != inAfter || (inBefore && before[(int) i] != after[(int) i])) {
                return true;
            }
        }
        return false;
    }
}
