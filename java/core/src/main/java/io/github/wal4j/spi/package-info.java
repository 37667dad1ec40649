/**
 * The service-provider interface: the file layer as modules outside the core implement it.
 * {@link io.github.wal4j.spi.Storage} and {@link io.github.wal4j.spi.StorageFile} are every file
 * and directory operation the log makes (the native layer and the test kit's simulated disk
 * implement them; {@link io.github.wal4j.spi.ForwardingStorage} is the base of layers that change
 * a few calls), and {@link io.github.wal4j.spi.StorageProvider} is how a module offers its layer,
 * found through {@link java.util.ServiceLoader}. Nothing here depends on the rest of wal4j.
 */
package io.github.wal4j.spi;
