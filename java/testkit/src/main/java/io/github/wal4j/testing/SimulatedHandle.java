package io.github.wal4j.testing;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open file of a {@link SimulatedDisk}: reads and writes through the page cache of one
 * {@link SimulatedFile}, which it follows across renames as a file descriptor does. Every call
 * takes the disk's lock and passes its {@link DiskFaults} first, so a call on a disk without power
 * throws and changes nothing. {@link #sync()} fails once, as Linux's fdatasync does with EIO, when
 * the faults armed it for this file's name.
 */
final class SimulatedHandle extends OpenSimulatedFile {
    /**
     * @param lock the disk's lock
     * @param name the file name as opened, for messages and for the armed sync failure
     */
    SimulatedHandle(Object lock, DiskFaults faults, String name, SimulatedFile file) {
        super(lock, faults, name, file);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        synchronized (lock) {
            faults.checkOn("read " + name);
            return file.read(dst, position);
        }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        synchronized (lock) {
            faults.mutate("write " + name);
            file.write(src, position);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IOException if the power is off, or this sync was armed to fail: then the pages it
     *     should have written are marked clean although they never reached the disk
     */
    @Override
    public void sync() throws IOException {
        synchronized (lock) {
            faults.mutate("fdatasync " + name);
            if (faults.syncFails(name)) {
                file.failSync();
                throw new IOException("fdatasync failed on " + name + ": EIO (simulated: the pages are now"
                        + " clean, their data never reached the disk)");
            }
            file.sync();
        }
    }

    @Override
    public long size() throws IOException {
        synchronized (lock) {
            faults.checkOn("size " + name);
            return file.size();
        }
    }

    @Override
    public void truncate(long size) throws IOException {
        synchronized (lock) {
            faults.mutate("truncate " + name);
            file.truncate(size);
        }
    }
}
