package io.github.wal4j.bookkeeper;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bookie failures of {@link BookieFailureTest} with real bookie processes: each of the 4
 * bookies runs in a child JVM on loopback (ZooKeeper stays in the test JVM), and one of the active
 * ensemble (3/3/x) gets SIGSTOP then SIGCONT, or SIGKILL, while the log writes. Every child is
 * killed when the class ends, also after a failure (the extension's close), and halts by itself
 * if the test JVM dies first. Prints the longest time without an acknowledgement (the stall),
 * which docs/replication.md reports. The cases themselves are {@link BookieFailureTest}'s.
 *
 * <p>The suspension runs first: a SIGKILLed bookie stays registered in ZooKeeper until its
 * session expires, so the kill comes last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BookieProcessFailureTest {
    @RegisterExtension
    static final BookKeeperCluster cluster = BookKeeperCluster.of(4).withBookieProcesses();

    /**
     * A bookie stopped for several seconds came back without its ZooKeeper registration (its
     * session ended while it was stopped) and did not register again: clients no longer choose it
     * for an ensemble, and the SIGKILL of another one then left no replacement ("Not enough
     * non-faulty bookies available"). Such a bookie is restarted, as an operator would.
     */
    @AfterEach
    void restartUnregisteredBookies() throws Exception {
        List<String> restarted = cluster.restartUnregisteredBookies(10_000);
        if (!restarted.isEmpty()) {
            System.out.println("[wal4j] BookieProcessFailureTest: not registered in ZooKeeper 10 s after the test, "
                    + "restarted: " + restarted);
        }
    }

    @Test
    @Order(1)
    void aStoppedBookieProcessStallsAppendsForABoundedTimeAndLosesNothing() throws Exception {
        BookieFailureTest.aSuspendedEnsembleBookieStallsAppendsForABoundedTime(cluster, "SIGSTOP");
    }

    @Test
    @Order(2)
    void writesContinueWhenABookieProcessOfTheEnsembleIsKilled() throws Exception {
        BookieFailureTest.writesContinueWhenAnEnsembleBookieStops(cluster, "SIGKILL");
    }
}
