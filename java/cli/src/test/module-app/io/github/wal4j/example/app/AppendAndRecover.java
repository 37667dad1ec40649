package io.github.wal4j.example.app;

import io.github.wal4j.WalRecord;
import io.github.wal4j.WriteAheadLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Appends three records to the log in {@code args[0]}, reopens it and prints what recovery
 * returned and on which I/O layer: {@code records=3 first=one layer=native}.
 */
public final class AppendAndRecover {
    private AppendAndRecover() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            for (String s : new String[] {"one", "two", "three"}) {
                wal.append(s.getBytes(StandardCharsets.UTF_8));
            }
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            List<WalRecord> records = wal.recover();
            System.out.println("records=" + records.size() + " first="
                    + new String(records.get(0).payload(), StandardCharsets.UTF_8) + " layer=" + wal.ioLayer());
        }
    }
}
