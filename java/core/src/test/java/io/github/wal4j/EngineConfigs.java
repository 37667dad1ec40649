package io.github.wal4j;

import io.github.wal4j.log.LogConfig;

/** The engine's configuration for options, as {@link WriteAheadLog#open} makes it: for the engine's unit tests. */
public final class EngineConfigs {
    private EngineConfigs() {
    }

    @SuppressWarnings("exports") // test code: the engine's tests live in its own package
    public static LogConfig of(WalOptions options) {
        return options.engineConfig();
    }
}
