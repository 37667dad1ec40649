package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** ZooKeeper unreachable: the open fails, typed and bounded by the operation timeout. */
class OpenWithoutZooKeeperTest {
    @Test
    void openFailsWithWalMetadataExceptionWithinTheOperationTimeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            port = s.getLocalPort();
        }
        BookKeeperLogOptions o = BookKeeperLogOptions.of("127.0.0.1:" + port, "/wal4j-test/nobody")
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2));
        long start = System.nanoTime();
        assertThrows(WalMetadataException.class, () -> BookKeeperLog.open(o).close());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 10_000, "open took " + ms + " ms");
    }
}
