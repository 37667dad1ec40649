package io.github.wal4j.testing;

import io.github.wal4j.spi.StorageFile;

/**
 * What every open file of a {@link SimulatedDisk} holds: the disk's lock, its faults, the name the
 * file was opened by (for messages and armed failures) and the {@link SimulatedFile} it follows
 * across renames, as a file descriptor does. Closing releases nothing: the file lives as long as a
 * directory entry or a handle names it.
 */
abstract class OpenSimulatedFile implements StorageFile {
    final Object lock;
    final DiskFaults faults;
    final String name;
    final SimulatedFile file;

    /**
     * @param lock the disk's lock, taken by every call
     * @param name the file name as opened
     */
    OpenSimulatedFile(Object lock, DiskFaults faults, String name, SimulatedFile file) {
        this.lock = lock;
        this.faults = faults;
        this.name = name;
        this.file = file;
    }

    @Override
    public final void close() {
        // Nothing to release.
    }
}
