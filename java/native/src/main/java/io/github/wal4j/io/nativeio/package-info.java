/**
 * The native I/O layer: {@link io.github.wal4j.io.nativeio.NativeStorage} over libwal4j (built from
 * {@code native/} by CMake and shipped as {@code linux-x86-64/libwal4j.so} in the platform jar
 * {@code wal4j-<version>-linux-x86_64.jar}), bound with JNA direct mapping.
 *
 * <p>{@link io.github.wal4j.io.nativeio.NativeIo} tells whether the library loaded;
 * {@link io.github.wal4j.io.IoLayers} chooses between this layer and the pure-Java one.
 */
package io.github.wal4j.io.nativeio;
