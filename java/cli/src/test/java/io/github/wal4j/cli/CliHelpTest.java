package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The operator's help comes from the jar: {@code wal4j help format|verdicts|recovery} prints the
 * topic, {@code wal4j help COMMAND} a command's usage, and no help text sends the operator to a
 * repository path (docs/...) they do not have.
 */
class CliHelpTest {
    @Test
    void eachTopicPrintsItsTextFromTheJar() {
        for (String topic : HelpCommand.TOPICS) {
            Cli.Result r = Cli.run("help", topic);
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.out().startsWith("wal4j help " + topic + ": "), r::toString);
            assertEquals(HelpCommand.topic(topic), r.out(), "the topic's resource, unchanged");
        }
    }

    @Test
    void theTopicsSayWhatTheOperatorNeeds() {
        String verdicts = Cli.run("help", "verdicts").out();
        for (String s : new String[] {"clean", "(exit 0)", "torn tail", "(exit 1)", "corruption", "(exit 2)"}) {
            assertTrue(verdicts.contains(s), s);
        }
        String recovery = Cli.run("help", "recovery").out();
        assertTrue(recovery.contains("Keep a copy of the whole WAL directory"), recovery);
        assertTrue(recovery.contains("wal4j repair --accept-data-loss DIR"), recovery);
        String format = Cli.run("help", "format").out();
        assertTrue(format.contains("WAL4JSEG") && format.contains("WBAT") && format.contains("CHECKPOINT"), format);
    }

    @Test
    void helpOfACommandIsItsUsage() {
        Cli.Result r = Cli.run("help", "verify");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(Cli.run("verify", "--help").out(), r.out());
    }

    @Test
    void anUnknownTopicIsAUsageError() {
        Cli.Result r = Cli.run("help", "nonsense");
        assertEquals(Wal4jCli.USAGE, r.exit(), r::toString);
        assertTrue(r.err().contains("topics: format, verdicts, recovery"), r::toString);
    }

    @Test
    void noHelpPointsAtARepositoryPath() {
        StringBuilder all = new StringBuilder(Cli.run("--help").out()).append(Cli.run("help").out());
        for (String command : new String[] {"inspect", "verify", "dump", "repair", "help"}) {
            all.append(Cli.run(command, "--help").out());
        }
        for (String topic : HelpCommand.TOPICS) {
            all.append(Cli.run("help", topic).out());
        }
        assertFalse(all.toString().contains("docs/"), all::toString);
        assertFalse(all.toString().contains(".md"), all::toString);
        assertTrue(all.toString().contains("wal4j help recovery"), "the main help names the topics");
    }
}
