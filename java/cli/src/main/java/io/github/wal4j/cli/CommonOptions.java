package io.github.wal4j.cli;

import io.github.wal4j.KeyProvider;
import io.github.wal4j.WalOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command takes. */
final class CommonOptions {
    @Option(names = "--io", paramLabel = "LAYER",
            description = "I/O layer: auto, native or java (default: the wal4j.io system property, else auto).")
    String io;

    @Option(names = "--max-record-size", paramLabel = "BYTES", defaultValue = "" + WalOptions.DEFAULT_MAX_RECORD_SIZE,
            description = "The maximum record size the log is opened with (WalOptions.withMaxRecordSize; default: "
                    + "${DEFAULT-VALUE}). A valid record longer than it is refused as open refuses it (exit 64); a "
                    + "length field longer than both it and the size the segment records it was written with counts "
                    + "as damage.")
    int maxRecordSize;

    @Option(names = "--progress", negatable = true,
            description = "Show a progress bar on stderr (default: only when stderr is a terminal).")
    Boolean progress;

    @Option(names = "--key", paramLabel = "ID=FILE",
            description = "A key of a protected log: its id and a file holding the 32 key bytes, raw or as 64 hex "
                    + "digits. Repeat for several key ids. Never printed.")
    List<String> keys;

    /**
     * The options of {@code WriteAheadLog.open} these command-line options stand for: the I/O layer,
     * the maximum record size, and whether a shared directory is accepted. The keys are not among
     * them: {@link #keyProvider()} reads the key files only once a command needs them.
     */
    WalOptions walOptions(boolean sharedAllowed) {
        return WalOptions.defaults().withIoLayer(io).withMaxRecordSize(maxRecordSize)
                .withSharedDirectoryAllowed(sharedAllowed);
    }

    /** The keys given with {@code --key}, or {@code null}. */
    KeyProvider keyProvider() throws CliException {
        if (keys == null || keys.isEmpty()) {
            return null;
        }
        Map<String, byte[]> byId = new LinkedHashMap<>();
        for (String spec : keys) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new CliException(Wal4jCli.USAGE, "--key must be ID=FILE: " + spec);
            }
            String id = spec.substring(0, eq);
            Path file = Path.of(spec.substring(eq + 1));
            byId.put(id, readKey(id, file));
        }
        return KeyProvider.of(byId.keySet().iterator().next(), byId);
    }

    private static byte[] readKey(String id, Path file) throws CliException {
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new CliException(Wal4jCli.USAGE, "key file for '" + id + "' is not a regular file: " + file);
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException(Wal4jCli.USAGE, "cannot read the key file for '" + id + "': " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length == 32) {
            return bytes;
        }
        String text = new String(bytes, StandardCharsets.US_ASCII).strip();
        if (text.length() == 64 && text.matches("[0-9a-fA-F]{64}")) {
            return HexFormat.of().parseHex(text);
        }
        // The length only: the contents are key material.
        throw new CliException(Wal4jCli.USAGE, "key file for '" + id + "' holds " + bytes.length
                + " bytes; expected 32 raw bytes or 64 hex digits: " + file);
    }

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
