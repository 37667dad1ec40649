package io.github.wal4j.cli;

import io.github.wal4j.WalOptions;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** Options every command takes. */
final class CommonOptions {
    @Option(names = "--io", paramLabel = "LAYER",
            description = "I/O layer: auto, native or java (default: the wal4j.io system property, else auto).")
    String io;

    @Option(names = "--max-record-size", paramLabel = "BYTES", defaultValue = "" + WalOptions.DEFAULT_MAX_RECORD_SIZE,
            description = "The log's maximum record size, as it was opened with (default: ${DEFAULT-VALUE}); "
                    + "a longer length field counts as damage.")
    int maxRecordSize;

    @Option(names = "--progress", negatable = true,
            description = "Show a progress bar on stderr (default: only when stderr is a terminal).")
    Boolean progress;

    /** Checks values picocli cannot. */
    void validate() throws CliException {
        if (maxRecordSize < 0 || maxRecordSize > (1 << 30)) {
            throw new CliException(Wal4jCli.USAGE, "--max-record-size must be in [0, 1073741824]: " + maxRecordSize);
        }
        if (io != null && !io.isBlank() && !io.strip().matches("(?i)auto|native|java")) {
            throw new CliException(Wal4jCli.USAGE, "--io must be auto, native or java: " + io);
        }
    }

    /** The progress bar these options ask for. */
    Progress progress(PrintWriter err, Wal4jCli root) {
        boolean on = progress != null ? progress : root != null && root.stderrIsTerminal;
        return new Progress(err, on, Boolean.TRUE.equals(progress));
    }
}
