package io.github.wal4j.bookkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.wal4j.WalFormatException;
import io.github.wal4j.bookkeeper.internal.LogMetadata;
import io.github.wal4j.bookkeeper.internal.LogMetadata.Ledger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ledger list's layout: what a writer sets is what the next one reads; damage is refused, typed. */
class LogMetadataTest {
    private static LogMetadata decode(String text) throws WalFormatException {
        return LogMetadata.decode("test", text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void whatIsEncodedDecodesToTheSameList() throws Exception {
        LogMetadata m = new LogMetadata(7, 120, List.of(new Ledger(41, 101, 180, true), new Ledger(43, 181, 180, true),
                new Ledger(44, 181, -1, false)));
        LogMetadata back = LogMetadata.decode("test", m.encode());
        assertEquals(7, back.epoch());
        assertEquals(120, back.checkpoint());
        assertEquals(m.ledgers(), back.ledgers());
        assertEquals("wal4j-bookkeeper-log 1\nepoch 7\ncheckpoint 120\nledger 41 first 101 last 180\n"
                + "ledger 43 first 181 last 180\nledger 44 first 181 open\n",
                new String(m.encode(), StandardCharsets.UTF_8));
        assertEquals(121, new LogMetadata(1, 120, List.of()).nextSequence());
        assertEquals(181, new LogMetadata(1, 0, List.of(new Ledger(41, 101, 180, true))).nextSequence());
    }

    @Test
    void damageIsRefusedWithWalFormatException() {
        String head = "wal4j-bookkeeper-log 1\nepoch 1\ncheckpoint 0\n";
        for (String bad : List.of("", "something else\n", head.replace(" 1\n", " 2\n"),
                head + "ledger 1 first 1 last 10\nledger 2 first 12 open\n",      // a gap
                head + "ledger 1 first 1 open\nledger 2 first 1 open\n",          // open but not last
                head + "ledger 1 first 1 last x\n",
                head + "ledger 1 first 0 last 3\n",
                head + "ledger 1 first 5 last 3\n",
                head.replace("epoch 1", "epoch -1"),
                head + "ledger 1 first 1 last 3")) {                             // no final newline
            WalFormatException e = assertThrows(WalFormatException.class, () -> decode(bad), bad);
            assertTrue(e.getMessage().startsWith("test"), e.getMessage());
        }
    }
}
