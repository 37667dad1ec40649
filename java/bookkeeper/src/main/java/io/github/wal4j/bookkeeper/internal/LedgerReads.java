package io.github.wal4j.bookkeeper.internal;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalException;
import io.github.wal4j.bookkeeper.internal.LogMetadata.Ledger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import org.apache.bookkeeper.client.BKException;
import org.apache.bookkeeper.client.LedgerEntry;
import org.apache.bookkeeper.client.LedgerHandle;

/**
 * Reads a run of a ledger's entries as the log's records, checked against the ledger list (each
 * entry's own sequence, {@link EntryFormat}): shared by the writer's readers and the follower.
 */
public final class LedgerReads {
    /** The ledger of {@code ledgers} that holds {@code sequence}, or null. */
    public static Ledger find(List<Ledger> ledgers, long sequence) {
        for (Ledger l : ledgers) {
            if (l.first() <= sequence && (!l.closed() || sequence <= l.last())) {
                return l;
            }
        }
        return null;
    }

    /** Opens (or returns) the handle to read {@code ledgerId} through. */
    @FunctionalInterface
    public interface Handles {
        LedgerHandle get(long ledgerId) throws BKException, InterruptedException;
    }

    private LedgerReads() {}

    /**
     * The entries of sequences {@code from..to} (all in {@code ledger}), each whole entry (header
     * included). {@code unconfirmed}: read past the handle's own last-add-confirmed, for a reader
     * that learned from the bookies that the entries are confirmed.
     *
     * @throws WalCorruptedException if an entry is not the record the list maps there, or fails its digest
     * @throws WalException if the ledger is gone or BookKeeper fails
     */
    public static List<byte[]> read(Handles handles, Ledger ledger, long from, long to, boolean unconfirmed,
            String description) throws WalException {
        Objects.requireNonNull(ledger, "ledger");
        long firstEntry = from - ledger.first();
        long lastEntry = to - ledger.first();
        Path name = Path.of("bookkeeper-ledger-" + ledger.id());
        List<byte[]> out = new ArrayList<>((int) (to - from + 1));
        try {
            LedgerHandle h = handles.get(ledger.id());
            Enumeration<LedgerEntry> entries = unconfirmed ? h.readUnconfirmedEntries(firstEntry, lastEntry)
                    : h.readEntries(firstEntry, lastEntry);
            while (entries.hasMoreElements()) {
                LedgerEntry e = entries.nextElement();
                byte[] entry = e.getEntry();
                long expected = ledger.first() + e.getEntryId();
                if (entry.length < EntryFormat.HEADER || EntryFormat.sequence(entry) != expected
                        || expected != from + out.size()) {
                    throw new WalCorruptedException(name, e.getEntryId(), "entry holds sequence "
                            + (entry.length < EntryFormat.HEADER ? "(none: " + entry.length + " bytes)"
                                    : EntryFormat.sequence(entry)) + ", the ledger list maps it to " + expected);
                }
                out.add(entry);
            }
        } catch (BKException.BKNoSuchLedgerExistsException
                | BKException.BKNoSuchLedgerExistsOnMetadataServerException e) {
            throw new WalException(description + ": ledger " + ledger.id() + " is gone (a checkpoint removed it "
                    + "while this reader still had to read it)", e);
        } catch (BKException.BKDigestMatchException e) {
            throw new WalCorruptedException(name, firstEntry, "digest mismatch in entries " + firstEntry + ".."
                    + lastEntry);
        } catch (BKException e) {
            throw new WalException(description + ": cannot read ledger " + ledger.id() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalException(description + ": interrupted while reading ledger " + ledger.id(), e);
        }
        if (out.size() != to - from + 1) {
            throw new WalCorruptedException(name, firstEntry, "asked for " + (to - from + 1)
                    + " entries, BookKeeper returned " + out.size());
        }
        return out;
    }
}
