/**
 * The service-provider interface: what a module outside the library implements to plug in an I/O
 * layer ({@link io.github.wal4j.spi.StorageProvider}, found through {@link java.util.ServiceLoader}).
 */
package io.github.wal4j.spi;
