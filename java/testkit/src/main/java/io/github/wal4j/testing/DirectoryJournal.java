package io.github.wal4j.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The directories of a {@link SimulatedDisk}: each one's entries as they are now and as they were at
 * its last directory sync, and the creates, renames and deletes made since then, in order.
 *
 * <p>A power cut ({@link #afterCut}) keeps a random prefix of each directory's operations since its
 * sync: any of them may be undone, but never one while a later one survives. Directories are keyed by their absolute, normalized
 * path; entries name {@link SimulatedFile}s, which a rename carries over unchanged (a handle follows
 * its file, as a descriptor does).
 *
 * <p>Not thread-safe: the disk's lock guards every call.
 */
final class DirectoryJournal {

    private enum Kind { CREATE, RENAME, DELETE }

    /** One directory operation since the last sync; {@code other} is a rename's new name. */
    private record Operation(Kind kind, String name, String other, SimulatedFile file) {
    }

    private final Map<String, Map<String, SimulatedFile>> current = new HashMap<>();
    private final Map<String, Map<String, SimulatedFile>> durable = new HashMap<>();
    private final Map<String, List<Operation>> unsynced = new HashMap<>();

    /** The names in {@code dir} now, in no particular order (a copy). */
    List<String> names(String dir) {
        return new ArrayList<>(entries(current, dir).keySet());
    }

    /** The file {@code name} in {@code dir} now, or {@code null}. */
    SimulatedFile get(String dir, String name) {
        return entries(current, dir).get(name);
    }

    /** Adds the entry {@code name}; the caller has checked that the name is free. */
    void create(String dir, String name, SimulatedFile file) {
        entries(current, dir).put(name, file);
        log(dir, new Operation(Kind.CREATE, name, null, file));
    }

    /** Renames {@code from} to {@code to} in {@code dir}, replacing {@code to}; {@code null} if {@code from} is missing. */
    SimulatedFile rename(String dir, String from, String to) {
        Map<String, SimulatedFile> entries = entries(current, dir);
        SimulatedFile file = entries.remove(from);
        if (file == null) {
            return null;
        }
        entries.put(to, file);
        log(dir, new Operation(Kind.RENAME, from, to, file));
        return file;
    }

    /** Removes the entry {@code name} if there is one. */
    void delete(String dir, String name) {
        SimulatedFile removed = entries(current, dir).remove(name);
        if (removed != null) {
            log(dir, new Operation(Kind.DELETE, name, null, removed));
        }
    }

    /** A directory fsync: the entries of {@code dir} as they are now become durable. */
    void sync(String dir) {
        durable.put(dir, new HashMap<>(entries(current, dir)));
        unsynced.remove(dir);
    }

    /**
     * The directories as a reboot after {@code cut} finds them: each one as last synced, plus a
     * random prefix of its later operations, every file in them as {@link PowerCut#survivor} makes
     * it (once per file, however many entries name it). Everything in the result is durable.
     */
    DirectoryJournal afterCut(PowerCut cut) {
        DirectoryJournal after = new DirectoryJournal();
        Map<SimulatedFile, SimulatedFile> survived = new IdentityHashMap<>();
        Set<String> dirs = new HashSet<>(current.keySet());
        dirs.addAll(durable.keySet());
        for (String d : dirs) {
            Map<String, SimulatedFile> entries = new HashMap<>(durable.getOrDefault(d, Map.of()));
            List<Operation> ops = unsynced.getOrDefault(d, List.of());
            int keep = ops.isEmpty() ? 0 : cut.random().nextInt(ops.size() + 1);
            for (Operation op : ops.subList(0, keep)) {
                switch (op.kind) {
                    case CREATE -> entries.put(op.name, op.file);
                    case DELETE -> entries.remove(op.name);
                    case RENAME -> {
                        entries.remove(op.name);
                        entries.put(op.other, op.file);
                    }
                    default -> throw new AssertionError(op.kind);
                }
            }
            Map<String, SimulatedFile> rebuilt = entries(after.current, d);
            for (Map.Entry<String, SimulatedFile> e : entries.entrySet()) {
                rebuilt.put(e.getKey(), survived.computeIfAbsent(e.getValue(), cut::survivor));
            }
            after.durable.put(d, new HashMap<>(rebuilt));
        }
        return after;
    }

    private void log(String dir, Operation op) {
        unsynced.computeIfAbsent(dir, d -> new ArrayList<>()).add(op);
    }

    private static Map<String, SimulatedFile> entries(Map<String, Map<String, SimulatedFile>> view, String dir) {
        return view.computeIfAbsent(dir, d -> new HashMap<>());
    }
}
