package io.github.wal4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code wal4j help [COMMAND|TOPIC]}: a command's usage, or one of the operator's topics carried in
 * the jar ({@code help-<topic>.txt} beside this class): {@code format} (the files and bytes of a WAL
 * directory), {@code verdicts} (what verify's results mean) and {@code recovery} (what to do when a
 * log does not open). An operator has the jar, not the repository, so the tool prints these itself
 * instead of pointing at a document. Exit 0, or 64 for an unknown command or topic.
 */
@Command(name = "help", helpCommand = true,
        header = "Show a command's usage, or a topic: format, verdicts, recovery.",
        description = {"'wal4j help COMMAND' prints that command's usage (as 'wal4j COMMAND --help').",
                "'wal4j help format' prints the files and bytes of a WAL directory, 'wal4j help verdicts' what"
                        + " verify's results mean, 'wal4j help recovery' what to do when a log does not open."})
final class HelpCommand implements Callable<Integer> {
    /** The topics, in the order the usage lists them; each is the resource help-&lt;topic&gt;.txt. */
    static final List<String> TOPICS = List.of("format", "verdicts", "recovery");

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "COMMAND|TOPIC", description = "A command (inspect, verify, dump, repair) or a topic (format, verdicts, recovery).")
    String subject;

    @Override
    public Integer call() {
        CommandLine root = spec.parent().commandLine();
        PrintWriter out = spec.commandLine().getOut();
        if (subject == null) {
            root.usage(out);
            return Wal4jCli.OK;
        }
        CommandLine command = root.getSubcommands().get(subject);
        if (command != null && command != spec.commandLine()) {
            command.usage(out);
            return Wal4jCli.OK;
        }
        if (TOPICS.contains(subject)) {
            out.print(topic(subject));
            out.flush();
            return Wal4jCli.OK;
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("wal4j help: no command or topic '" + subject + "'; topics: " + String.join(", ", TOPICS)
                + "; commands: inspect, verify, dump, repair");
        return Wal4jCli.USAGE;
    }

    /** The text of a topic, from the jar. */
    static String topic(String name) {
        String resource = "help-" + name + ".txt";
        try (InputStream in = HelpCommand.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the help topic " + resource + " is missing from the wal4j-cli jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
