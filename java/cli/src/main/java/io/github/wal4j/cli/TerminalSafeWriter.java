package io.github.wal4j.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * What the commands print goes through here, so that a file name, a path or a message taken from a
 * log cannot drive the operator's terminal: C0 control characters (but line feed and tab; carriage
 * return too where {@code allowCarriageReturn}, for the progress line on stderr), DEL and the C1
 * controls U+0080..U+009F are written as {@code \xNN}. Printable text, in any script, passes
 * unchanged; JSON output is ASCII already ({@link Json}).
 */
final class TerminalSafeWriter extends FilterWriter {
    private final boolean allowCarriageReturn;

    TerminalSafeWriter(Writer out, boolean allowCarriageReturn) {
        super(out);
        this.allowCarriageReturn = allowCarriageReturn;
    }

    /** Whether {@code c} is written as it is. */
    boolean passes(char c) {
        if (c == '\n' || c == '\t' || (c == '\r' && allowCarriageReturn)) {
            return true;
        }
        return !(c < 0x20 || (c >= 0x7f && c <= 0x9f));
    }

    @Override
    public void write(int c) throws IOException {
        char ch = (char) c;
        if (passes(ch)) {
            out.write(ch);
        } else {
            out.write(String.format("\\x%02x", (int) ch));
        }
    }

    @Override
    public void write(char[] buf, int off, int len) throws IOException {
        int start = off;
        for (int i = off; i < off + len; i++) {
            if (!passes(buf[i])) {
                out.write(buf, start, i - start);
                write(buf[i]);
                start = i + 1;
            }
        }
        out.write(buf, start, off + len - start);
    }

    @Override
    public void write(String s, int off, int len) throws IOException {
        write(s.toCharArray(), off, len);
    }
}
