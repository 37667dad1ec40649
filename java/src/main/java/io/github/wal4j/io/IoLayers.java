package io.github.wal4j.io;

import io.github.wal4j.io.nativeio.NativeIo;
import io.github.wal4j.io.nativeio.NativeStorage;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses the I/O layer: {@code "native"} ({@link NativeStorage}, libwal4j through JNA, Linux) or
 * {@code "java"} ({@link JavaStorage}), or {@code "auto"}: native when libwal4j loads, else java.
 *
 * <p>The first selection in a JVM logs, once, at INFO through {@link System.Logger} (logger
 * {@code io.github.wal4j.io}), which layer is active and why, for example
 * {@code "wal4j I/O layer: native (libwal4j loaded from /tmp/jna-123/jna456.tmp)"} or
 * {@code "wal4j I/O layer: java (native unavailable: UnsatisfiedLinkError: Unable to load library 'wal4j': ...)"}.
 */
public final class IoLayers {

    /** The system property that gives the mode when the caller passes {@code null}. */
    public static final String PROPERTY = "wal4j.io";

    public static final String AUTO = "auto";
    public static final String NATIVE = "native";
    public static final String JAVA = "java";

    private static final System.Logger LOG = System.getLogger("io.github.wal4j.io");
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private IoLayers() {
    }

    /** {@link #select(String)} with the mode of the {@value #PROPERTY} system property ({@code auto} if unset). */
    public static Storage select() throws IOException {
        return select(null);
    }

    /**
     * The storage of the requested layer.
     *
     * @param mode {@code "auto"}, {@code "native"} or {@code "java"} (case-insensitive); {@code null}
     *     or blank to read the {@value #PROPERTY} system property, itself defaulting to {@code auto}
     * @throws IOException for {@code "native"} when libwal4j cannot be used here, with the reason
     *     and {@link NativeIo#unavailabilityCause()} as the cause
     * @throws IllegalArgumentException for any other mode
     */
    public static Storage select(String mode) throws IOException {
        String requested = mode;
        String source = "requested";
        if (requested == null || requested.isBlank()) {
            requested = System.getProperty(PROPERTY);
            source = PROPERTY + "=" + requested;
            if (requested == null || requested.isBlank()) {
                requested = AUTO;
                source = "default";
            }
        }
        switch (requested.strip().toLowerCase(Locale.ROOT)) {
            case AUTO:
                if (NativeIo.isAvailable()) {
                    return logged(new NativeStorage(), "native (libwal4j loaded from " + NativeIo.libraryLocation() + ")");
                }
                return logged(new JavaStorage(), "java (native unavailable: " + NativeIo.unavailabilityReason() + ")");
            case NATIVE:
                if (!NativeIo.isAvailable()) {
                    throw new IOException("wal4j I/O layer 'native' (" + source + ") cannot be used: "
                            + NativeIo.unavailabilityReason(), NativeIo.unavailabilityCause());
                }
                return logged(new NativeStorage(), "native (" + source + "; libwal4j loaded from "
                        + NativeIo.libraryLocation() + ")");
            case JAVA:
                return logged(new JavaStorage(), "java (" + source + ")");
            default:
                throw new IllegalArgumentException("unknown wal4j I/O layer '" + requested + "' (" + source
                        + "): valid values are auto, native and java");
        }
    }

    private static Storage logged(Storage storage, String why) {
        if (LOGGED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "wal4j I/O layer: " + why);
        }
        return storage;
    }
}
