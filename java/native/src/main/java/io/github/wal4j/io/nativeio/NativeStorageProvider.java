package io.github.wal4j.io.nativeio;

import io.github.wal4j.spi.Storage;
import io.github.wal4j.spi.StorageProvider;
import java.io.IOException;

/**
 * Offers {@link NativeStorage} to the library as the I/O layer {@code native}, through
 * {@link java.util.ServiceLoader}. Whether libwal4j loaded, and why not, is {@link NativeIo}'s
 * answer, decided once when that class initialises.
 */
public final class NativeStorageProvider implements StorageProvider {

    @Override
    public String name() {
        return "native";
    }

    @Override
    public boolean isAvailable() {
        return NativeIo.isAvailable();
    }

    @Override
    public String location() {
        return "libwal4j loaded from " + NativeIo.libraryLocation();
    }

    @Override
    public String unavailabilityReason() {
        return NativeIo.unavailabilityReason();
    }

    @Override
    public Throwable unavailabilityCause() {
        return NativeIo.unavailabilityCause();
    }

    @Override
    public Storage create() throws IOException {
        if (!NativeIo.isAvailable()) {
            throw new IllegalStateException("libwal4j is not available: " + NativeIo.unavailabilityReason(),
                    NativeIo.unavailabilityCause());
        }
        return new NativeStorage();
    }
}
