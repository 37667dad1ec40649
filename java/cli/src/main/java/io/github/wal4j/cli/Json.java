package io.github.wal4j.cli;

/**
 * The little JSON the commands write, by hand: one object at a time, keys in insertion order. Strings
 * are escaped as RFC 8259 asks, and every character outside printable ASCII is written as a
 * {@code \\uXXXX} escape (surrogate pairs as two), so the output is plain ASCII whatever the
 * platform's encoding, and file names with quotes, backslashes or control characters stay valid JSON.
 */
final class Json {
    private final StringBuilder out = new StringBuilder("{");
    private boolean first = true;

    /** Adds a string member ({@code null} becomes JSON null). */
    Json put(String key, String value) {
        key(key);
        quote(out, value);
        return this;
    }

    /** Adds a number member. */
    Json put(String key, long value) {
        key(key);
        out.append(value);
        return this;
    }

    /** Adds a boolean member. */
    Json put(String key, boolean value) {
        key(key);
        out.append(value);
        return this;
    }

    /** Adds a member whose value is already JSON (an object or an array built elsewhere). */
    Json putRaw(String key, String json) {
        key(key);
        out.append(json);
        return this;
    }

    private void key(String key) {
        if (!first) {
            out.append(',');
        }
        first = false;
        quote(out, key);
        out.append(':');
    }

    /** The object so far without its closing brace, to stream more members after it. */
    String unclosed() {
        return out.toString();
    }

    @Override
    public String toString() {
        return out + "}";
    }

    /** A JSON array of already-encoded values. */
    static String array(Iterable<String> values) {
        StringBuilder b = new StringBuilder("[");
        boolean any = false;
        for (String v : values) {
            if (any) {
                b.append(',');
            }
            b.append(v);
            any = true;
        }
        return b.append(']').toString();
    }

    /** The string as a JSON string literal, {@code null} as JSON null. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder();
        quote(b, s);
        return b.toString();
    }

    static void quote(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append("\\u");
                        String hex = Integer.toHexString(c);
                        for (int pad = hex.length(); pad < 4; pad++) {
                            b.append('0');
                        }
                        b.append(hex);
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
