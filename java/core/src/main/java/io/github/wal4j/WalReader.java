package io.github.wal4j;

import java.io.Closeable;
import java.io.IOException;

/**
 * A stream of validated records in sequence order, for logs larger than the heap. It reads what was
 * written when it was opened and validates every checksum again as it goes. Not thread-safe.
 *
 * <p>Throws {@link WalCorruptedException} if it meets damage (the log was validated at open, so
 * damage now is new corruption), and {@link WalException} if a checkpoint removed a segment it still
 * had to read.
 */
public interface WalReader extends Closeable {
    /** The next record, or {@code null} after the last one. */
    WalRecord next() throws IOException;
}
