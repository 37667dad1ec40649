package io.github.wal4j.bench;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

/**
 * RocksDB with default options and {@code WriteOptions.setSync(true)}: every put is in the WAL and
 * fsync'ed before it returns (RocksDB group-commits concurrent writers itself). One put per record,
 * keys are a shared 8-byte big-endian counter, so every record is a new key.
 */
public final class RocksDbSubject implements Subject {
    static {
        RocksDB.loadLibrary();
    }

    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final AtomicLong next = new AtomicLong();

    public RocksDbSubject(Path dir) throws Exception {
        options = new Options().setCreateIfMissing(true);
        writeOptions = new WriteOptions().setSync(true);
        db = RocksDB.open(options, dir.toString());
    }

    /** The RocksDB version of the loaded native library. */
    public static String version() {
        return RocksDB.rocksdbVersion().toString();
    }

    static byte[] key(long n) {
        byte[] key = new byte[8];
        for (int i = 7; i >= 0; i--) {
            key[i] = (byte) n;
            n >>>= 8;
        }
        return key;
    }

    @Override
    public void append(byte[] record) throws Exception {
        db.put(writeOptions, key(next.incrementAndGet()), record);
    }

    @Override
    public void close() {
        db.close();
        writeOptions.close();
        options.close();
    }
}
