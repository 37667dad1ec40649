package io.github.wal4j.bench;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The naive log: one file, {@code FileChannel.write} of the bare record and {@code force(false)}
 * (fdatasync) per record, under one lock. No framing, no checksum, no group commit, no
 * preallocation (every write grows the file).
 */
public final class FileChannelSubject implements Subject {
    private final FileChannel channel;
    private final ReentrantLock lock = new ReentrantLock();

    public FileChannelSubject(Path dir) throws Exception {
        channel = FileChannel.open(dir.resolve("naive.log"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    @Override
    public void append(byte[] record) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(record);
        lock.lock();
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(false);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws Exception {
        channel.close();
    }
}
