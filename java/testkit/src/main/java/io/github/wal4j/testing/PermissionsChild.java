package io.github.wal4j.testing;

import io.github.wal4j.RecoveryMode;
import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Child of {@code FileSafetyTest}, started under {@code umask 077} to show that a configured file mode
 * wider than the umask is still applied. Arguments: mode, WAL directory, snapshot path.
 * <ul>
 * <li>{@code write}: opens a new log with mode {@code rw-r--r--} and 4 KiB segments, appends 20
 * records of 100 bytes (several segments), checkpoints at 1 with a snapshot, closes;</li>
 * <li>{@code recover}: opens it again in POINT_IN_TIME mode (the parent damaged segment 1, so recovery
 * writes a {@code .broken} copy), closes.</li>
 * </ul>
 */
public final class PermissionsChild {
    /** The mode the child asks for. */
    public static final String MODE = "rw-r--r--";

    private PermissionsChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildSupport.watchdog(60);
        Path dir = Path.of(args[1]);
        WalOptions options = WalOptions.defaults().withSegmentSize(32 << 10)
                .withFilePermissions(PosixFilePermissions.fromString(MODE));
        if (args[0].equals("write")) {
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options)) {
                Records.append(wal, 1, 20, 100);
                wal.checkpoint(Path.of(args[2]), 1, out -> out.write(new byte[] {1, 2, 3}));
            }
        } else {
            try (WriteAheadLog wal = WriteAheadLog.open(dir, options.withRecoveryMode(RecoveryMode.POINT_IN_TIME))) {
                wal.recover();
            }
        }
    }
}
