package io.github.wal4j.bookkeeper.internal;

import io.github.wal4j.WalFormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The ledger list of one log: the data of its ZooKeeper node, compared-and-set on the node's
 * version by every writer. Owns the layout (UTF-8 text, one item a line):
 * <pre>
 * wal4j-bookkeeper-log 1          format and its version
 * epoch 7                         +1 on every writer's open: the writer that set it owns the log
 * checkpoint 120                  records up to it are covered by the application's own store
 * ledger 41 first 101 last 180    a closed ledger: sequences 101..180 are its entries 0..79
 * ledger 44 first 181 open        the active (or a crashed writer's) ledger: its end is what
 *                                 a recovery open (fencing) finds
 * </pre>
 * Ledgers are in sequence order and contiguous ({@code first} of each is {@code last + 1} of the
 * one before). An empty closed ledger has {@code last = first - 1}. Immutable.
 */
public final class LogMetadata {
    static final String MAGIC = "wal4j-bookkeeper-log 1";

    /** One ledger of the log; {@code last} is meaningful only when {@code closed}. */
    public record Ledger(long id, long first, long last, boolean closed) {
        public Ledger closedAt(long lastSequence) {
            return new Ledger(id, first, lastSequence, true);
        }
    }

    private final long epoch;
    private final long checkpoint;
    private final List<Ledger> ledgers;

    public LogMetadata(long epoch, long checkpoint, List<Ledger> ledgers) {
        this.epoch = epoch;
        this.checkpoint = checkpoint;
        this.ledgers = Collections.unmodifiableList(new ArrayList<>(ledgers));
    }

    public static LogMetadata empty() {
        return new LogMetadata(0, 0, List.of());
    }

    public long epoch() {
        return epoch;
    }

    public long checkpoint() {
        return checkpoint;
    }

    public List<Ledger> ledgers() {
        return ledgers;
    }

    /** The first sequence a new ledger after the last closed one gets. */
    public long nextSequence() {
        if (ledgers.isEmpty()) {
            return checkpoint + 1;
        }
        Ledger last = ledgers.get(ledgers.size() - 1);
        if (!last.closed()) {
            throw new IllegalStateException("the last ledger " + last.id() + " is not closed");
        }
        return last.last() + 1;
    }

    public LogMetadata with(long newEpoch, long newCheckpoint, List<Ledger> newLedgers) {
        return new LogMetadata(newEpoch, newCheckpoint, newLedgers);
    }

    public byte[] encode() {
        StringBuilder b = new StringBuilder(64 + 48 * ledgers.size());
        b.append(MAGIC).append('\n');
        b.append("epoch ").append(epoch).append('\n');
        b.append("checkpoint ").append(checkpoint).append('\n');
        for (Ledger l : ledgers) {
            b.append("ledger ").append(l.id()).append(" first ").append(l.first());
            if (l.closed()) {
                b.append(" last ").append(l.last());
            } else {
                b.append(" open");
            }
            b.append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses and checks the node's data.
     *
     * @throws WalFormatException if it is not a ledger list of this version, or its ledgers are not
     *     contiguous (the message names the line)
     */
    public static LogMetadata decode(String where, byte[] data) throws WalFormatException {
        String[] lines = new String(data, StandardCharsets.UTF_8).split("\n", -1);
        if (lines.length < 4 || !lines[0].equals(MAGIC) || !lines[lines.length - 1].isEmpty()) {
            throw new WalFormatException(where + ": not a wal4j BookKeeper ledger list (expected '" + MAGIC
                    + "' on the first line and a newline at the end)");
        }
        long epoch = field(where, lines[1], "epoch");
        long checkpoint = field(where, lines[2], "checkpoint");
        List<Ledger> ledgers = new ArrayList<>();
        for (int i = 3; i < lines.length - 1; i++) {
            String[] w = lines[i].split(" ");
            boolean closed = w.length == 6 && w[4].equals("last");
            boolean open = w.length == 5 && w[4].equals("open");
            if (!w[0].equals("ledger") || !(closed || open) || !w[2].equals("first")) {
                throw new WalFormatException(where + ": line " + (i + 1) + " is not a ledger: '" + lines[i] + "'");
            }
            Ledger l = new Ledger(number(where, i, w[1]), number(where, i, w[3]), closed ? number(where, i, w[5]) : -1,
                    closed);
            if (l.first() < 1 || (closed && l.last() < l.first() - 1)) {
                throw new WalFormatException(where + ": line " + (i + 1) + " has an impossible range: '" + lines[i] + "'");
            }
            if (!ledgers.isEmpty()) {
                Ledger prev = ledgers.get(ledgers.size() - 1);
                if (prev.closed() && l.first() != prev.last() + 1) {
                    throw new WalFormatException(where + ": line " + (i + 1) + ": ledger " + l.id() + " starts at "
                            + l.first() + ", expected " + (prev.last() + 1));
                }
                // A writer closes a ledger before it lists the next (BookKeeperLog's roll), so only
                // the last one can be open.
                if (!prev.closed()) {
                    throw new WalFormatException(where + ": line " + (i + 1) + ": ledger " + prev.id()
                            + " is open but not last");
                }
            }
            ledgers.add(l);
        }
        return new LogMetadata(epoch, checkpoint, ledgers);
    }

    private static long field(String where, String line, String name) throws WalFormatException {
        String prefix = name + " ";
        if (!line.startsWith(prefix)) {
            throw new WalFormatException(where + ": expected '" + name + " <number>', found '" + line + "'");
        }
        try {
            long v = Long.parseLong(line.substring(prefix.length()));
            if (v < 0) {
                throw new WalFormatException(where + ": negative " + name + ": " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new WalFormatException(where + ": '" + line + "' has no number");
        }
    }

    private static long number(String where, int line, String s) throws WalFormatException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new WalFormatException(where + ": line " + (line + 1) + ": '" + s + "' is not a number");
        }
    }

    @Override
    public String toString() {
        return new String(encode(), StandardCharsets.UTF_8).replace('\n', ';');
    }
}
