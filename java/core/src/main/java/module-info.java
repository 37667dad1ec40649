/**
 * wal4j, a crash-safe write-ahead log: the API ({@code io.github.wal4j}), the read-only inspection
 * of a WAL directory that operators' tools use ({@code io.github.wal4j.inspect}), and the SPI through
 * which other modules offer an I/O layer ({@code io.github.wal4j.spi}). The engine ({@code log}) and
 * the on-disk format ({@code format}) are internal; the pure-Java file layer ({@code io}) is
 * exported only to the project's native layer and test kit, which nothing outside the project can be.
 */
module io.github.wal4j {
    requires HdrHistogram;
    requires jdk.jfr;
    requires jdk.unsupported; // com.sun.nio.file.ExtendedOpenOption.DIRECT for direct I/O on the java layer
    requires jdk.security.auth; // com.sun.security.auth.module.UnixSystem: the uid that may own a log directory

    exports io.github.wal4j;
    exports io.github.wal4j.spi;
    exports io.github.wal4j.inspect;

    exports io.github.wal4j.io to io.github.wal4j.nativeio, io.github.wal4j.testkit;

    // JFR reads the events' fields reflectively.
    opens io.github.wal4j.log to jdk.jfr;

    uses io.github.wal4j.spi.StorageProvider;
}
