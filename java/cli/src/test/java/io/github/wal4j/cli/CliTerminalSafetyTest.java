package io.github.wal4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.cli.Cli.Result;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A name taken from the directory cannot drive the operator's terminal: control characters in what
 * the commands print (a file name with an escape sequence, here one that would set the window title
 * and one that would clear the screen) come out as {@code \xNN}; printable text in any script passes.
 */
class CliTerminalSafetyTest {
    @TempDir
    Path tmp;

    private static final String HOSTILE = "evil\u001b]0;pwned\u0007\u001b[2J\u009bname";
    private static final String SHOWN = "evil\\x1b]0;pwned\\x07\\x1b[2J\\x9bname";

    private static void assertNoControls(String text, String what) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || (c >= 0x7f && c <= 0x9f);
            assertFalse(control, () -> what + " holds control character U+" + Integer.toHexString(c) + ":\n" + text);
        }
    }

    @Test
    void controlCharactersInFileNamesAreEscapedInEveryCommand() throws Exception {
        Path dir = tmp.resolve("wal");
        Cli.closedLog(dir, Cli.ONE_SEGMENT, 3);
        Files.writeString(dir.resolve(HOSTILE), "x");
        for (List<Object> command : List.<List<Object>>of(List.of("inspect", dir), List.of("verify", dir),
                List.of("dump", dir), List.of("repair", dir))) {
            Object[] args = command.toArray();
            Result r = Cli.run(args);
            assertNoControls(r.out(), command + " stdout");
            assertNoControls(r.err(), command + " stderr");
            assertTrue((r.out() + r.err()).contains(SHOWN), () -> command + " names the file, escaped:\n" + r);
        }
    }

    @Test
    void printableTextInAnyScriptPassesAndLinesStay() throws Exception {
        StringWriter sink = new StringWriter();
        try (PrintWriter w = new PrintWriter(new TerminalSafeWriter(sink, false))) {
            w.print("données\tжурнал 日志\r\n\u0000\u007f");
        }
        assertEquals("données\tжурнал 日志\\x0d\n\\x00\\x7f", sink.toString());
        StringWriter progress = new StringWriter();
        try (PrintWriter w = new PrintWriter(new TerminalSafeWriter(progress, true))) {
            w.print("\r 42%\u001b");
        }
        assertEquals("\r 42%\\x1b", progress.toString(), "stderr keeps the progress line's carriage return");
    }
}
