package io.github.wal4j.testing;

import java.io.IOException;

/**
 * The faults armed on a {@link SimulatedDisk}: the power switch with its countdown of mutating
 * calls, and a file sync armed to fail.
 *
 * <p>Every mutating call (write, sync, truncate, create, rename, delete, directory sync) passes
 * {@link #mutate} first, and every other call {@link #checkOn}: once the power is off both throw, so
 * nothing happens on a disk without power. {@code -Dsimdisk.trace=true} prints every mutating call,
 * to follow a failing case.
 *
 * <p>Not thread-safe: the disk's lock guards every call.
 */
final class DiskFaults {
    private static final boolean TRACE = Boolean.getBoolean("simdisk.trace");

    private long mutationsLeft = Long.MAX_VALUE;
    private boolean off;
    private long mutations;
    /** A part of the file name whose next sync fails (null: none armed). */
    private String failSyncOf;

    /** After {@code n} more mutating calls succeed, the next one fails and the power is off. */
    void powerOffAfter(long n) {
        mutationsLeft = n;
    }

    /** Turns the power off now. */
    void powerOff() {
        off = true;
    }

    boolean isOff() {
        return off;
    }

    /** Mutating calls that succeeded so far. */
    long mutations() {
        return mutations;
    }

    /**
     * Counts one mutating call, {@code what}, before it takes effect.
     *
     * @throws IOException if the power is off, or goes off now: the call must not take effect
     */
    void mutate(String what) throws IOException {
        if (TRACE) {
            System.out.println("SIMDISK " + mutations + " " + what + (off ? " (off)" : ""));
        }
        if (off) {
            throw new IOException("simulated power loss: " + what + " did not happen");
        }
        if (mutationsLeft-- <= 0) {
            off = true;
            throw new IOException("simulated power loss during " + what);
        }
        mutations++;
    }

    /** @throws IOException if the power is off: {@code what} must not happen */
    void checkOn(String what) throws IOException {
        if (off) {
            throw new IOException("simulated power loss: " + what + " did not happen");
        }
    }

    /** Arms the next sync of a file whose name contains {@code namePart} to fail. */
    void failNextSync(String namePart) {
        failSyncOf = namePart;
    }

    /** Whether this sync of file {@code name} is the armed one; disarms it if so. */
    boolean syncFails(String name) {
        if (failSyncOf != null && name.contains(failSyncOf)) {
            failSyncOf = null;
            return true;
        }
        return false;
    }
}
