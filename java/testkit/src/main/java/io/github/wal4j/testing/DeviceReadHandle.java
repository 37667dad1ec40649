package io.github.wal4j.testing;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A {@link SimulatedDisk} file opened for reads of what the disk holds, as an O_DIRECT read sees it
 * ({@link SimulatedFile#readDevice}): dirty pages are written back first, pages a failed sync marked
 * clean read as what the disk has under them. Writes and truncates throw; {@link #sync()} has
 * nothing to do. Reads take the disk's lock and throw once the power is off.
 */
final class DeviceReadHandle extends OpenSimulatedFile {
    /** @param lock the disk's lock */
    DeviceReadHandle(Object lock, DiskFaults faults, String name, SimulatedFile file) {
        super(lock, faults, name, file);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        synchronized (lock) {
            faults.checkOn("read " + name);
            return file.readDevice(dst, position);
        }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        throw new IOException("opened for device reads only");
    }

    @Override
    public void sync() {
        // Nothing written through it.
    }

    /** The size as the page cache has it (the file's size, whatever its pages hold). */
    @Override
    public long size() {
        synchronized (lock) {
            return file.size();
        }
    }

    @Override
    public void truncate(long size) throws IOException {
        throw new IOException("opened for device reads only");
    }
}
