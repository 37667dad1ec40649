package io.github.wal4j.io;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageProvider;
import java.io.IOException;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses the I/O layer: {@code "native"} (libwal4j through JNA, Linux: the {@link StorageProvider}
 * named {@code native} that the module {@code wal4j-native} offers through {@link ServiceLoader}) or
 * {@code "java"} ({@link JavaStorage}), or {@code "auto"}: native when it is on the class path and
 * libwal4j loads, else java. Which provider there is, and whether it is available, is looked up
 * once per JVM.
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

    private static final NativeLayer NATIVE_LAYER = NativeLayer.find();

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
     * @throws IOException for {@code "native"} when libwal4j cannot be used here (wal4j-native is
     *     not on the class path, or its library does not load), with the reason and the provider's
     *     {@link StorageProvider#unavailabilityCause()} as the cause
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
                if (NATIVE_LAYER.available()) {
                    return logged(NATIVE_LAYER.provider.create(), "native (" + NATIVE_LAYER.provider.location() + ")");
                }
                return logged(new JavaStorage(), "java (native unavailable: " + NATIVE_LAYER.reason() + ")");
            case NATIVE:
                if (!NATIVE_LAYER.available()) {
                    throw new IOException("wal4j I/O layer 'native' (" + source + ") cannot be used: "
                            + NATIVE_LAYER.reason(), NATIVE_LAYER.cause());
                }
                return logged(NATIVE_LAYER.provider.create(), "native (" + source + "; "
                        + NATIVE_LAYER.provider.location() + ")");
            case JAVA:
                return logged(new JavaStorage(), "java (" + source + ")");
            default:
                throw new IllegalArgumentException("unknown wal4j I/O layer '" + requested + "' (" + source
                        + "): valid values are auto, native and java");
        }
    }

    /** Where the native layer was loaded from, in its provider's words, or {@code null} when it is not available. */
    public static String nativeLocation() {
        return NATIVE_LAYER.available() ? NATIVE_LAYER.provider.location() : null;
    }

    /** Why the native layer cannot be used in this JVM, or {@code null} when it can. */
    public static String nativeUnavailabilityReason() {
        return NATIVE_LAYER.available() ? null : NATIVE_LAYER.reason();
    }

    private static Storage logged(Storage storage, String why) {
        if (LOGGED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "wal4j I/O layer: " + why);
        }
        return storage;
    }

    /** The native layer's provider, or {@code null} when no module offers one. */
    private record NativeLayer(StorageProvider provider) {
        static NativeLayer find() {
            for (StorageProvider p : ServiceLoader.load(StorageProvider.class, IoLayers.class.getClassLoader())) {
                if (NATIVE.equals(p.name())) {
                    return new NativeLayer(p);
                }
            }
            return new NativeLayer(null);
        }

        boolean available() {
            return provider != null && provider.isAvailable();
        }

        String reason() {
            return provider == null
                    ? "the module wal4j-native (io.github.wal4j:wal4j-native and its platform jar) is not on the class path"
                    : provider.unavailabilityReason();
        }

        Throwable cause() {
            return provider == null ? null : provider.unavailabilityCause();
        }
    }
}
