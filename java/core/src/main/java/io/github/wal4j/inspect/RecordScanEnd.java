package io.github.wal4j.inspect;

/**
 * How a {@link LogInspection#records} scan ended.
 *
 * @param stopFile the file where damage (or a gap) stopped it, or {@code null} when it was not stopped
 * @param stopOffset the offset in that file
 * @param stopReason what is there, with numbers, or {@code null}
 * @param endOfLog the sequence after the log's last record when the scan read to the log's end,
 *     else -1 (it stopped early or at {@code to})
 */
public record RecordScanEnd(String stopFile, long stopOffset, String stopReason, long endOfLog) {

    /** Whether damage or a gap stopped the scan. */
    public boolean stopped() {
        return stopFile != null;
    }
}
