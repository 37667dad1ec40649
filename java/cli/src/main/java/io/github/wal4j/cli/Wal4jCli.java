package io.github.wal4j.cli;

import io.github.wal4j.WalCorruptedException;
import io.github.wal4j.WalFormatException;
import io.github.wal4j.WalKeyException;
import io.github.wal4j.WalLockedException;
import io.github.wal4j.WalUnsafeDirectoryException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code wal4j} command-line tool: {@code inspect}, {@code verify}, {@code dump} and {@code repair}
 * a WAL directory. Run it with {@code scripts/wal4j} or {@code java -jar wal4j-<version>-cli.jar}.
 *
 * <p>Exit codes (also in {@code --help}; {@code wal4j help verdicts} explains the results):
 * {@value #OK} success / clean, {@value #TORN} torn tail, {@value #CORRUPT} corruption (or repair
 * refused), {@value #LOCKED} lock held by another process, {@value #NOT_A_WAL} not a WAL,
 * {@value #FAILED} I/O or other failure, {@value #KEY} key of a protected log missing or wrong,
 * {@value #POLICY} refused by policy as open refuses it (other users could change the directory),
 * {@value #USAGE} usage error.
 *
 * <p>Tests and embedding code run it in-process with {@link #newCommandLine(PrintWriter, PrintWriter)}.
 */
@Command(name = "wal4j", mixinStandardHelpOptions = true, versionProvider = Wal4jCli.Version.class,
        subcommands = {InspectCommand.class, VerifyCommand.class, DumpCommand.class, RepairCommand.class,
                HelpCommand.class},
        description = {"Inspects, verifies, dumps and repairs a wal4j write-ahead log directory.",
                "Only 'repair' changes anything, and only after copying every file it changes to a quarantine"
                        + " directory outside the WAL.",
                "Topics: 'wal4j help format' (the files and bytes of a WAL directory), 'wal4j help verdicts'"
                        + " (what verify's results mean), 'wal4j help recovery' (what to do when a log does not open)."},
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {Wal4jCli.EXIT_0, Wal4jCli.EXIT_1, Wal4jCli.EXIT_2, Wal4jCli.EXIT_3, Wal4jCli.EXIT_4,
                Wal4jCli.EXIT_5, Wal4jCli.EXIT_6, Wal4jCli.EXIT_7, Wal4jCli.EXIT_64})
public final class Wal4jCli implements Callable<Integer> {

    /** Success; for verify and dump: the log is clean. */
    public static final int OK = 0;
    /** verify, dump: a torn tail (or other crash leftovers) only; opening the log repairs it, no acknowledged record is lost. */
    public static final int TORN = 1;
    /** verify, dump: acknowledged data is damaged; repair: refused (nothing was changed). */
    public static final int CORRUPT = 2;
    /** The WAL is open in another process (its lock is held). */
    public static final int LOCKED = 3;
    /** Not a WAL: a missing directory, a file, foreign files, an unknown format. */
    public static final int NOT_A_WAL = 4;
    /** An I/O error or another failure. */
    public static final int FAILED = 5;
    /** A protected segment's key is missing or does not authenticate its header (see {@code --key}). */
    public static final int KEY = 6;
    /**
     * Refused by policy, as {@code WriteAheadLog.open} refuses it ({@code WalUnsafeDirectoryException}):
     * other users could change the WAL directory (its group or all users can write to it, or another
     * user owns it). Nothing is wrong with the data; the message says how to fix the directory, or
     * {@code --allow-shared-directory} accepts the risk.
     */
    public static final int POLICY = 7;
    /**
     * A usage error (EX_USAGE): unknown command or option, bad value, or a {@code --max-record-size}
     * below a valid record of the log (which open with that size refuses).
     */
    public static final int USAGE = 64;

    static final String EXIT_0 = " 0:success; verify/dump: the log is clean";
    static final String EXIT_1 = " 1:verify/dump: torn tail only (opening or repair cuts it; no acknowledged record is lost)";
    static final String EXIT_2 = " 2:verify/dump: corruption of acknowledged data; repair: refused, nothing changed";
    static final String EXIT_3 = " 3:the WAL is open in another process (its lock is held)";
    static final String EXIT_4 = " 4:not a WAL: missing directory, not a directory, foreign files, a symbolic link inside it, unknown format";
    static final String EXIT_5 = " 5:I/O error or other failure";
    static final String EXIT_6 = " 6:a protected segment's key is missing or wrong (--key)";
    static final String EXIT_7 = " 7:refused by policy, as open refuses it: other users could change the WAL directory"
            + " (writable by its group or all users, or owned by another user); chmod 700 / chown it, or"
            + " --allow-shared-directory";
    static final String EXIT_64 = "64:usage error (unknown command or option, bad value, or --max-record-size below a"
            + " record of the log)";

    /** Keeps the library's loggers configured (java.util.logging holds loggers weakly). */
    private static Logger libraryLogger;

    @Spec
    CommandSpec spec;

    /** Whether stderr is a terminal: progress bars appear without --progress. Set by {@link #main}. */
    boolean stderrIsTerminal;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("wal4j: missing command: one of inspect, verify, dump, repair");
        spec.commandLine().usage(err);
        return USAGE;
    }

    public static void main(String[] args) {
        // The CLI prints what the library would log (I/O layer, recovery summary) itself.
        libraryLogger = Logger.getLogger("io.github.wal4j");
        libraryLogger.setLevel(Level.SEVERE);
        Charset charset = stdoutCharset();
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, charset), 1 << 16));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, charset), true);
        CommandLine cmd = newCommandLine(out, err);
        ((Wal4jCli) cmd.getCommand()).stderrIsTerminal = stderrIsTerminal();
        int code = cmd.execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * The command line with the wal4j commands, writing to {@code out} and {@code err} (control
     * characters escaped: {@link TerminalSafeWriter}), with the exit codes above. {@code newCommandLine(out, err).execute(args)} runs a command and returns its code.
     */
    public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Wal4jCli());
        cmd.setOut(new PrintWriter(new TerminalSafeWriter(out, false), true));
        cmd.setErr(new PrintWriter(new TerminalSafeWriter(err, true), true));
        // Plain help: the writers above would escape ANSI colour codes anyway.
        cmd.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler(Wal4jCli::usageError);
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> failure(e, commandLine));
        return cmd;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandName().equals("wal4j") ? "wal4j: " + e.getMessage()
                : "wal4j " + cmd.getCommandName() + ": " + e.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Try 'wal4j " + (cmd.getCommandName().equals("wal4j") ? "" : cmd.getCommandName() + " ")
                    + "--help' for usage.");
        }
        return USAGE;
    }

    /** Exit code and one-line message for what a command threw. */
    private static int failure(Exception e, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        Failure f = classify(e);
        if (f.unexpected()) {
            e.printStackTrace(err);
        }
        err.println("wal4j " + cmd.getCommandName() + ": " + f.message());
        err.flush();
        return f.code();
    }

    /** What a command's exception means to the operator: its exit code and message. */
    record Failure(int code, String message, boolean unexpected) {
    }

    /**
     * What {@code --json} prints for a command that failed with {@code e}: one object (directory,
     * result "error", exitCode, error) on stdout, the message on stderr too. Returns the exit code;
     * an unexpected exception (a bug, not an operator's problem) is rethrown for {@link #failure}.
     */
    static int jsonFailure(PrintWriter out, PrintWriter err, String command, Path dir, Exception e) throws Exception {
        Failure f = classify(e);
        if (f.unexpected()) {
            throw e;
        }
        out.println(new Json().put("directory", dir.toAbsolutePath().normalize().toString()).put("result", "error")
                .put("exitCode", f.code()).put("error", f.message()));
        err.println("wal4j " + command + ": " + f.message());
        return f.code();
    }

    /** The exit code and message of {@code e}, as every command reports it (text or JSON). */
    static Failure classify(Exception e) {
        if (e instanceof CliException c) {
            return new Failure(c.exitCode(), c.getMessage(), false);
        } else if (e instanceof WalLockedException) {
            return new Failure(LOCKED, e.getMessage() + " (the WAL is open in another process; find it with 'fuser wal.lock')", false);
        } else if (e instanceof WalKeyException) {
            return new Failure(KEY, e.getMessage() + " (give the log's keys with --key ID=FILE)", false);
        } else if (e instanceof WalUnsafeDirectoryException) {
            return new Failure(POLICY, "refused, as WriteAheadLog.open refuses it: " + e.getMessage(), false);
        } else if (e instanceof WalFormatException) {
            return new Failure(NOT_A_WAL, "not a wal4j log: " + e.getMessage(), false);
        } else if (e instanceof WalCorruptedException) {
            return new Failure(CORRUPT, e.getMessage(), false);
        } else if (e instanceof IOException) {
            return new Failure(FAILED, "I/O error: " + e, false);
        }
        return new Failure(FAILED, "failed: " + e, true);
    }

    /**
     * Whether stderr is a terminal. On Linux, {@code /proc/self/fd/2} links to {@code /dev/pts/N} or
     * {@code /dev/ttyN} for a terminal; elsewhere, {@link System#console()} (which on JDK 17 needs stdin
     * and stdout to be terminals too) decides.
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    private static Charset stdoutCharset() {
        String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    /** The version from the cli jar's manifest. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Wal4jCli.class.getPackage().getImplementationVersion();
            return new String[] {"wal4j " + (v != null ? v : "(development build: not run from the cli jar)"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
