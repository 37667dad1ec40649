package io.github.wal4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.github.wal4j.WalOptions;
import io.github.wal4j.WriteAheadLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** {@link SimulatedDiskExtension}: the parameters it hands out, and the seed it adds to a failure. */
@ExtendWith(SimulatedDiskExtension.class)
class SimulatedDiskExtensionTest {
    private static final String FAIL_ON_PURPOSE = "wal4j.extensionTest.failOnPurpose";

    @TempDir
    Path tmp;

    @Test
    void aTestGetsFreshDisksARandomAndItsSeed(SimulatedDisk disk, @SimulatedDiskExtension.Block(4096) SimulatedDisk big,
            Random random, @SimulatedDiskExtension.Seed long seed) throws Exception {
        assertNotSame(disk, big);
        assertEquals(new Random(seed).nextLong(), random.nextLong(), "the Random follows the seed");
        Path dir = Files.createDirectories(tmp.resolve("wal"));
        try (WriteAheadLog wal = WriteAheadLog.open(dir, WalOptions.defaults().withStorage(disk))) {
            wal.append(new byte[] {1, 2, 3});
        }
        assertTrue(disk.mutations() > 0, "the log wrote to the simulated disk");
    }

    /** Run only through the launcher below (the property is set only there): fails on purpose. */
    @ExtendWith(SimulatedDiskExtension.class)
    @EnabledIfSystemProperty(named = FAIL_ON_PURPOSE, matches = "true")
    static class FailsOnPurpose {
        static final List<Long> SEEDS = new ArrayList<>();

        @Test
        void fails(@SimulatedDiskExtension.Seed long seed) {
            SEEDS.add(seed);
            throw new AssertionError("failed on purpose");
        }
    }

    @Test
    void aFailureCarriesTheSeedItRanWith() {
        FailsOnPurpose.SEEDS.clear();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(FailsOnPurpose.class)).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        System.setProperty(FAIL_ON_PURPOSE, "true");
        try {
            LauncherFactory.create().execute(request, listener);
        } finally {
            System.clearProperty(FAIL_ON_PURPOSE);
        }
        TestExecutionSummary summary = listener.getSummary();
        assertEquals(1, summary.getTotalFailureCount());
        Throwable failure = summary.getFailures().get(0).getException();
        assertEquals("failed on purpose", failure.getMessage());
        assertEquals(1, failure.getSuppressed().length);
        SimulatedDiskExtension.SeedReport report =
                assertInstanceOf(SimulatedDiskExtension.SeedReport.class, failure.getSuppressed()[0]);
        assertEquals(FailsOnPurpose.SEEDS.get(0), report.seed());
        assertTrue(report.getMessage().contains("-Dwal4j.seed=" + report.seed()), report.getMessage());
    }
}
