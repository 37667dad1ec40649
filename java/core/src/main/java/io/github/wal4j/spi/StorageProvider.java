package io.github.wal4j.spi;

import java.io.IOException;

/**
 * An I/O layer that lives in another module, found through {@link java.util.ServiceLoader}: the
 * way {@code wal4j-native} offers libwal4j without the library naming it. A provider is listed in
 * {@code META-INF/services/io.github.wal4j.spi.StorageProvider} (and {@code provides} in its
 * module descriptor).
 *
 * <p>Availability is decided once per JVM by the provider (loading a native library is not
 * retried): {@link #isAvailable()} and, when false, {@link #unavailabilityReason()} and
 * {@link #unavailabilityCause()} say why, for the log line and for the exception of a caller who
 * asked for this layer by name. Methods are called from any thread.
 */
public interface StorageProvider {

    /** The name a caller gives to choose this layer ({@code WalOptions.withIoLayer}), lower case: {@code "native"}. */
    String name();

    /** Whether {@link #create()} can be called here: decided once, never changes in this JVM. */
    boolean isAvailable();

    /** Where the layer was loaded from, for the log line ({@code "libwal4j loaded from ..."}); only when available. */
    String location();

    /** One line saying why the layer cannot be used; only when not available. */
    String unavailabilityReason();

    /** The error behind {@link #unavailabilityReason()}, or {@code null}. */
    Throwable unavailabilityCause();

    /**
     * A new storage of this layer.
     *
     * @throws IllegalStateException when the layer is not available
     * @throws IOException when the layer is available but cannot start (it says why)
     */
    Storage create() throws IOException;
}
