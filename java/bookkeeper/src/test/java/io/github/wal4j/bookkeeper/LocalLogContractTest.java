package io.github.wal4j.bookkeeper;

import io.github.wal4j.DurableLog;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The DurableLog contract on the local {@link WriteAheadLog}: the reference the BookKeeper log matches. */
class LocalLogContractTest extends DurableLogContract {
    @TempDir
    Path dir;

    private final Map<DurableLog, Path> dirs = new IdentityHashMap<>();
    private int count;

    private static WalOptions options() {
        return WalOptions.defaults().withMaxRecordSize(MAX_RECORD);
    }

    @Override
    DurableLog create() throws Exception {
        Path d = Files.createDirectories(dir.resolve("log-" + (++count)));
        DurableLog log = WriteAheadLog.open(d, options());
        dirs.put(log, d);
        return log;
    }

    @Override
    DurableLog reopen(DurableLog log) throws Exception {
        Path d = dirs.get(log);
        DurableLog again = WriteAheadLog.open(d, options());
        dirs.put(again, d);
        return again;
    }
}
