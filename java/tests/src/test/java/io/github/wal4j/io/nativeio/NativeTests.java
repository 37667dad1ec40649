package io.github.wal4j.io.nativeio;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/** Gate of the native tests: run when libwal4j loads, fail when it must but does not, else skip saying why. */
final class NativeTests {

    private NativeTests() {
    }

    static void requireNative() {
        if (NativeIo.isAvailable()) {
            return;
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean linuxX64 = os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
        boolean demanded = "native".equalsIgnoreCase(System.getProperty("wal4j.io", "").strip());
        if ((demanded && linuxX64) || NativeIo.libraryResource() != null) {
            fail("libwal4j must load here (" + (demanded ? "-Dwal4j.io=native" : "its resource "
                    + NativeIo.libraryResource() + " is on the class path") + ") but did not: "
                    + NativeIo.unavailabilityReason(), NativeIo.unavailabilityCause());
        }
        Assumptions.abort("native I/O layer unavailable, test skipped: " + NativeIo.unavailabilityReason());
    }
}
