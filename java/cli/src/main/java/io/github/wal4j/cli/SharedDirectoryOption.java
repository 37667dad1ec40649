package io.github.wal4j.cli;

import picocli.CommandLine.Option;

/** {@code --allow-shared-directory}, for the commands that refuse the directories open refuses. */
final class SharedDirectoryOption {
    @Option(names = "--allow-shared-directory", description = "Accept a WAL directory that other users can write"
            + " to, or that another user owns, as WriteAheadLog.open with WalOptions.withSharedDirectoryAllowed(true)"
            + " does. Without it such a directory is refused (exit 7, nothing read or changed), as open refuses it:"
            + " they could plant or replace files in it.")
    boolean allowed;
}
