package io.github.wal4j.cli;

/**
 * A failure the command reports with a message of its own and a given exit code (see {@link Wal4jCli}):
 * no stack trace, the message says what is wrong and what to do.
 */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
